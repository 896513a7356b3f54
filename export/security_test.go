package export_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hearth-iot/hearth"
)

// TestExportHoldsAccountSecurity: an account holder's export says which
// second factors they have and lists the refused attempts kept (second
// factors and their own firmware update requests, not another member's),
// matches the schema, and holds no secret (RIGHT-ACCESS, SEC-MFA,
// SEC-UPDATES).
func TestExportHoldsAccountSecurity(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	ctx := t.Context()
	owner, err := in.store.Person(ctx, h.owner)
	must(t, err)
	const secret = "MARKERSECRETTOTPXYZ"
	must(t, in.store.PutTOTP(ctx, &hearth.TOTP{AccountID: owner.AccountID, Secret: secret, Created: in.now}))
	must(t, in.store.ConfirmTOTP(ctx, owner.AccountID, 1, [][]byte{[]byte("MARKERRECOVERYHASH")}, in.now))
	must(t, in.store.AddPasskey(ctx, &hearth.Passkey{CredentialID: []byte("cred"), AccountID: owner.AccountID,
		Record: []byte(`{"publicKey":"MARKERPUBLICKEY"}`), Created: in.now}))
	must(t, in.store.RecordSecondFactorRefusal(ctx, &hearth.SecondFactorRefusal{AccountID: owner.AccountID,
		Method: hearth.FactorRecovery, Reason: "used", At: in.now.Add(time.Minute)}))
	must(t, in.store.RecordFirmwareRefusal(ctx, &hearth.FirmwareRefusal{ID: hearth.NewID("fwx_"), DeviceID: "dev_MARKERMINE",
		PersonID: h.owner, Problem: "no such device", At: in.now.Add(2 * time.Minute)}))
	must(t, in.store.RecordFirmwareRefusal(ctx, &hearth.FirmwareRefusal{ID: hearth.NewID("fwx_"), DeviceID: "dev_MARKERADULTS",
		PersonID: h.adult, Problem: "not an owner", At: in.now.Add(3 * time.Minute)}))
	data := in.write(t, h.owner)
	if bytes.Contains(data, []byte("dev_MARKERADULTS")) {
		t.Error("the owner's export holds another member's refused firmware request")
	}
	for _, m := range []string{secret, "MARKERRECOVERYHASH", "MARKERPUBLICKEY"} {
		if bytes.Contains(data, []byte(m)) {
			t.Errorf("the export holds %s", m)
		}
	}

	p, b := profileOf(t, data)
	s := p.Security
	if s == nil || !s.AuthenticatorApp || s.RecoveryCodesLeft != 1 || len(s.Passkeys) != 1 || s.Passkeys[0].LastUsed != nil ||
		len(s.Refused) != 1 || s.Refused[0].Reason != "used" || s.Operator {
		t.Errorf("account_security = %+v, want an app, 1 recovery code, 1 unused passkey, 1 refusal, no operator", s)
	}
	if s == nil || len(s.RefusedFirmware) != 1 || s.RefusedFirmware[0].DeviceID != "dev_MARKERMINE" ||
		s.RefusedFirmware[0].Problem != "no such device" || !s.RefusedFirmware[0].At.Equal(in.now.Add(2*time.Minute)) {
		t.Errorf("refused_firmware_requests = %+v, want the owner's one refusal", s)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	must(t, err)
	if err := compileSchemas(t)["profile"].Validate(v); err != nil {
		t.Errorf("profile.json does not match #/$defs/profile: %v", err)
	}
}

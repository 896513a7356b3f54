package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/export"
)

// RIGHT-ACCESS: an account holder's export lists the device log entries
// that name them as who acted (OWN-TRANSFER, FACTORY-RESET), not another
// member's, and matches the schema.
func TestExportHoldsDeviceActions(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	ctx := t.Context()
	must(t, in.store.AppendDeviceLog(ctx, &hearth.DeviceLogEntry{DeviceID: "dev_MARKERMINE", HouseholdID: "hh_1", PersonID: h.owner,
		Action: hearth.ActionTransferRefused, Outcome: "code-used", Time: in.now.Add(time.Minute)}))
	must(t, in.store.AppendDeviceLog(ctx, &hearth.DeviceLogEntry{DeviceID: "dev_MARKERADULTS", PersonID: h.adult,
		Action: hearth.ActionResetRefused, Outcome: "not-owner", Time: in.now.Add(2 * time.Minute)}))
	data := in.write(t, h.owner)
	if bytes.Contains(data, []byte("dev_MARKERADULTS")) {
		t.Error("the owner's export holds another member's device log entry")
	}
	p, _ := profileOf(t, data)
	want := export.DeviceActionRecord{DeviceID: "dev_MARKERMINE", HouseholdID: "hh_1", Action: "transfer-refused", Outcome: "code-used", At: in.now.Add(time.Minute).UTC()}
	if p.Security == nil || len(p.Security.DeviceActions) != 1 || p.Security.DeviceActions[0] != want {
		t.Errorf("device_actions = %+v, want [%+v]", p.Security, want)
	}
}

// profileOf returns profile.json of an export archive, decoded and as it
// is.
func profileOf(t *testing.T, data []byte) (export.Profile, []byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	f, err := zr.Open("profile.json")
	must(t, err)
	b, err := io.ReadAll(f)
	must(t, err)
	var p export.Profile
	must(t, json.Unmarshal(b, &p))
	return p, b
}

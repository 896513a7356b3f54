package updates_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/firmware/updates"
)

// TestPublish: a release is stored only if a device would install it, for
// a declared model, with a version above every earlier one. SEC-UPDATES
func TestPublish(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	other, _ := firmware.GenerateKey(rand.Reader)
	md, img := e.sign(t, "1.3.0", false)
	tests := []struct {
		name     string
		trusted  []ed25519.PublicKey
		md, img  []byte
		want     string
		mentions string
	}{
		{"wrong key", []ed25519.PublicKey{other.Public().(ed25519.PublicKey)}, md, img, hearth.EINVALID, "wrong-key"},
		{"modified image", e.trusted(), md, append([]byte("x"), img...), hearth.EINVALID, "modified"},
		{"malformed", e.trusted(), []byte("{"), img, hearth.EINVALID, "malformed"},
		{"same version", e.trusted(), must2(e.sign(t, "1.2.0", false)), nil, hearth.ECONFLICT, "not higher than 1.2.0"},
		{"lower version", e.trusted(), must2(e.sign(t, "1.1.0", false)), nil, hearth.ECONFLICT, "not higher"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			image := tt.img
			if image == nil {
				m, _ := firmware.Parse(tt.md)
				image = []byte("ember-t1 firmware " + m.Signed.Version)
			}
			_, err := e.svc.Publish(e.ctx, tt.trusted, tt.md, image)
			wantCode(t, "Publish", err, tt.want)
			if err == nil || !strings.Contains(err.Error(), tt.mentions) {
				t.Errorf("Publish error %v, want it to mention %q", err, tt.mentions)
			}
		})
	}
	rs, err := e.svc.Releases(e.ctx, model)
	if err != nil || len(rs) != 1 || rs[0].Version != "1.2.0" || rs[0].KeyID != firmware.KeyID(e.trusted()[0]) {
		t.Fatalf("Releases = %+v, %v; want only 1.2.0, with its key", rs, err)
	}
	if _, err := e.svc.Publish(e.ctx, e.trusted(), md, img); err != nil {
		t.Errorf("Publish 1.3.0: %v", err)
	}
}

func must2(md, _ []byte) []byte { return md }

// TestRolloutSubstantialNotifiesFirst: every member of each household with
// a device in the rollout is told what changes before any device is sent
// the command; devices that are offline stay pending; devices up to date
// are skipped. FIRMWARE-NOTICE SEC-UPDATES
func TestRolloutSubstantialNotifiesFirst(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", true)
	h1, h2, bystander := e.home(t), e.home(t), e.home(t)
	online := e.device(t, h1.id, "1.1.0", true)
	offline := e.device(t, h2.id, "1.1.0", false)
	current := e.device(t, bystander.id, "1.2.0", true)
	unclaimed := e.device(t, "", "1.0.0", true)
	everyone := []string{h1.owner, h1.adult, h1.child, h2.owner, h2.adult, h2.child}
	checked := 0
	e.cmd.check = func(string) {
		checked++
		for _, p := range everyone {
			if len(e.notes(t, p, hearth.NotifyFirmwareSubstantial)) != 1 {
				t.Errorf("person %s was not notified before the command was sent", p)
			}
		}
	}
	r, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{})
	if err != nil {
		t.Fatalf("Rollout: %v", err)
	}
	if checked != 2 {
		t.Errorf("commands sent = %d, want 2 (online and unclaimed)", checked)
	}
	if r.Notified != 6 {
		t.Errorf("Notified = %d, want 6", r.Notified)
	}
	got := map[string]updates.Outcome{}
	for _, o := range r.Devices {
		got[o.DeviceID] = o
	}
	for id, want := range map[string]hearth.OfferStatus{online: hearth.OfferSent, unclaimed: hearth.OfferSent, offline: hearth.OfferPending, current: ""} {
		if got[id].Status != want {
			t.Errorf("device %s: status %q (%s), want %q", id, got[id].Status, got[id].Note, want)
		}
	}
	n := e.notes(t, h1.adult, hearth.NotifyFirmwareSubstantial)[0]
	if !strings.Contains(n.Body, "holiday schedule") || !strings.Contains(n.Body, "1.2.0") {
		t.Errorf("notice body %q does not say what changes", n.Body)
	}
	if len(e.notes(t, bystander.owner, hearth.NotifyFirmwareSubstantial)) != 0 {
		t.Error("a household whose device was up to date was notified")
	}
	var cmd struct {
		ID, Type string
		ImageURL string `json:"image_url"`
		Release  json.RawMessage
	}
	sent := e.cmd.sent[online][0]
	if err := json.Unmarshal(sent, &cmd); err != nil {
		t.Fatalf("command %s: %v", sent, err)
	}
	if cmd.Type != "firmware-update" || cmd.ImageURL != "/v1/devices/"+online+"/firmware/1.2.0/image" {
		t.Errorf("command = %s", sent)
	}
	if _, err := firmware.Verify(e.trusted(), cmd.Release, []byte("ember-t1 firmware 1.2.0"), "1.1.0", e.now); err != nil {
		t.Errorf("the command's release does not verify on the device: %v", err)
	}

	// Run again: nobody is notified twice.
	if _, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{}); err != nil {
		t.Fatalf("Rollout again: %v", err)
	}
	if n := len(e.notes(t, h1.owner, hearth.NotifyFirmwareSubstantial)); n != 1 {
		t.Errorf("owner has %d notices after a second rollout, want 1", n)
	}

	// The offline device connects: the pending offer is delivered.
	e.cmd.connected[offline] = true
	if sent, err := e.svc.Deliver(e.ctx); err != nil || sent != 1 {
		t.Errorf("Deliver = %d, %v; want 1", sent, err)
	}
	if sent, err := e.svc.Deliver(e.ctx); err != nil || sent != 0 {
		t.Errorf("Deliver again = %d, %v; want 0", sent, err)
	}
}

// TestRolloutNotSubstantialNotifiesNobody. FIRMWARE-NOTICE
func TestRolloutNotSubstantialNotifiesNobody(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	h := e.home(t)
	e.device(t, h.id, "1.1.0", true)
	r, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{})
	if err != nil || r.Notified != 0 || len(e.notes(t, h.owner, hearth.NotifyFirmwareSubstantial)) != 0 {
		t.Errorf("Rollout = %+v, %v; want nobody notified", r, err)
	}
}

// TestRolloutStaged: a percentage reaches part of the model's devices and
// a higher one keeps them; a list reaches exactly those. SEC-UPDATES
func TestRolloutStaged(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	h := e.home(t)
	var all []string
	for range 40 {
		all = append(all, e.device(t, h.id, "1.1.0", false))
	}
	offered := func(r *updates.Rollout) map[string]bool {
		m := map[string]bool{}
		for _, o := range r.Devices {
			if o.Status != "" {
				m[o.DeviceID] = true
			}
		}
		return m
	}
	r25, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{Percent: 25})
	if err != nil {
		t.Fatal(err)
	}
	first := offered(r25)
	if len(first) == 0 || len(first) >= 40 {
		t.Errorf("25%% reached %d of 40 devices", len(first))
	}
	r50, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{Percent: 50})
	if err != nil {
		t.Fatal(err)
	}
	second := offered(r50)
	for id := range first {
		if !second[id] {
			t.Errorf("device %s was in the 25%% stage but not in the 50%% one", id)
		}
	}
	rl, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{Devices: []string{all[3], all[7], all[3]}})
	if err != nil {
		t.Fatal(err)
	}
	if got := offered(rl); len(got) != 2 || !got[all[3]] || !got[all[7]] {
		t.Errorf("listed rollout reached %v, want exactly two devices", got)
	}
	for name, st := range map[string]updates.Stage{
		"both":        {Percent: 10, Devices: all[:1]},
		"percent":     {Percent: 101},
		"unknown":     {Devices: []string{"dev_nope"}},
		"other model": {Devices: []string{e.otherModelDevice(t)}},
	} {
		_, err := e.svc.Rollout(e.ctx, model, "1.2.0", st)
		wantCode(t, "Rollout "+name, err, hearth.EINVALID)
	}
	_, err = e.svc.Rollout(e.ctx, model, "9.9.9", updates.Stage{})
	wantCode(t, "Rollout of an unknown release", err, hearth.ENOTFOUND)
	e.now = e.now.Add(31 * 24 * time.Hour)
	_, err = e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{})
	wantCode(t, "Rollout of an expired release", err, hearth.EGONE)
}

func (e *env) otherModelDevice(t *testing.T) string {
	t.Helper()
	d := &hearth.Device{ID: hearth.NewID("dev_"), Model: "ember-s1", CredentialHash: []byte("h"), Firmware: "1.0.0", Mode: hearth.ModeCloud, Created: e.now}
	if err := e.db.CreateDevice(e.ctx, d); err != nil {
		t.Fatal(err)
	}
	return d.ID
}

// TestManualUpdate: an owner updates their device by hand; others cannot,
// and each refused request is recorded and changes nothing. SEC-UPDATES
// FIRMWARE-NOTICE
func TestManualUpdate(t *testing.T) {
	e := newEnv(t)
	h, stranger := e.home(t), e.home(t)
	dev := e.device(t, h.id, "1.1.0", true)
	_, err := e.svc.ManualUpdate(e.ctx, h.owner, dev, "")
	wantCode(t, "ManualUpdate with nothing published", err, hearth.ENOTFOUND)
	e.publish(t, "1.2.0", false)
	e.publish(t, "1.3.0", true)
	t0 := e.now
	_, err = e.svc.ManualUpdate(e.ctx, h.adult, dev, "")
	wantCode(t, "ManualUpdate by an adult", err, hearth.EFORBIDDEN)
	e.now = e.now.Add(time.Second)
	_, err = e.svc.ManualUpdate(e.ctx, stranger.owner, dev, "")
	wantCode(t, "ManualUpdate by another household's owner", err, hearth.ENOTFOUND)
	if len(e.cmd.sent[dev]) != 0 {
		t.Fatal("a refused manual update sent a command")
	}
	e.now = e.now.Add(time.Second)
	_, err = e.svc.ManualUpdate(e.ctx, stranger.owner, "dev_nope", "")
	wantCode(t, "ManualUpdate of an unknown device", err, hearth.ENOTFOUND)
	refusals, err := e.svc.Refusals(e.ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct{ device, person, problem string }{
		{"dev_nope", stranger.owner, "no such device"},
		{dev, stranger.owner, "no such device"},
		{dev, h.adult, "only the household's owners"},
	}
	if len(refusals) != len(want) {
		t.Fatalf("refusals recorded = %d, want %d: %+v", len(refusals), len(want), refusals)
	}
	for i, w := range want {
		r := refusals[i]
		if r.DeviceID != w.device || r.PersonID != w.person || !strings.Contains(r.Problem, w.problem) {
			t.Errorf("refusal %d = %+v, want %+v", i, r, w)
		}
	}
	if offers, _ := e.db.FirmwareOffers(e.ctx, dev); len(offers) != 0 {
		t.Errorf("refused requests left %d offers", len(offers))
	}
	o, err := e.svc.ManualUpdate(e.ctx, h.owner, dev, "")
	if err != nil || o.Status != hearth.OfferSent {
		t.Fatalf("ManualUpdate = %+v, %v; want sent", o, err)
	}
	if !strings.Contains(string(e.cmd.sent[dev][0]), `"version":"1.3.0"`) {
		t.Errorf("manual update sent %s, want the latest, 1.3.0", e.cmd.sent[dev][0])
	}
	if len(e.notes(t, h.child, hearth.NotifyFirmwareSubstantial)) != 1 {
		t.Error("a substantial manual update did not notify the household's members")
	}
	if err := e.svc.Report(e.ctx, dev, updates.Event{Status: "installed", Version: "1.3.0"}); err != nil {
		t.Fatal(err)
	}
	_, err = e.svc.ManualUpdate(e.ctx, h.owner, dev, "1.2.0")
	wantCode(t, "ManualUpdate to an older version", err, hearth.ECONFLICT)

	// SEC-MONITOR: a refusal record goes once older than the security
	// purpose's bound; the three were recorded at t0, t0+1s and t0+2s.
	e.now = t0.Add(updates.RefusalRetention + 1500*time.Millisecond)
	if n, err := e.svc.PruneRefusals(e.ctx); err != nil || n != 2 {
		t.Errorf("PruneRefusals = %d, %v; want the 2 older than %v", n, err, updates.RefusalRetention)
	}
	if left, _ := e.svc.Refusals(e.ctx, 0); len(left) != 1 || left[0].DeviceID != "dev_nope" {
		t.Errorf("refusals left = %+v, want the latest one", left)
	}
}

// TestReport: a device's reports are recorded; one about a version it was
// never offered is refused with a precise error and changes nothing.
// SEC-UPDATES
func TestReport(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	h := e.home(t)
	dev := e.device(t, h.id, "1.1.0", true)
	if _, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{}); err != nil {
		t.Fatal(err)
	}
	firmwareOf := func() string {
		d, err := e.db.Device(e.ctx, dev)
		if err != nil {
			t.Fatal(err)
		}
		return d.Firmware
	}
	bad := []struct {
		name    string
		ev      updates.Event
		mention string
	}{
		{"never offered", updates.Event{Status: "installed", Version: "6.6.6"}, "version 6.6.6 was never offered to this device"},
		{"bad status", updates.Event{Status: "done", Version: "1.2.0"}, `status "done"`},
		{"bad version", updates.Event{Status: "installed", Version: "latest"}, "MAJOR.MINOR.PATCH"},
		{"unknown reason", updates.Event{Status: "refused", Version: "1.2.0", Reason: "bored"}, `reason "bored"`},
		{"long detail", updates.Event{Status: "refused", Version: "1.2.0", Reason: "expired", Detail: strings.Repeat("x", 600)}, "detail"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			err := e.svc.Report(e.ctx, dev, tt.ev)
			wantCode(t, "Report", err, hearth.EINVALID)
			if err == nil || !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Report error %v, want it to mention %q", err, tt.mention)
			}
			if fw := firmwareOf(); fw != "1.1.0" {
				t.Errorf("firmware = %s after a refused report, want 1.1.0", fw)
			}
		})
	}
	if err := e.svc.Report(e.ctx, dev, updates.Event{Status: "refused", Version: "1.2.0", Reason: "expired", Detail: "clock says 2027"}); err != nil {
		t.Fatalf("Report refused: %v", err)
	}
	o, _ := e.db.FirmwareOffer(e.ctx, dev, "1.2.0")
	if o.Status != hearth.OfferRefused || o.Reason != "expired" {
		t.Errorf("offer = %s/%s, want refused/expired", o.Status, o.Reason)
	}
	if err := e.svc.Report(e.ctx, dev, updates.Event{Status: "installed", Version: "1.2.0"}); err != nil {
		t.Fatalf("Report installed: %v", err)
	}
	if fw := firmwareOf(); fw != "1.2.0" {
		t.Errorf("firmware = %s, want 1.2.0", fw)
	}
	reps, err := e.db.FirmwareReports(e.ctx, dev, 0)
	if err != nil {
		t.Fatal(err)
	}
	refused := 0
	for _, r := range reps {
		if !r.Accepted {
			refused++
			if r.Problem == "" {
				t.Errorf("refused report %+v has no problem recorded", r)
			}
		}
	}
	if len(reps) != len(bad)+2 || refused != len(bad) {
		t.Errorf("reports = %d (%d refused), want %d (%d refused)", len(reps), refused, len(bad)+2, len(bad))
	}
}

// TestImage: a device gets the image of a version it was offered, and no
// other. SEC-UPDATES
func TestImage(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	e.publish(t, "1.3.0", false)
	h := e.home(t)
	id := e.device(t, h.id, "1.1.0", true)
	if _, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{}); err != nil {
		t.Fatal(err)
	}
	dev, _ := e.db.Device(e.ctx, id)
	img, err := e.svc.Image(e.ctx, dev, "1.2.0")
	if err != nil || string(img) != "ember-t1 firmware 1.2.0" {
		t.Errorf("Image = %q, %v", img, err)
	}
	_, err = e.svc.Image(e.ctx, dev, "1.3.0")
	wantCode(t, "Image of a version not offered", err, hearth.ENOTFOUND)
}

// TestStatusSinceClaimed: a household sees the firmware offers and reports
// of its device from the time the device joined it, and nothing of a
// previous owner's. OWN-CLEAN SEC-UPDATES
func TestStatusSinceClaimed(t *testing.T) {
	e := newEnv(t)
	e.publish(t, "1.2.0", false)
	before, after := e.home(t), e.home(t)
	dev := e.device(t, before.id, "1.1.0", true)
	if _, err := e.svc.Rollout(e.ctx, model, "1.2.0", updates.Stage{}); err != nil {
		t.Fatal(err)
	}
	if err := e.svc.Report(e.ctx, dev, updates.Event{Status: "refused", Version: "1.2.0", Reason: "expired"}); err != nil {
		t.Fatal(err)
	}
	st, err := e.svc.StatusOf(e.ctx, before.adult, dev)
	if err != nil || len(st.Offers) != 1 || len(st.Reports) != 1 {
		t.Fatalf("StatusOf for the first household = %+v, %v; want its offer and report", st, err)
	}
	e.now = e.now.Add(time.Hour)
	if _, err := e.db.AcceptTransfer(e.ctx, e.transfer(t, dev, before), after.id, []byte("new"), e.now); err != nil {
		t.Fatalf("AcceptTransfer: %v", err)
	}
	st, err = e.svc.StatusOf(e.ctx, after.owner, dev)
	if err != nil || len(st.Offers) != 0 || len(st.Reports) != 0 {
		t.Errorf("StatusOf for the new household = %+v, %v; want nothing from before", st, err)
	}
	_, err = e.svc.StatusOf(e.ctx, before.owner, dev)
	wantCode(t, "StatusOf for the previous household", err, hearth.ENOTFOUND)
}

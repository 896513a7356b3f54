package rights_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/rights"
)

// reading stores a sealed reading of category about person ("" for the
// household) from a device of the household, and returns it.
func (e *env) reading(t *testing.T, person, category, values string) hearth.Reading {
	t.Helper()
	dev := &hearth.Device{ID: hearth.NewID("dev_"), Model: "stride-band-2", HouseholdID: e.hh, CredentialHash: []byte(hearth.NewID("h")),
		Firmware: "1", Mode: hearth.ModeCloud, Created: e.now, Claimed: e.now}
	must(t, e.db.CreateDevice(t.Context(), dev))
	r := hearth.Reading{DeviceID: dev.ID, HouseholdID: e.hh, PersonID: person, Category: category, MsgID: "m1", Time: e.now, Received: e.now}
	var err error
	r.Sealed, err = e.keys.Seal(t.Context(), r.Subject(), []byte(values), r.AAD())
	must(t, err)
	rs := []hearth.Reading{r}
	_, err = e.db.InsertReadings(t.Context(), rs)
	must(t, err)
	return rs[0]
}

// open returns the stored reading and its opened values.
func (e *env) open(t *testing.T, id int64) (*hearth.Reading, string) {
	t.Helper()
	r, err := e.db.Reading(t.Context(), e.hh, id)
	must(t, err)
	plain, err := e.keys.Open(t.Context(), r.Sealed, r.AAD())
	if err != nil {
		t.Fatalf("open reading %d: %v", id, err)
	}
	return r, string(plain)
}

// TestRename: a person corrects their display name; the request records
// that it changed, not what it was or became (RIGHT-RECTIFY).
func TestRename(t *testing.T) {
	e := newEnv(t)
	if _, err := e.svc.Rename(t.Context(), rights.Change{Actor: e.adult, HouseholdID: e.hh, PersonID: e.adult, Password: password}, "\x00"); hearth.ErrorField(err) != "display_name" {
		t.Errorf("bad name: %v, want EINVALID on display_name", err)
	}
	if _, err := e.svc.Rename(t.Context(), rights.Change{Actor: e.owner, HouseholdID: e.hh, PersonID: e.adult, Password: password}, "Mallory"); hearth.ErrorCode(err) != hearth.EFORBIDDEN {
		t.Errorf("owner renames another adult: %v, want EFORBIDDEN", err)
	}
	r, err := e.svc.Rename(t.Context(), rights.Change{Actor: e.owner, HouseholdID: e.hh, PersonID: e.guest, Password: password}, "  Granny Ogg ")
	must(t, err)
	p, err := e.db.Person(t.Context(), e.guest)
	must(t, err)
	if p.DisplayName != "Granny Ogg" {
		t.Errorf("DisplayName = %q, want the corrected one", p.DisplayName)
	}
	if r.Type != hearth.RequestRectification || r.Status != hearth.StatusDone || r.IdentityCheck != hearth.CheckOwner || strings.Contains(r.Outcome, "Ogg") {
		t.Errorf("request = %+v, want a done rectification by the owner whose outcome holds no name", r)
	}
}

// TestRectifyReading: a reading is re-attributed to the right member and
// re-sealed with their key, disputed, and corrected with nothing of the old
// values kept; a household reading only by the owner; a re-attribution the
// new person's consents do not allow is refused (RIGHT-RECTIFY, MIN-GATE).
func TestRectifyReading(t *testing.T) {
	e := newEnv(t)
	steps := e.reading(t, e.adult, "steps", `{"steps":1200}`)
	c := rights.ReadingChange{Actor: e.adult, HouseholdID: e.hh, ReadingID: steps.ID, Password: password}

	req, err := e.svc.Reattribute(t.Context(), c, e.kid)
	must(t, err)
	got, values := e.open(t, steps.ID)
	if got.PersonID != e.kid || values != `{"steps":1200}` {
		t.Errorf("after re-attribution: person %s, values %s; want the child's, the same values", got.PersonID, values)
	}
	if _, err := e.keys.Open(t.Context(), got.Sealed, steps.AAD()); err == nil {
		t.Errorf("the re-sealed values open under the old subject: want them bound to the new one")
	}
	if req.PersonID != e.adult || req.Scope != "reading:"+strconv.FormatInt(steps.ID, 10) || req.Status != hearth.StatusDone {
		t.Errorf("request = %+v, want a done rectification of the reading, for the adult", req)
	}

	// The child's reading is now corrected by their guardian, the adult.
	if _, err := e.svc.Dispute(t.Context(), c, true); err != nil {
		t.Fatalf("Dispute: %v", err)
	}
	if got, _ := e.open(t, steps.ID); !got.Disputed {
		t.Errorf("after Dispute: not disputed")
	}
	if _, err := e.svc.Correct(t.Context(), c, json.RawMessage(`[1,2]`)); hearth.ErrorField(err) != "values" {
		t.Errorf("values not an object: %v, want EINVALID on values", err)
	}
	if _, err := e.svc.Correct(t.Context(), c, json.RawMessage(`{"steps": 1250}`)); err != nil {
		t.Fatalf("Correct: %v", err)
	}
	got, values = e.open(t, steps.ID)
	if values != `{"steps":1250}` || got.Disputed {
		t.Errorf("after Correct: values %s, disputed %v; want the new values, no longer disputed", values, got.Disputed)
	}

	// A household reading: the owner may re-attribute it, an adult may not.
	hr := e.reading(t, "", "steps", `{"steps":10}`)
	hc := rights.ReadingChange{Actor: e.adult, HouseholdID: e.hh, ReadingID: hr.ID, Password: password}
	if _, err := e.svc.Reattribute(t.Context(), hc, e.adult); hearth.ErrorCode(err) != hearth.EFORBIDDEN {
		t.Errorf("adult re-attributes a household reading: %v, want EFORBIDDEN", err)
	}
	hc.Actor = e.owner
	if _, err := e.svc.Reattribute(t.Context(), hc, e.other); hearth.ErrorField(err) != "person" {
		t.Errorf("re-attribute to a stranger: %v, want ENOTFOUND on person", err)
	}
	if _, err := e.svc.Reattribute(t.Context(), hc, e.adult); err != nil {
		t.Fatalf("owner re-attributes a household reading: %v", err)
	}

	// Heart rate is used only by consent purposes: without the new
	// person's consent the reading may not be theirs.
	heart := e.reading(t, e.adult, "heart-rate", `{"bpm":70}`)
	_, err = e.svc.Reattribute(t.Context(), rights.ReadingChange{Actor: e.adult, HouseholdID: e.hh, ReadingID: heart.ID, Password: password}, "")
	if hearth.ErrorCode(err) != hearth.EREFUSED {
		t.Errorf("re-attribute heart rate to the household: %v, want EREFUSED", err)
	}
	if got, _ := e.open(t, heart.ID); got.PersonID != e.adult {
		t.Errorf("refused re-attribution changed the reading's person to %q", got.PersonID)
	}
	rs, err := e.db.RightsRequestsOf(t.Context(), e.adult)
	must(t, err)
	var refused int
	for _, r := range rs {
		if r.Scope == "reading:"+strconv.FormatInt(heart.ID, 10) {
			refused++
			if r.Status != hearth.StatusRefused || r.Outcome == "" {
				t.Errorf("request = %+v, want the refused re-attribution with the reason", r)
			}
		}
	}
	if refused != 1 {
		t.Errorf("%d requests about the heart-rate reading, want the one refused", refused)
	}
	if _, err := e.svc.Dispute(t.Context(), rights.ReadingChange{Actor: e.adult, HouseholdID: e.hh, ReadingID: 1 << 40, Password: password}, true); hearth.ErrorField(err) != "reading" {
		t.Errorf("unknown reading: %v, want ENOTFOUND on reading", err)
	}
}

package storetest

import (
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// newAccount returns an unsaved account and its person, numbered n.
func newAccount(n int, email string) (*hearth.Account, *hearth.Person) {
	p := &hearth.Person{ID: hearth.NewID("p_"), DisplayName: "Person " + string(rune('A'+n)), Created: at(time.Duration(n) * time.Second)}
	a := &hearth.Account{
		ID:           hearth.NewID("a_"),
		Email:        hearth.Email(email),
		PasswordHash: "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA",
		PersonID:     p.ID,
		Created:      p.Created,
	}
	p.AccountID = a.ID
	return a, p
}

// home is a household with an owner who has an account, and a member
// without one.
type home struct {
	s       hearth.Store
	h       hearth.Household
	owner   hearth.Person
	profile hearth.Person // a member without an account
}

// newHome stores a household named name, created at offset d from base,
// with an owner account and a profile member.
func newHome(t *testing.T, s hearth.Store, name string, d time.Duration) *home {
	t.Helper()
	a, p := newAccount(0, hearth.NewID("")+"@example.org")
	must(t, "CreateAccount", s.CreateAccount(ctx(t), a, p))
	hh := &hearth.Household{ID: hearth.NewID("hh_"), Name: name, Created: at(d)}
	owner := &hearth.Member{HouseholdID: hh.ID, PersonID: p.ID, Role: hearth.RoleOwner, Added: at(d)}
	must(t, "CreateHousehold", s.CreateHousehold(ctx(t), hh, owner))
	prof := &hearth.Person{ID: hearth.NewID("p_"), HouseholdID: hh.ID, DisplayName: "Guest", Created: at(d + time.Second)}
	m := &hearth.Member{HouseholdID: hh.ID, PersonID: prof.ID, Role: hearth.RoleGuest, Added: prof.Created}
	must(t, "CreatePerson", s.CreatePerson(ctx(t), prof, m))
	return &home{s: s, h: *hh, owner: *p, profile: *prof}
}

// newDevice returns an unsaved device in householdID ("" for unclaimed).
func newDevice(householdID string, d time.Duration) *hearth.Device {
	dev := &hearth.Device{
		ID:             hearth.NewID("dev_"),
		Model:          "thermo-1",
		HouseholdID:    householdID,
		CredentialHash: []byte(hearth.NewID("hash-")),
		Firmware:       "1.0.0",
		Mode:           hearth.ModeCloud,
		Created:        at(d),
	}
	if householdID != "" {
		dev.Claimed = at(d + time.Minute)
	}
	return dev
}

// addDevice stores a device in the home.
func (h *home) addDevice(t *testing.T, d time.Duration) hearth.Device {
	t.Helper()
	dev := newDevice(h.h.ID, d)
	must(t, "CreateDevice", h.s.CreateDevice(ctx(t), dev))
	return *dev
}

// reading returns an unsaved reading from dev, attributed to personID ("" for
// the household), at offset d from base.
func reading(dev hearth.Device, personID, category, msgID string, d time.Duration) hearth.Reading {
	return hearth.Reading{
		DeviceID:    dev.ID,
		HouseholdID: dev.HouseholdID,
		PersonID:    personID,
		Category:    category,
		MsgID:       msgID,
		Time:        base.Add(d),
		Received:    base.Add(d + time.Second),
		Sealed:      []byte("sealed:" + msgID),
	}
}

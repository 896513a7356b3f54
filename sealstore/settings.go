package sealstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// PutSettings seals every field of s but PersonID and Updated, as JSON,
// with the person's key, and stores only the sealed form. Fields added to
// hearth.PersonSettings later are sealed with the rest.
func (st *Store) PutSettings(ctx context.Context, s *hearth.PersonSettings) error {
	sealed, err := st.sealSettings(ctx, s)
	if err != nil {
		return err
	}
	return st.Store.PutSettings(ctx, sealed)
}

// ReplaceSettings seals s as PutSettings does and has the wrapped store
// replace old with it; the wrapped store receives only old's PersonID and
// Updated. For a nil old (Settings returned ENOTFOUND), settings stored
// sealed with a destroyed key (erased: Settings says ENOTFOUND for them
// too) are replaced as if none were stored; readable ones stored since are
// ECONFLICT.
func (st *Store) ReplaceSettings(ctx context.Context, old, s *hearth.PersonSettings) error {
	sealed, err := st.sealSettings(ctx, s)
	if err != nil {
		return err
	}
	var prev *hearth.PersonSettings
	if old != nil {
		prev = &hearth.PersonSettings{PersonID: old.PersonID, Updated: old.Updated}
	} else if prev, err = st.erasedSettings(ctx, s.PersonID); err != nil {
		return err
	}
	return st.Store.ReplaceSettings(ctx, prev, sealed)
}

// erasedSettings returns the PersonID and Updated of personID's stored
// settings if their key was destroyed, nil if none are stored, and
// ECONFLICT if readable ones are stored.
func (st *Store) erasedSettings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	s, err := st.Store.Settings(ctx, personID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	_, err = st.keys.Open(ctx, s.Sealed, settingsAAD(s.PersonID))
	switch {
	case erased(err):
		return &hearth.PersonSettings{PersonID: s.PersonID, Updated: s.Updated}, nil
	case err != nil:
		return nil, openErr("person's settings", err)
	}
	return nil, &hearth.Error{Code: hearth.ECONFLICT, Message: "the settings were changed by someone else at the same time; try again"}
}

// sealSettings returns s as the wrapped store keeps it: PersonID, Updated
// and the rest sealed as JSON.
func (st *Store) sealSettings(ctx context.Context, s *hearth.PersonSettings) (*hearth.PersonSettings, error) {
	plain, err := json.Marshal(settingsBody(s))
	if err != nil {
		return nil, fmt.Errorf("encode settings: %w", err)
	}
	sealed, err := st.keys.Seal(ctx, s.PersonID, plain, settingsAAD(s.PersonID))
	if err != nil {
		return nil, fmt.Errorf("seal settings: %w", err)
	}
	return &hearth.PersonSettings{PersonID: s.PersonID, Updated: s.Updated, Sealed: sealed}, nil
}

// Settings returns the person's settings, opened; ENOTFOUND if they stored
// none or were erased.
func (st *Store) Settings(ctx context.Context, personID string) (*hearth.PersonSettings, error) {
	s, err := st.Store.Settings(ctx, personID)
	if err != nil {
		return nil, err
	}
	plain, err := st.keys.Open(ctx, s.Sealed, settingsAAD(s.PersonID))
	if err != nil {
		return nil, openErr("person's settings", err)
	}
	var out hearth.PersonSettings
	if err := json.Unmarshal(plain, &out); err != nil {
		return nil, fmt.Errorf("decode settings: %w", err)
	}
	out.PersonID, out.Updated = s.PersonID, s.Updated
	return &out, nil
}

// settingsBody returns the part of s that is sealed.
func settingsBody(s *hearth.PersonSettings) hearth.PersonSettings {
	c := *s
	c.PersonID, c.Updated, c.Sealed = "", time.Time{}, nil
	return c
}

func settingsAAD(personID string) []byte { return aad("settings", "", personID) }

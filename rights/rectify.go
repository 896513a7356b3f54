package rights

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/ingest"
	"github.com/hearth-iot/hearth/policy"
)

// Sealer opens and seals reading values with their subject's data key;
// *seal.Keyring satisfies it.
type Sealer interface {
	Seal(ctx context.Context, subject string, plaintext, aad []byte) ([]byte, error)
	Open(ctx context.Context, sealed, aad []byte) ([]byte, error)
}

// ReadingChange is who corrects which reading of household HouseholdID,
// and the actor's password, checked again.
type ReadingChange struct {
	Actor, HouseholdID string
	ReadingID          int64
	Password           string
}

// Rename corrects the person's display name (RIGHT-RECTIFY), recorded as a
// rectification request with scope "person:display_name" whose outcome
// holds neither the old nor the new name. The old name is overwritten. It
// returns EINVALID (field display_name) for a bad name and the errors of
// Open.
func (s *Service) Rename(ctx context.Context, c Change, name string) (*hearth.RightsRequest, error) {
	if err := auth.CheckDisplayName(name); err != nil {
		return nil, err
	}
	r, err := s.Open(ctx, c.opening(hearth.RequestRectification, "person:display_name"))
	if err != nil {
		return nil, err
	}
	if err := s.store.SetDisplayName(ctx, c.PersonID, strings.TrimSpace(name)); err != nil {
		return nil, fmt.Errorf("rename: %w", err)
	}
	return s.Complete(ctx, r.ID, hearth.StatusDone, "display name corrected; the old one is not kept")
}

// Reattribute attributes a reading to the person it is really about, a
// member of the household (or to the household itself when to is ""),
// re-sealing its values with their data key: the sealed values are bound to
// their subject (RIGHT-RECTIFY). The new subject's state must let a purpose
// collect the reading's category, as at ingestion (MIN-GATE); otherwise the
// request is refused with the policy's reason (EREFUSED). It returns
// ENOTFOUND (field person) if to is not a member, EINVALID if the reading
// is theirs already, and the errors of authorizeReading and Open.
func (s *Service) Reattribute(ctx context.Context, c ReadingChange, to string) (*hearth.RightsRequest, error) {
	return s.rectifyReading(ctx, c, func(old hearth.Reading) (hearth.Reading, string, error) {
		if to == old.PersonID {
			return old, "", hearth.FieldError("person", "the reading is attributed to them already")
		}
		if to != "" {
			if m, err := s.member(ctx, c.HouseholdID, to); err != nil || m == nil {
				return old, "", cmpErr(err, &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"})
			}
		}
		r := old
		r.PersonID = to
		sub, err := s.subjects.ForReading(ctx, &r)
		if err != nil {
			return old, "", fmt.Errorf("reattribute: %w", err)
		}
		if d := s.policy.Ingest(&sub, r.Category, s.now()); !d.Allow {
			return old, "", &hearth.Error{Code: hearth.EREFUSED, Field: "person", Message: s.policy.Explain(d)}
		}
		plain, err := s.keys.Open(ctx, old.Sealed, old.AAD())
		if err != nil {
			return old, "", fmt.Errorf("open reading: %w", err)
		}
		defer clear(plain)
		if r.Sealed, err = s.keys.Seal(ctx, r.Subject(), plain, r.AAD()); err != nil {
			return old, "", fmt.Errorf("seal reading: %w", err)
		}
		target := "the household"
		if to != "" {
			target = "person " + to
		}
		return r, "reading re-attributed to " + target + " and sealed with their key", nil
	})
}

// Dispute marks a reading disputed (its accuracy contested) or no longer
// disputed (RIGHT-RECTIFY). It has the errors of authorizeReading and Open.
func (s *Service) Dispute(ctx context.Context, c ReadingChange, disputed bool) (*hearth.RightsRequest, error) {
	return s.rectifyReading(ctx, c, func(r hearth.Reading) (hearth.Reading, string, error) {
		r.Disputed = disputed
		if disputed {
			return r, "reading marked disputed", nil
		}
		return r, "reading no longer disputed", nil
	})
}

// Correct replaces a reading's values with values, a JSON object checked as
// a device's payload is (ingest.ParsePayload) and against the category's
// declared shape, a location coarsened (policy.Engine.Correct: EREFUSED,
// field values, otherwise), sealed with the same
// subject's key; the old values are overwritten and no copy is kept, and a
// dispute ends (RIGHT-RECTIFY). The request's outcome holds no value. It
// returns EINVALID or ETOOLARGE (field values) for bad values, recording
// nothing, and the errors of authorizeReading and Open.
func (s *Service) Correct(ctx context.Context, c ReadingChange, values json.RawMessage) (*hearth.RightsRequest, error) {
	// Bad values are refused before anything is recorded; the reading's
	// own ID, time and category are checked with them below.
	if _, err := parseValues(hearth.Reading{MsgID: "check", Category: "check", Time: s.now()}, values); err != nil {
		return nil, err
	}
	return s.rectifyReading(ctx, c, func(r hearth.Reading) (hearth.Reading, string, error) {
		p, err := parseValues(r, values)
		if err != nil {
			return r, "", err
		}
		defer clear(p)
		sub, err := s.subjects.ForReading(ctx, &r)
		if err != nil {
			return r, "", fmt.Errorf("correct: %w", err)
		}
		a := s.policy.Correct(&sub, &policy.Reading{Category: r.Category, Time: r.Time, Values: p})
		if !a.Allow {
			return r, "", &hearth.Error{Code: hearth.EREFUSED, Field: "values", Message: s.policy.Explain(a.Decision)}
		}
		if r.Sealed, err = s.keys.Seal(ctx, r.Subject(), a.Values, r.AAD()); err != nil {
			return r, "", fmt.Errorf("seal reading: %w", err)
		}
		r.Disputed = false
		return r, "reading's values corrected; the old values are not kept", nil
	})
}

// parseValues checks corrected values as part of the reading's payload and
// returns their compact JSON.
func parseValues(r hearth.Reading, values json.RawMessage) ([]byte, error) {
	doc, err := json.Marshal(map[string]any{"id": r.MsgID, "time": r.Time.UTC().Format(time.RFC3339Nano),
		"category": r.Category, "values": values})
	if err != nil {
		return nil, hearth.FieldError("values", "must be a JSON object")
	}
	p, err := ingest.ParsePayload(doc)
	if err != nil {
		return nil, &hearth.Error{Code: hearth.ErrorCode(err), Field: "values", Message: hearth.ErrorMessage(err), Err: err}
	}
	return p.Values, nil
}

// rectifyReading authorises the change of a reading, records it as a
// rectification request with scope "reading:ID", applies edit and stores
// the result; a refusal by policy closes the request as refused.
func (s *Service) rectifyReading(ctx context.Context, c ReadingChange, edit func(hearth.Reading) (hearth.Reading, string, error)) (*hearth.RightsRequest, error) {
	if s.keys == nil || s.subjects == nil || s.policy == nil {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "readings cannot be rectified here")
	}
	old, subject, err := s.authorizeReading(ctx, c.Actor, c.HouseholdID, c.ReadingID)
	if err != nil {
		return nil, err
	}
	req, err := s.Open(ctx, Opening{Actor: c.Actor, HouseholdID: c.HouseholdID, PersonID: subject,
		Type: hearth.RequestRectification, Scope: "reading:" + strconv.FormatInt(c.ReadingID, 10), Password: c.Password})
	if err != nil {
		return nil, err
	}
	r, outcome, err := edit(*old)
	if err != nil {
		status, text := hearth.StatusRefused, hearth.ErrorMessage(err)
		if hearth.ErrorCode(err) == hearth.EINTERNAL {
			text = "the correction failed; an operator will look into it"
			status = hearth.StatusInProgress
		}
		if _, cerr := s.set(ctx, req.ID, status, text); cerr != nil {
			return nil, fmt.Errorf("%w (and recording it: %v)", err, cerr)
		}
		return nil, err
	}
	if err := s.store.RewriteReading(ctx, &r); err != nil {
		return nil, fmt.Errorf("rectify reading: %w", err)
	}
	return s.Complete(ctx, req.ID, hearth.StatusDone, outcome)
}

// authorizeReading returns the reading, and the person whose rights
// request records its correction: the reading's person, or the actor for a
// reading of the household. The actor must be a member of hh (else
// ENOTFOUND "no such household"), the reading one of hh's (else ENOTFOUND,
// field reading), and policy.MayRectifyReading must allow (else
// EFORBIDDEN with its reason).
func (s *Service) authorizeReading(ctx context.Context, actor, hh string, id int64) (*hearth.Reading, string, error) {
	am, err := s.member(ctx, hh, actor)
	if err != nil {
		return nil, "", err
	}
	if am == nil {
		return nil, "", hearth.Errorf(hearth.ENOTFOUND, "no such household")
	}
	r, err := s.store.Reading(ctx, hh, id)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, "", &hearth.Error{Code: hearth.ENOTFOUND, Field: "reading", Message: "no such reading in the household"}
	} else if err != nil {
		return nil, "", fmt.Errorf("rectify reading: %w", err)
	}
	var subject policy.Party
	hasAccount, household := false, r.PersonID == ""
	if !household {
		pm, err := s.member(ctx, hh, r.PersonID)
		if err != nil {
			return nil, "", err
		}
		if pm == nil {
			return nil, "", hearth.Errorf(hearth.EFORBIDDEN, "the person this reading is about is no longer a member of the household")
		}
		p, err := s.store.Person(ctx, r.PersonID)
		if err != nil {
			return nil, "", fmt.Errorf("rectify reading: %w", err)
		}
		subject, hasAccount = policy.PartyOf(*pm), p.AccountID != ""
	}
	if d := policy.MayRectifyReading(policy.PartyOf(*am), subject, hasAccount, household); !d.Allow {
		return nil, "", &hearth.Error{Code: hearth.EFORBIDDEN, Message: d.Reason.String()}
	}
	if household {
		return r, actor, nil
	}
	return r, r.PersonID, nil
}

// cmpErr returns err if it is not nil, and otherwise alt.
func cmpErr(err error, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

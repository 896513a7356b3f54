package consent

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Share is one category of a person's data that they (or their guardian)
// shared with another member of their household: that member may then read
// it (RIGHT-ACCESS-OTHERS, see policy.MayRead). A share is explicit, per
// category and per reader, and revocable; both are ledger entries.
type Share struct {
	Category string    `json:"category"`
	With     string    `json:"with"`  // the reader's person ID
	Actor    string    `json:"actor"` // who shared: the person, or their guardian
	Time     time.Time `json:"time"`
	Seq      int64     `json:"seq"` // the ledger entry of the share
}

// shareDetails is the Details of a share entry.
type shareDetails struct {
	Category string `json:"category"`
	With     string `json:"with"`
}

// FoldShares returns the shares in force after one person's ledger
// entries, in ledger order: the latest grant or revocation of each
// (category, reader) pair wins. Entries of other types, and share entries
// whose details do not parse, change nothing.
func FoldShares(entries []hearth.LedgerEntry) []Share {
	var out []Share
	for _, e := range entries {
		if e.Type != hearth.EntryShareGranted && e.Type != hearth.EntryShareRevoked {
			continue
		}
		var d shareDetails
		if json.Unmarshal(e.Details, &d) != nil || d.Category == "" || d.With == "" {
			continue
		}
		out = slices.DeleteFunc(out, func(s Share) bool { return s.Category == d.Category && s.With == d.With })
		if e.Type == hearth.EntryShareGranted {
			out = append(out, Share{Category: d.Category, With: d.With, Actor: e.Actor, Time: e.Time, Seq: e.Seq})
		}
	}
	return out
}

// Shares returns the shares of subject's data in force in household hh,
// oldest first: those whose reader is a member of hh and that were granted
// during both people's current memberships (policy.ShareInForce), so a
// share made before either left the household and came back is not listed.
// It does not check who asks: callers authorise first. ENOTFOUND if subject
// is not a member of hh.
func (s *Service) Shares(ctx context.Context, hh, subject string) ([]Share, error) {
	sm, err := s.cfg.Store.Member(ctx, hh, subject)
	if err != nil {
		return nil, fmt.Errorf("read shares: %w", err)
	}
	es, err := s.cfg.Store.LedgerEntriesFor(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("read shares: %w", err)
	}
	shares := FoldShares(es)
	out := shares[:0]
	for _, sh := range shares {
		rm, err := s.cfg.Store.Member(ctx, hh, sh.With)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			continue
		} else if err != nil {
			return nil, fmt.Errorf("read shares: reader: %w", err)
		}
		if policy.ShareInForce(sh.Time, policy.PartyOf(*rm), policy.PartyOf(*sm)) {
			out = append(out, sh)
		}
	}
	return out, nil
}

// SharedWith returns the categories of subject's data shared with reader,
// each with the time of its share-granted entry: the shares folded from the
// ledger, which policy.MayRead then weighs against both people's current
// memberships (policy.ShareInForce).
func (s *Service) SharedWith(ctx context.Context, subject, reader string) (map[string]time.Time, error) {
	es, err := s.cfg.Store.LedgerEntriesFor(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("read shares: %w", err)
	}
	out := map[string]time.Time{}
	for _, sh := range FoldShares(es) {
		if sh.With == reader {
			out[sh.Category] = sh.Time
		}
	}
	return out, nil
}

// Grant records that actor shares subject's data of category with the
// member with, and returns the share. The same people may share as may
// consent (policy.MayConsent): each person their own data, a guardian their
// child's. Sharing what is shared already records nothing.
//
// Errors (*hearth.Error): EINVALID for a bad method, an undeclared category
// (field "category") or a reader who is the subject (field "with");
// ENOTFOUND for a subject outside the actor's households or a reader who is
// not a member of the subject's household (field "with"); EFORBIDDEN when
// the actor may not decide for the subject. On error nothing is recorded.
// A share granted before the reader or the subject last joined the
// household is no longer in force (policy.ShareInForce): granting it again
// records a new share.
func (s *Service) Grant(ctx context.Context, actor, subject, category, with string, method hearth.Method) (Share, error) {
	return s.share(ctx, actor, subject, category, with, method, hearth.EntryShareGranted)
}

// Revoke records that actor revokes the share of subject's category with
// with, with the errors of Grant; the reader loses access with their next
// read. Revoking a share not in force records nothing.
func (s *Service) Revoke(ctx context.Context, actor, subject, category, with string, method hearth.Method) error {
	_, err := s.share(ctx, actor, subject, category, with, method, hearth.EntryShareRevoked)
	return err
}

// share checks and records one grant or revocation.
func (s *Service) share(ctx context.Context, actor, subject, category, with string, method hearth.Method, t hearth.EntryType) (Share, error) {
	c, err := s.checkShare(ctx, actor, subject, category, with, method)
	if err != nil {
		return Share{}, err
	}
	shares, err := s.Shares(ctx, c.household, subject)
	if err != nil {
		return Share{}, err
	}
	i := slices.IndexFunc(shares, func(sh Share) bool { return sh.Category == category && sh.With == with })
	if (i >= 0) == (t == hearth.EntryShareGranted) {
		if i >= 0 {
			return shares[i], nil
		}
		return Share{}, nil
	}
	details, err := json.Marshal(shareDetails{Category: category, With: with})
	if err != nil {
		return Share{}, fmt.Errorf("encode share: %w", err)
	}
	e := hearth.LedgerEntry{Type: t, Person: subject, HouseholdID: c.household, ManifestVersion: s.cfg.Manifest.Version,
		NoticeVersion: s.cfg.NoticeVersion, Method: method, Actor: actor, Details: details}
	es, err := s.cfg.Ledger.Append(ctx, e)
	if err != nil {
		return Share{}, fmt.Errorf("record share: %w", err)
	}
	s.cfg.OnChange(subject)
	return Share{Category: category, With: with, Actor: actor, Time: es[0].Time, Seq: es[0].Seq}, nil
}

// checkShare validates a share call like check validates a consent call,
// and that the reader is another member of the subject's household.
func (s *Service) checkShare(ctx context.Context, actorID, subjectID, category, with string, method hearth.Method) (*call, error) {
	if !method.Valid() {
		return nil, hearth.FieldError("method", "the method must be web, app, voice or api")
	}
	if _, ok := s.cfg.Manifest.Category(category); !ok {
		return nil, hearth.FieldError("category", "not a data category declared in the product's privacy manifest")
	}
	if with == subjectID {
		return nil, hearth.FieldError("with", "a person reads their own data already; share with another member")
	}
	actor, subject, err := s.parties(ctx, actorID, subjectID)
	if err != nil {
		return nil, err
	}
	if d := policy.MayConsent(actor, subject); !d.Allow {
		return nil, &hearth.Error{Code: hearth.EFORBIDDEN, Message: s.cfg.Policy.Explain(d)}
	}
	if _, err := s.cfg.Store.Member(ctx, subject.HouseholdID, with); err != nil || with == "" {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND || with == "" {
			return nil, &hearth.Error{Code: hearth.ENOTFOUND, Field: "with", Message: "no such person in the household"}
		}
		return nil, fmt.Errorf("reader membership: %w", err)
	}
	return &call{actor: actor, subject: subject, household: subject.HouseholdID, method: method}, nil
}

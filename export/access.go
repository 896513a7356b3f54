package export

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/policy"
)

// Authorize checks that actor may get a copy of person's data, asking in
// household hh (policy.MayExport): the person themselves, their guardian,
// or for a profile without an account an owner of hh. ENOTFOUND "no such
// household" when actor is not a member of hh (its existence is not
// revealed), ENOTFOUND with Field "person" when person is not a member of
// hh, EFORBIDDEN with the policy's reason otherwise.
func (s *Service) Authorize(ctx context.Context, actor, hh, person string) error {
	am, err := s.member(ctx, hh, actor)
	if err != nil {
		return err
	}
	if am == nil {
		return hearth.Errorf(hearth.ENOTFOUND, "no such household")
	}
	pm, err := s.member(ctx, hh, person)
	if err != nil {
		return err
	}
	if pm == nil {
		return &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"}
	}
	p, err := s.cfg.Store.Person(ctx, person)
	if err != nil {
		return fmt.Errorf("authorize export: %w", err)
	}
	return policy.MayExport(policy.PartyOf(*am), policy.PartyOf(*pm), p.AccountID != "").Err()
}

// member returns a membership, nil if there is none.
func (s *Service) member(ctx context.Context, hh, person string) (*hearth.Member, error) {
	if hh == "" || person == "" {
		return nil, nil
	}
	m, err := s.cfg.Store.Member(ctx, hh, person)
	switch hearth.ErrorCode(err) {
	case "":
		return m, nil
	case hearth.ENOTFOUND:
		return nil, nil
	}
	return nil, fmt.Errorf("check membership: %w", err)
}

// RequestLink authorises actor (see Authorize) and returns a new download
// token for person's export, valid for Config.LinkTTL. Only the token's
// hash is stored.
func (s *Service) RequestLink(ctx context.Context, actor, hh, person string) (token string, link *hearth.ExportLink, err error) {
	if err := s.Authorize(ctx, actor, hh, person); err != nil {
		return "", nil, err
	}
	token, hash := auth.NewToken()
	now := s.cfg.Now().UTC()
	link = &hearth.ExportLink{TokenHash: hash, PersonID: person, HouseholdID: hh, RequestedBy: actor,
		Created: now, Expires: now.Add(s.cfg.LinkTTL)}
	if err := s.cfg.Store.CreateExportLink(ctx, link); err != nil {
		return "", nil, fmt.Errorf("store export link: %w", err)
	}
	return token, link, nil
}

// Redeem returns the link for token if actor requested it and may still
// export the person's data. ENOTFOUND for an unknown token or one another
// person requested; EGONE for an expired one; Authorize's errors if actor
// lost the right since (left the household, for example).
func (s *Service) Redeem(ctx context.Context, actor, token string) (*hearth.ExportLink, error) {
	l, err := s.cfg.Store.ExportLink(ctx, auth.HashToken(token))
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && l.RequestedBy != actor) {
		return nil, hearth.Errorf(hearth.ENOTFOUND, "no such export link")
	}
	if err != nil {
		return nil, fmt.Errorf("look up export link: %w", err)
	}
	if !s.cfg.Now().Before(l.Expires) {
		return nil, hearth.Errorf(hearth.EGONE, "this export link expired at %s; request a new export", l.Expires.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if err := s.Authorize(ctx, actor, l.HouseholdID, l.PersonID); err != nil {
		return nil, err
	}
	return l, nil
}

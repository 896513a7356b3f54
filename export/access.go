package export

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/rights"
	"github.com/hearth-iot/hearth/subject"
)

// Rights authorises rights requests and records them in the rights
// request log (RIGHT-REQUESTS); *rights.Service satisfies it.
type Rights interface {
	Authorize(ctx context.Context, actor, hh, person string) (hearth.IdentityCheck, error)
	Open(ctx context.Context, o rights.Opening) (*hearth.RightsRequest, error)
	Complete(ctx context.Context, id string, status hearth.RequestStatus, outcome string) (*hearth.RightsRequest, error)
	// Statement opens a request's statement in the person's own words.
	Statement(ctx context.Context, r *hearth.RightsRequest) (text string, erased bool, err error)
}

// RequestLink makes a download link for person's export, asked by actor in
// household hh with their password (RIGHT-ACCESS). The request is logged
// as an access request (RIGHT-REQUESTS), which decides who may ask
// (policy.MayExerciseRights: the person, a child's guardian, an owner for
// a profile without an account, RIGHT-UNREGISTERED) and checks the
// password, and is closed as done once the link exists. It returns the
// token, shown once (only its hash is stored), and the link, valid for
// Config.LinkTTL. With hh "" a person with an account asks for their own
// export without a household (policy.MayExerciseOwnRights), still a member
// of one or not; the link and the request record HouseholdID "".
//
// Errors: those of rights.Service.Open (ENOTFOUND for a non-member,
// EFORBIDDEN for anyone else's data or a wrong password).
func (s *Service) RequestLink(ctx context.Context, actor, hh, person, password string) (token string, link *hearth.ExportLink, err error) {
	req, err := s.cfg.Rights.Open(ctx, rights.Opening{Actor: actor, HouseholdID: hh, PersonID: person,
		Type: hearth.RequestAccess, Password: password})
	if err != nil {
		return "", nil, err
	}
	token, hash := auth.NewToken()
	now := s.cfg.Now().UTC()
	link = &hearth.ExportLink{TokenHash: hash, PersonID: person, HouseholdID: hh, RequestedBy: actor,
		Created: now, Expires: now.Add(s.cfg.LinkTTL)}
	if err := s.cfg.Store.CreateExportLink(ctx, link); err != nil {
		return "", nil, fmt.Errorf("store export link: %w", err)
	}
	outcome := "export ready: download link valid until " + link.Expires.Format("2006-01-02 15:04 UTC")
	if _, err := s.cfg.Rights.Complete(ctx, req.ID, hearth.StatusDone, outcome); err != nil {
		return "", nil, fmt.Errorf("close access request: %w", err)
	}
	return token, link, nil
}

// Redeem returns the link for token if actor requested it and may still
// exercise the person's rights. ENOTFOUND for an unknown token or one
// another person requested; EGONE for an expired one; the errors of
// rights.Service.Authorize if actor lost the right since (left the
// household, for example).
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
	if _, err := s.cfg.Rights.Authorize(ctx, actor, l.HouseholdID, l.PersonID); err != nil {
		return nil, err
	}
	return l, nil
}

// member returns a membership, nil if there is none (subject.Membership).
func (s *Service) member(ctx context.Context, hh, person string) (*hearth.Member, error) {
	return subject.Membership(ctx, s.cfg.Store, hh, person)
}

package subject

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/policy"
)

// Authorize checks that actor may see and change person's consents and
// settings in household hh: actor must be a member of hh (else ENOTFOUND
// "no such household", so its existence is not revealed: SEC-AUTHZ), person
// a member of hh (else ENOTFOUND, field "person"), and policy.MayConsent
// must allow actor to decide for person (else EFORBIDDEN with the reason):
// each person for themselves (CONSENT-MULTIUSER), a child through their
// guardian (CONSENT-CHILD). It returns the two parties.
func Authorize(ctx context.Context, store hearth.HouseholdStore, e *policy.Engine, actor, hh, person string) (a, p policy.Party, err error) {
	am, err := Membership(ctx, store, hh, actor)
	if err != nil {
		return a, p, err
	}
	if am == nil {
		return a, p, hearth.Errorf(hearth.ENOTFOUND, "no such household")
	}
	pm, err := Membership(ctx, store, hh, person)
	if err != nil {
		return a, p, err
	}
	if pm == nil {
		return a, p, &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"}
	}
	a, p = policy.PartyOf(*am), policy.PartyOf(*pm)
	if d := policy.MayConsent(a, p); !d.Allow {
		return a, p, &hearth.Error{Code: hearth.EFORBIDDEN, Message: e.Explain(d)}
	}
	return a, p, nil
}

// Membership returns person's membership of household hh, nil (and no
// error) if there is none or either ID is empty: the one membership lookup
// the services share.
func Membership(ctx context.Context, store hearth.HouseholdStore, hh, person string) (*hearth.Member, error) {
	if hh == "" || person == "" {
		return nil, nil
	}
	m, err := store.Member(ctx, hh, person)
	switch hearth.ErrorCode(err) {
	case "":
		return m, nil
	case hearth.ENOTFOUND:
		return nil, nil
	}
	return nil, fmt.Errorf("check membership: %w", err)
}

// Authorize is the package function Authorize on the cache's store and
// policy engine.
func (c *Cache) Authorize(ctx context.Context, actor, hh, person string) (a, p policy.Party, err error) {
	return Authorize(ctx, c.cfg.Store, c.cfg.Policy, actor, hh, person)
}

// Self checks that actor may exercise person's rights without naming a
// household (the /v1/me routes, SEC-AUTHZ): policy.MayExerciseOwnRights
// decides, given person's account and current memberships. It returns the
// decision and the person; EFORBIDDEN with policy's reason when refused,
// ENOTFOUND for an unknown person.
func Self(ctx context.Context, store hearth.HouseholdStore, actor, person string) (policy.Decision, *hearth.Person, error) {
	p, err := store.Person(ctx, person)
	if err != nil {
		return policy.Decision{}, nil, fmt.Errorf("authorize own rights: %w", err)
	}
	hs, err := store.HouseholdsOf(ctx, person)
	if err != nil {
		return policy.Decision{}, nil, fmt.Errorf("authorize own rights: %w", err)
	}
	ms := make([]policy.Party, 0, len(hs))
	for _, h := range hs {
		m, err := Membership(ctx, store, h.ID, person)
		if err != nil {
			return policy.Decision{}, nil, err
		}
		if m != nil {
			ms = append(ms, policy.PartyOf(*m))
		}
	}
	d := policy.MayExerciseOwnRights(actor, person, p.AccountID != "", ms)
	if !d.Allow {
		return d, nil, &hearth.Error{Code: hearth.EFORBIDDEN, Message: d.Reason.String()}
	}
	return d, p, nil
}

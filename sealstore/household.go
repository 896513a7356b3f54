package sealstore

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// CreateHousehold seals the household's name with its own key and stores
// it with its first member.
func (st *Store) CreateHousehold(ctx context.Context, h *hearth.Household, owner *hearth.Member) error {
	name, err := st.sealText(ctx, h.ID, h.Name, householdAAD(h.ID))
	if err != nil {
		return fmt.Errorf("seal household name: %w", err)
	}
	c := *h
	c.Name = name
	return st.Store.CreateHousehold(ctx, &c, owner)
}

// Household returns the household with its name opened; ENOTFOUND if there
// is none or it was erased.
func (st *Store) Household(ctx context.Context, id string) (*hearth.Household, error) {
	h, err := st.Store.Household(ctx, id)
	if err != nil {
		return nil, err
	}
	if h.Name, err = st.openText(ctx, h.Name, householdAAD(h.ID)); err != nil {
		return nil, openErr("household's name", err)
	}
	return h, nil
}

// HouseholdsOf lists a person's households with their names opened; an
// erased household comes back with an empty Name.
func (st *Store) HouseholdsOf(ctx context.Context, personID string) ([]hearth.Household, error) {
	hs, err := st.Store.HouseholdsOf(ctx, personID)
	if err != nil {
		return nil, err
	}
	for i := range hs {
		name, err := st.openText(ctx, hs[i].Name, householdAAD(hs[i].ID))
		if err != nil && !erased(err) {
			return nil, openErr("household's name", err)
		}
		hs[i].Name = name
	}
	return hs, nil
}

// CreatePerson seals the person's display name with their key and stores
// them with their membership.
func (st *Store) CreatePerson(ctx context.Context, p *hearth.Person, m *hearth.Member) error {
	sp, err := st.sealPerson(ctx, p)
	if err != nil {
		return err
	}
	return st.Store.CreatePerson(ctx, sp, m)
}

// Person returns the person with their display name opened; ENOTFOUND if
// there is none or they were erased.
func (st *Store) Person(ctx context.Context, id string) (*hearth.Person, error) {
	p, err := st.Store.Person(ctx, id)
	if err != nil {
		return nil, err
	}
	if p.DisplayName, err = st.openText(ctx, p.DisplayName, personAAD(p.ID)); err != nil {
		return nil, openErr("person's name", err)
	}
	return p, nil
}

// sealPerson returns a copy of p as the wrapped store keeps it.
func (st *Store) sealPerson(ctx context.Context, p *hearth.Person) (*hearth.Person, error) {
	name, err := st.sealText(ctx, p.ID, p.DisplayName, personAAD(p.ID))
	if err != nil {
		return nil, fmt.Errorf("seal display name: %w", err)
	}
	c := *p
	c.DisplayName = name
	return &c, nil
}

func householdAAD(id string) []byte { return aad("household", "name", id) }
func personAAD(id string) []byte    { return aad("person", "display_name", id) }

package sealstore

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// ImportPerson seals the personal fields of an import as the other methods
// seal them (the person's display name, the households' names, the
// settings) and passes it to the wrapped store, which applies it in one
// transaction (RIGHT-PORT). Readings come sealed already.
func (st *Store) ImportPerson(ctx context.Context, imp *hearth.PersonImport) error {
	c := *imp
	p, err := st.sealPerson(ctx, &imp.Person)
	if err != nil {
		return err
	}
	c.Person = *p
	c.Households = make([]hearth.Household, len(imp.Households))
	for i, h := range imp.Households {
		if h.Name, err = st.sealText(ctx, h.ID, h.Name, householdAAD(h.ID)); err != nil {
			return fmt.Errorf("seal household name: %w", err)
		}
		c.Households[i] = h
	}
	if imp.Settings != nil {
		if c.Settings, err = st.sealSettings(ctx, imp.Settings); err != nil {
			return err
		}
	}
	return st.Store.ImportPerson(ctx, &c)
}

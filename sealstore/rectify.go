package sealstore

import (
	"context"
	"fmt"
)

// SetDisplayName seals the corrected display name with the person's key,
// as CreatePerson does, and stores only the sealed form (RIGHT-RECTIFY).
func (st *Store) SetDisplayName(ctx context.Context, personID, name string) error {
	sealed, err := st.sealText(ctx, personID, name, personAAD(personID))
	if err != nil {
		return fmt.Errorf("seal display name: %w", err)
	}
	return st.Store.SetDisplayName(ctx, personID, sealed)
}

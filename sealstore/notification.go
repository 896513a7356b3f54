package sealstore

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// AddNotifications seals each notification's title and body with its
// person's key and stores them.
func (st *Store) AddNotifications(ctx context.Context, ns []hearth.Notification) error {
	out := make([]hearth.Notification, len(ns))
	for i, n := range ns {
		var err error
		if n.Title, err = st.sealText(ctx, n.PersonID, n.Title, notificationAAD(&n, "title")); err != nil {
			return fmt.Errorf("seal notification: %w", err)
		}
		if n.Body, err = st.sealText(ctx, n.PersonID, n.Body, notificationAAD(&n, "body")); err != nil {
			return fmt.Errorf("seal notification: %w", err)
		}
		out[i] = n
	}
	return st.Store.AddNotifications(ctx, out)
}

// Notifications lists a person's notifications with their texts opened;
// ENOTFOUND if the person was erased.
func (st *Store) Notifications(ctx context.Context, personID, before string, limit int) ([]hearth.Notification, error) {
	ns, err := st.Store.Notifications(ctx, personID, before, limit)
	if err != nil {
		return nil, err
	}
	for i := range ns {
		n := &ns[i]
		if n.Title, err = st.openText(ctx, n.Title, notificationAAD(n, "title")); err != nil {
			return nil, openErr("notification", err)
		}
		if n.Body, err = st.openText(ctx, n.Body, notificationAAD(n, "body")); err != nil {
			return nil, openErr("notification", err)
		}
	}
	return ns, nil
}

func notificationAAD(n *hearth.Notification, field string) []byte {
	return aad("notification", field, n.ID, n.PersonID)
}

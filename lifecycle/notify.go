package lifecycle

import (
	"context"
	"fmt"

	"github.com/hearth-iot/hearth"
)

// notifyOwners tells every owner of household hh about dev, with a
// hearth.NotifyDeviceLifecycle notification.
func (s *Service) notifyOwners(ctx context.Context, hh string, title, body string) error {
	ms, err := s.cfg.Store.Members(ctx, hh)
	if err != nil {
		return fmt.Errorf("notify owners: %w", err)
	}
	var ns []hearth.Notification
	for _, m := range ms {
		if m.Role != hearth.RoleOwner {
			continue
		}
		ns = append(ns, hearth.Notification{ID: hearth.NewID("ntf_"), PersonID: m.PersonID, HouseholdID: hh,
			Kind: hearth.NotifyDeviceLifecycle, Title: title, Body: body, Created: s.now()})
	}
	if err := s.cfg.Store.AddNotifications(ctx, ns); err != nil {
		return fmt.Errorf("notify owners: %w", err)
	}
	return nil
}

// notifyReset tells the owners of hh that dev reset itself.
func (s *Service) notifyReset(ctx context.Context, hh string, dev *hearth.Device) error {
	return s.notifyOwners(ctx, hh, "A device reset itself",
		fmt.Sprintf("Device %s (%s) was factory-reset on the device itself and wiped the data it held. "+
			"It has left the household and its credential no longer works. To use it again, claim it with a new claim code from its seller or manufacturer, then give it a new secret on its page. "+
			"The readings it sent stay with the household, for its members to export; an owner can erase them instead "+
			"(POST /v1/households/%s/devices/%s/erasure).",
			dev.ID, dev.Model, hh, dev.ID))
}

// notifyTransferred tells the owners of the previous household that dev
// moved to its new owner.
func (s *Service) notifyTransferred(ctx context.Context, t *hearth.Transfer, a *Accepted) error {
	kept := fmt.Sprintf("The readings it sent before stay with your household, for its members to export; an owner can erase them instead (POST /v1/households/%s/devices/%s/erasure).", t.FromHousehold, t.DeviceID)
	switch {
	case t.Erase && a.EraseFailed:
		kept = fmt.Sprintf("The readings it sent to your household were to be erased, as chosen when the transfer started, but the erasure did not complete (%d erased): an owner can erase the rest (POST /v1/households/%s/devices/%s/erasure).", a.Erased, t.FromHousehold, t.DeviceID)
	case t.Erase:
		kept = fmt.Sprintf("As chosen when the transfer started, the household's own readings from it and those about whoever started the transfer were erased (%d); readings about other members stay theirs to erase.", a.Erased)
	}
	return s.notifyOwners(ctx, t.FromHousehold, "A device moved to its new owner",
		fmt.Sprintf("Device %s now belongs to another household, which sees none of its readings from before; you see none of its readings from now on. %s", t.DeviceID, kept))
}

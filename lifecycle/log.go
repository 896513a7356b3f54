package lifecycle

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
)

// DeviceLog is a device's log as an owner of its household sees it: only
// the entries of this household's time with the device, and whether a
// transfer it started is waiting to be accepted.
type DeviceLog struct {
	DeviceID string                  `json:"device_id"`
	Entries  []hearth.DeviceLogEntry `json:"entries"` // oldest first
	// TransferUntil is when the transfer code the household gave out last
	// stops working; zero when no transfer is waiting (none was started,
	// or it was withdrawn, accepted or has expired).
	TransferUntil time.Time `json:"transfer_until,omitzero"`
}

// Log returns a device's log for an owner of its household (the log
// names who acted, so only those who may act see it): the entries made
// in this household since the device joined it, never those of a
// previous owner's time or of another household's attempts (OWN-CLEAN).
// Entries older than LogRetention have been deleted.
//
// Errors: ENOTFOUND for a device that is unknown, unclaimed or in a
// household the caller is not a member of; EFORBIDDEN for a member who
// is not an owner. Reading the log is not itself recorded in it.
func (s *Service) Log(ctx context.Context, caller, deviceID string) (*DeviceLog, error) {
	dev, err := s.owner(ctx, caller, deviceID)
	if r, ok := err.(*refusal); ok {
		return nil, r.err
	} else if err != nil {
		return nil, err
	}
	all, err := s.cfg.Store.DeviceLog(ctx, dev.ID)
	if err != nil {
		return nil, fmt.Errorf("read device log: %w", err)
	}
	out := &DeviceLog{DeviceID: dev.ID, Entries: []hearth.DeviceLogEntry{}}
	for _, e := range all {
		if e.HouseholdID != dev.HouseholdID || e.Time.Before(dev.Claimed) {
			continue
		}
		out.Entries = append(out.Entries, e)
		switch e.Action {
		case hearth.ActionTransferStarted:
			if e.Outcome == "done" {
				out.TransferUntil = e.Time.Add(TransferTTL)
			}
		case hearth.ActionTransferCanceled, hearth.ActionTransferAccepted, hearth.ActionFactoryReset:
			if e.Outcome != "not-owner" {
				out.TransferUntil = time.Time{}
			}
		}
	}
	if !s.now().Before(out.TransferUntil) {
		out.TransferUntil = time.Time{}
	}
	return out, nil
}

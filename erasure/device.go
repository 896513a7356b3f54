package erasure

import (
	"context"
	"time"

	"github.com/hearth-iot/hearth"
)

// EraseDeviceReadings erases the readings device deviceID sent in household
// hh that belong to the household itself and those about person, each
// journalled as an erasure (so that a restored backup loses them again)
// with its recipients' notices. Package lifecycle calls it when an owner
// transferring or resetting a device chose to erase its readings rather
// than keep them; it has checked that person owns hh and re-authenticated
// them. Readings about the household's other members stay theirs. It
// returns how many readings it deleted.
func (s *Service) EraseDeviceReadings(ctx context.Context, hh, person, deviceID string) (int64, error) {
	now := s.now()
	var n int64
	for _, subject := range []string{hh, person} {
		f := hearth.ErasureFilter{PersonID: person, HouseholdID: hh, DeviceID: deviceID, ReceivedBefore: now.Add(time.Nanosecond)}
		if subject == hh {
			f.PersonID = "-"
		}
		res, err := s.apply(ctx, &hearth.Erasure{PersonID: subject, Filter: f, At: now}, Scope{DeviceID: deviceID})
		n += res.Readings
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

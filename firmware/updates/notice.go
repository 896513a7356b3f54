package updates

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"strings"

	"github.com/hearth-iot/hearth"
)

// noticeBatch is how many notifications one store call adds.
const noticeBatch = 500

var idEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// noticeID derives a notification's ID from what it is about, so that
// storing it again (a rollout run twice, a daily pass) is skipped.
func noticeID(parts ...string) string {
	sum := sha256.Sum256([]byte(strings.Join(parts, "\x00")))
	return "n_" + idEncoding.EncodeToString(sum[:10])
}

// noticeSubstantial tells every member of the households of devs, once
// per household and release, what a substantial release changes, before
// any of devs is sent the update (FIRMWARE-NOTICE). It returns how many
// people it notified (0 for a release that is not substantial).
func (s *Service) noticeSubstantial(ctx context.Context, rel *hearth.FirmwareRelease, devs []hearth.Device) (int, error) {
	if !rel.Substantial {
		return 0, nil
	}
	name := s.modelName(rel.Model)
	count := map[string]int{} // devices per household
	for _, d := range devs {
		if d.HouseholdID != "" {
			count[d.HouseholdID]++
		}
	}
	tmpl := hearth.Notification{
		Kind:  hearth.NotifyFirmwareSubstantial,
		Title: fmt.Sprintf("An update changes what your %s does", name),
		Body: fmt.Sprintf("Firmware %s for your %s is about to be installed. What changes:\n\n%s\n\n"+
			"Ask the household's owner if you have questions.", rel.Version, name, rel.Notes),
	}
	return s.noticeHouseholds(ctx, tmpl, count, func(hh string) []string {
		return []string{string(tmpl.Kind), rel.Model, rel.Version, hh}
	})
}

// noticeHouseholds stores tmpl for every member of each household in
// households, with an ID from key(household) and the person, and returns
// how many people it addressed.
func (s *Service) noticeHouseholds(ctx context.Context, tmpl hearth.Notification, households map[string]int, key func(hh string) []string) (int, error) {
	var batch []hearth.Notification
	people := 0
	for hh := range households {
		ms, err := s.store.Members(ctx, hh)
		if err != nil {
			return people, fmt.Errorf("list members: %w", err)
		}
		for _, m := range ms {
			n := tmpl
			n.ID = noticeID(append(key(hh), m.PersonID)...)
			n.PersonID, n.HouseholdID, n.Created = m.PersonID, hh, s.clock()
			batch = append(batch, n)
			people++
		}
		if len(batch) >= noticeBatch {
			if err := s.store.AddNotifications(ctx, batch); err != nil {
				return people, fmt.Errorf("add notifications: %w", err)
			}
			batch = batch[:0]
		}
	}
	if err := s.store.AddNotifications(ctx, batch); err != nil {
		return people, fmt.Errorf("add notifications: %w", err)
	}
	return people, nil
}

// modelName returns a model's name from the manifest, or its ID.
func (s *Service) modelName(model string) string {
	if m, ok := s.manifest.Model(model); ok && m.Name != "" {
		return m.Name
	}
	return model
}

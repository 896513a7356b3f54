package erasure

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/hearth-iot/hearth/policy"
)

// Preview tells a person plainly, before they confirm, what an erasure
// will do (RIGHT-ERASE): what goes, what happens to backups, which
// recipients are told, and that deleting the app deletes nothing.
type Preview struct {
	Scope      Scope           `json:"scope"`
	Readings   int64           `json:"readings"` // readings that will be erased
	Recipients []RecipientView `json:"recipients"`
	// What, Backups, Recipients and App are the plain-language text, one
	// paragraph each; Text joins them.
	WhatText       string `json:"what"`
	BackupsText    string `json:"backups"`
	RecipientsText string `json:"recipients_text"`
	AppText        string `json:"app"`
	Text           string `json:"text"`
}

// Preview returns what erasing sc of person's data in household hh would
// do, and changes nothing; hh "" as for Erase. Errors: ENOTFOUND when the caller is not a
// member of hh or the person is not; EFORBIDDEN when the caller may not
// erase their data (policy.MayErase); EINVALID for a bad scope.
func (s *Service) Preview(ctx context.Context, actor, hh, person string, sc Scope) (Preview, error) {
	_, p, basis, err := s.authorize(ctx, actor, hh, person)
	if err != nil {
		return Preview{}, err
	}
	if err := s.check(ctx, hh, person, sc); err != nil {
		return Preview{}, err
	}
	n, err := s.cfg.Store.CountReadings(ctx, filter(person, sc))
	if err != nil {
		return Preview{}, fmt.Errorf("preview erasure: %w", err)
	}
	pv := Preview{Scope: sc, Readings: n, Recipients: s.recipients(sc)}
	you := "you"
	if basis != policy.EraseSelf {
		you = "this person"
	}
	pv.WhatText = whatText(sc, n, you, p.AccountID != "")
	pv.BackupsText = backupsText(sc)
	pv.RecipientsText = recipientsText(pv.Recipients)
	pv.AppText = "Deleting the app, signing out or resetting a device deletes nothing kept here: only this erasure (or closing the account) does."
	pv.Text = strings.Join([]string{pv.WhatText, pv.BackupsText, pv.RecipientsText, pv.AppText}, "\n\n")
	return pv, nil
}

// whatText says what goes.
func whatText(sc Scope, n int64, you string, hasAccount bool) string {
	if sc.Everything {
		t := fmt.Sprintf("This erases everything kept about %s: %d readings, settings, notifications, terms acceptances and periodic deletion choices, and the profile itself. "+
			"The data key that seals it is destroyed first, so from that moment nothing sealed for %s can be read anywhere. ", you, n, you)
		if hasAccount {
			t += "The account is closed too: its sign-in, every session and every household membership end at once, and a household left with no member loses its devices and its own readings. The last owner of a household with other members must make another member an owner first. "
		}
		return t + "The record of consent decisions (the consent ledger) and of rights requests is kept, as evidence of what was agreed and done."
	}
	var parts []string
	if sc.Category != "" {
		parts = append(parts, "of the category "+sc.Category)
	}
	if sc.DeviceID != "" {
		parts = append(parts, "from the device "+sc.DeviceID)
	}
	if !sc.From.IsZero() {
		parts = append(parts, "taken at or after "+sc.From.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	if !sc.To.IsZero() {
		parts = append(parts, "taken before "+sc.To.UTC().Format("2006-01-02 15:04:05 UTC"))
	}
	what := "all readings about " + you
	if len(parts) > 0 {
		what = "the readings about " + you + " " + strings.Join(parts, ", ")
	}
	return fmt.Sprintf("This erases %s: %d readings. Everything else stays.", what, n)
}

// backupsText says what happens to backups.
func backupsText(sc Scope) string {
	const again = "If a backup of the database taken before now is restored later, Hearth erases the same data again when it starts, from a record of this erasure (identifiers, categories and times only) kept with the keys, not with the data."
	if sc.Everything {
		return "Backups taken before now still hold the erased readings, but sealed with the destroyed key: nobody can read them. " + again
	}
	return "Backups taken before now still hold these readings, sealed with a key that still exists, until those backups are deleted. " + again
}

// recipientsText says who is told.
func recipientsText(rs []RecipientView) string {
	if len(rs) == 0 {
		return "No recipient named in the product's privacy manifest receives this data, so nobody else needs to be told."
	}
	var names []string
	for _, r := range rs {
		n := r.Name + " (" + strings.Join(r.Categories, ", ") + ")"
		if !r.Configured {
			n += " — no address is configured for it, so the operator must tell it"
		}
		names = append(names, n)
	}
	return "These recipients receive this data and are sent a signed notice asking them to erase it: " + strings.Join(names, "; ") +
		". The erasure does not wait for them; each notice is retried, with growing pauses, up to " +
		strconv.Itoa(MaxAttempts) + " times; one that still fails is marked failed for the operator to follow up, and you can follow each one."
}

package manifest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// ChangeKind names what a Change is about.
type ChangeKind string

// The kinds of change Diff reports.
const (
	PurposeAdded     ChangeKind = "purpose-added"
	PurposeRemoved   ChangeKind = "purpose-removed"
	PurposeChanged   ChangeKind = "purpose-changed" // its data, recipients or flags
	BasisChanged     ChangeKind = "basis-changed"   // a purpose's lawful basis or Art 9 condition
	CategoryAdded    ChangeKind = "category-added"
	CategoryRemoved  ChangeKind = "category-removed"
	CategoryChanged  ChangeKind = "category-changed" // its kind, location precisions or value fields
	RetentionChanged ChangeKind = "retention-changed"
	RecipientAdded   ChangeKind = "recipient-added"
	RecipientRemoved ChangeKind = "recipient-removed"
	RecipientChanged ChangeKind = "recipient-changed" // its role or the data it receives
	FeatureChanged   ChangeKind = "feature-changed"   // a feature added or removed, or what it switches on
	ChildrenChanged  ChangeKind = "children-changed"  // whether children are likely users
)

// Change is one difference in processing between two manifests.
type Change struct {
	Kind ChangeKind `json:"kind"`
	ID   string     `json:"id"`   // the purpose, category, recipient or feature
	Text string     `json:"text"` // one plain-language sentence
	// NeedsConsent marks an added purpose, or one newly on consent, that
	// stays off for everyone until they consent (CONSENT-OPTIN).
	NeedsConsent bool `json:"needs_consent,omitempty"`
}

// Changes lists the differences in processing between two manifest
// versions (USAGE-CHANGE), in a stable order: purposes, categories,
// recipients, features, then the children setting.
type Changes struct {
	From  string   `json:"from"` // the old version
	To    string   `json:"to"`   // the new version
	Items []Change `json:"items"`
}

// Processing reports whether processing changed: whether people must be
// told. Changes to anything else (support dates, the controller's address,
// descriptions, terms) are not reported by Diff.
func (c Changes) Processing() bool { return len(c.Items) > 0 }

// Text returns every change's sentence, one per line.
func (c Changes) Text() string {
	var b strings.Builder
	for _, it := range c.Items {
		b.WriteString("- ")
		b.WriteString(it.Text)
		b.WriteByte('\n')
	}
	return b.String()
}

// NewConsentPurposes returns the IDs of the purposes that need consent
// they did not need before (added on consent, or moved onto consent).
func (c Changes) NewConsentPurposes() []string {
	var ids []string
	for _, it := range c.Items {
		if it.NeedsConsent {
			ids = append(ids, it.ID)
		}
	}
	return ids
}

// Diff compares two parsed manifests and returns the changes in processing
// from old to new: purposes, lawful bases, data categories, retention,
// recipients, features and the children setting. It does no I/O and
// modifies neither manifest.
func Diff(old, new *Manifest) Changes {
	c := Changes{From: old.Version, To: new.Version}
	c.Items = append(c.Items, diffPurposes(old, new)...)
	c.Items = append(c.Items, diffCategories(old, new)...)
	c.Items = append(c.Items, diffRecipients(old, new)...)
	c.Items = append(c.Items, diffFeatures(old, new)...)
	if old.ChildrenLikely != new.ChildrenLikely {
		text := "The product is no longer treated as one children are likely to use."
		if new.ChildrenLikely {
			text = "The product is now treated as one children are likely to use, with stricter defaults."
		}
		c.Items = append(c.Items, Change{Kind: ChildrenChanged, Text: text})
	}
	return c
}

func diffPurposes(old, new *Manifest) []Change {
	var out []Change
	for i := range new.Purposes {
		p := &new.Purposes[i]
		q, ok := old.Purpose(p.ID)
		if !ok {
			out = append(out, Change{Kind: PurposeAdded, ID: p.ID, NeedsConsent: p.OnConsent(),
				Text: fmt.Sprintf("New use of data: %q, using %s, on the basis of %s.%s",
					p.Name, names(new, p.Categories), basisText[p.Basis], offUntilConsent(p.OnConsent()))})
			continue
		}
		out = append(out, purposeChanges(old, new, q, p)...)
	}
	for i := range old.Purposes {
		if p := &old.Purposes[i]; !hasPurpose(new, p.ID) {
			out = append(out, Change{Kind: PurposeRemoved, ID: p.ID, Text: fmt.Sprintf("We no longer use data to %q.", p.Name)})
		}
	}
	return out
}

// valueChanges reports the value fields a category now collects, no
// longer collects, or collects free-form.
func valueChanges(old, new *Category) []Change {
	fields := func(c *Category) []string {
		var out []string
		for _, f := range c.Values {
			out = append(out, f.Field+" ("+f.Type+")")
		}
		return out
	}
	added, removed := setDiff(fields(old), fields(new))
	var text []string
	if new.FreeForm && !old.FreeForm {
		text = append(text, "may now hold any values")
	}
	if len(added) > 0 {
		text = append(text, "now also holds "+strings.Join(added, ", "))
	}
	if len(removed) > 0 {
		text = append(text, "no longer holds "+strings.Join(removed, ", "))
	}
	if len(text) == 0 {
		return nil
	}
	return []Change{{Kind: CategoryChanged, ID: new.ID, Text: fmt.Sprintf("%q %s.", nameOr(new.Name, new.ID), strings.Join(text, "; "))}}
}

func hasPurpose(m *Manifest, id string) bool { _, ok := m.Purpose(id); return ok }

func offUntilConsent(consent bool) string {
	if consent {
		return " It stays off until you agree."
	}
	return ""
}

// purposeChanges compares one purpose declared in both manifests.
func purposeChanges(old, new *Manifest, q, p *Purpose) []Change {
	var out []Change
	if q.Basis != p.Basis || q.Art9Condition != p.Art9Condition {
		needs := p.OnConsent() && !q.OnConsent()
		out = append(out, Change{Kind: BasisChanged, ID: p.ID, NeedsConsent: needs,
			Text: fmt.Sprintf("%q now relies on %s instead of %s.%s", p.Name, basisOrCondition(p), basisOrCondition(q), offUntilConsent(needs))})
	}
	if added, removed := setDiff(q.Categories, p.Categories); len(added)+len(removed) > 0 {
		out = append(out, Change{Kind: PurposeChanged, ID: p.ID, Text: fmt.Sprintf("%q%s%s.", p.Name,
			clause(" now also uses ", names(new, added)), clause(", and no longer uses ", names(old, removed)))})
	}
	if added, removed := setDiff(q.Recipients, p.Recipients); len(added)+len(removed) > 0 {
		out = append(out, Change{Kind: PurposeChanged, ID: p.ID, Text: fmt.Sprintf("%q%s%s.", p.Name,
			clause(" now shares data with ", recipientNames(new, added)), clause(", and no longer shares it with ", recipientNames(old, removed)))})
	}
	if f := flags(p); f != flags(q) {
		out = append(out, Change{Kind: PurposeChanged, ID: p.ID, Text: fmt.Sprintf("%q is now: %s (was: %s).", p.Name, f, flags(q))})
	}
	return out
}

func basisOrCondition(p *Purpose) string {
	if p.Art9Condition != "" {
		return basisText[p.Basis] + ", with " + art9Text[p.Art9Condition]
	}
	return basisText[p.Basis]
}

// clause returns prefix+list, or "" for an empty list.
func clause(prefix, list string) string {
	if list == "" {
		return ""
	}
	return prefix + list
}

// flags describes a purpose's kind in words, for comparison and display.
func flags(p *Purpose) string {
	var fs []string
	for _, f := range []struct {
		on   bool
		name string
	}{{p.Core, "needed for the core function"}, {p.Marketing, "marketing"}, {p.Advertising, "advertising"},
		{p.Profiling, "profiling"}, {p.AutomatedDecision, "automated decisions"}, {p.DeviceAccess, "stores or reads information on the device"}} {
		if f.on {
			fs = append(fs, f.name)
		}
	}
	if len(fs) == 0 {
		return "optional"
	}
	return strings.Join(fs, ", ")
}

func diffCategories(old, new *Manifest) []Change {
	var out []Change
	for _, c := range new.Categories {
		d, ok := old.Category(c.ID)
		switch {
		case !ok:
			out = append(out, Change{Kind: CategoryAdded, ID: c.ID, Text: fmt.Sprintf("New kind of data: %q (%s), kept for %s.",
				nameOr(c.Name, c.ID), kindText[c.Kind], HumanPeriod(c.Retention))})
		case d.Retention != c.Retention:
			out = append(out, Change{Kind: RetentionChanged, ID: c.ID, Text: fmt.Sprintf("%q is now kept for %s instead of %s.",
				nameOr(c.Name, c.ID), HumanPeriod(c.Retention), HumanPeriod(d.Retention))})
		}
		if ok && (d.Kind != c.Kind || d.SpecialType != c.SpecialType || !slices.Equal(d.Granularities, c.Granularities)) {
			out = append(out, Change{Kind: CategoryChanged, ID: c.ID, Text: fmt.Sprintf("%q is now treated as %s%s.",
				nameOr(c.Name, c.ID), kindText[c.Kind], clause(", at these precisions: ", strings.Join(c.Granularities, ", ")))})
		}
		if ok {
			out = append(out, valueChanges(d, &c)...)
		}
	}
	for _, c := range old.Categories {
		if _, ok := new.Category(c.ID); !ok {
			out = append(out, Change{Kind: CategoryRemoved, ID: c.ID, Text: fmt.Sprintf("We no longer collect %q.", nameOr(c.Name, c.ID))})
		}
	}
	return out
}

func diffRecipients(old, new *Manifest) []Change {
	var out []Change
	for _, r := range new.Recipients {
		s, ok := old.Recipient(r.ID)
		switch {
		case !ok:
			out = append(out, Change{Kind: RecipientAdded, ID: r.ID, Text: fmt.Sprintf("We now share %s with %s, which %s.",
				names(new, r.Categories), nameOr(r.Name, r.ID), roleText[r.Role])})
		case s.Role != r.Role || !slices.Equal(sorted(s.Categories), sorted(r.Categories)):
			out = append(out, Change{Kind: RecipientChanged, ID: r.ID, Text: fmt.Sprintf("%s now receives %s, and %s.",
				nameOr(r.Name, r.ID), names(new, r.Categories), roleText[r.Role])})
		}
	}
	for _, r := range old.Recipients {
		if _, ok := new.Recipient(r.ID); !ok {
			out = append(out, Change{Kind: RecipientRemoved, ID: r.ID, Text: fmt.Sprintf("We no longer share data with %s.", nameOr(r.Name, r.ID))})
		}
	}
	return out
}

func diffFeatures(old, new *Manifest) []Change {
	var out []Change
	for _, f := range new.Features {
		g, ok := old.Feature(f.ID)
		switch {
		case !ok:
			out = append(out, Change{Kind: FeatureChanged, ID: f.ID, Text: fmt.Sprintf("New optional feature: %q. It is off until you switch it on.", nameOr(f.Name, f.ID))})
		case !slices.Equal(sorted(g.Purposes), sorted(f.Purposes)):
			out = append(out, Change{Kind: FeatureChanged, ID: f.ID, Text: fmt.Sprintf("The feature %q now switches on: %s.", nameOr(f.Name, f.ID), purposeNames(new, f.Purposes))})
		}
	}
	for _, f := range old.Features {
		if _, ok := new.Feature(f.ID); !ok {
			out = append(out, Change{Kind: FeatureChanged, ID: f.ID, Text: fmt.Sprintf("The feature %q was removed.", nameOr(f.Name, f.ID))})
		}
	}
	return out
}

// setDiff returns the elements of b not in a, and of a not in b, in order.
func setDiff(a, b []string) (added, removed []string) {
	for _, s := range b {
		if !slices.Contains(a, s) {
			added = append(added, s)
		}
	}
	for _, s := range a {
		if !slices.Contains(b, s) {
			removed = append(removed, s)
		}
	}
	return added, removed
}

func sorted(s []string) []string { return slices.Sorted(slices.Values(s)) }

// names joins the names of categories, quoted.
func names(m *Manifest, ids []string) string {
	return quoted(ids, func(id string) string {
		if c, ok := m.Category(id); ok {
			return nameOr(c.Name, id)
		}
		return id
	})
}

func recipientNames(m *Manifest, ids []string) string {
	return quoted(ids, func(id string) string {
		if r, ok := m.Recipient(id); ok {
			return nameOr(r.Name, id)
		}
		return id
	})
}

func purposeNames(m *Manifest, ids []string) string {
	return quoted(ids, func(id string) string {
		if p, ok := m.Purpose(id); ok {
			return nameOr(p.Name, id)
		}
		return id
	})
}

func quoted(ids []string, name func(string) string) string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, fmt.Sprintf("%q", name(id)))
	}
	return joinAnd(out)
}

// Canonical returns the manifest as compact JSON (the fields of Manifest),
// the form Hearth records at each start so that the next start can Parse
// it back and Diff against it. Equal declarations give equal bytes.
func (m *Manifest) Canonical() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("encode manifest: %w", err)
	}
	return b, nil
}

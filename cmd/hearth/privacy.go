package main

import (
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
	"github.com/hearth-iot/hearth/ledger"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// privacy is the enforcement of the manifest: the policy engine compiled
// from it, the consent ledger and service, and the cache of policy
// subjects that ingestion and reads decide with. Every consent change
// drops the person's cached subject, so it applies to the next message.
type privacy struct {
	policy   *policy.Engine
	ledger   *ledger.Ledger
	consents *consent.Service
	subjects *subject.Cache
}

// newPrivacy compiles m and wires the consent service and subject cache
// on store; invalidated and trusted, if not nil, tell the other nodes of
// every invalidation of the cache and say whether it may be used
// (subject.Config.Invalidated and Trusted).
func newPrivacy(store hearth.Store, m *manifest.Manifest, invalidated func(string), trusted func() bool) (*privacy, error) {
	eng, err := policy.Compile(m)
	if err != nil {
		return nil, fmt.Errorf("compile the manifest's policy: %w", err)
	}
	p := &privacy{policy: eng, ledger: ledger.New(store, nil)}
	p.consents, err = consent.NewService(consent.Config{Store: store, Ledger: p.ledger, Manifest: m, Policy: eng,
		OnChange: p.consentChanged})
	if err != nil {
		return nil, fmt.Errorf("consent service: %w", err)
	}
	p.subjects, err = subject.New(subject.Config{Store: store, Manifest: m, Policy: eng, Consents: p.consents, Shares: p.consents,
		Invalidated: invalidated, Trusted: trusted})
	if err != nil {
		return nil, fmt.Errorf("subject cache: %w", err)
	}
	return p, nil
}

// consentChanged drops a person's cached subject after a consent decision.
func (p *privacy) consentChanged(person string) { p.subjects.Invalidate(person) }

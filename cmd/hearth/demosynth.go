package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/synth"
)

// demoExtra is the demo's synthetic households (package synth), loaded
// beside the demo household.
type demoExtra struct {
	s        *server
	g        *synth.Generator
	pop      *synth.Population
	password string
}

// demoSynthetic makes the demo's synthetic households: cfg.Synthetic of
// them, seeded with cfg.Seed.
func (s *server) demoSynthetic(cfg demoConfig, m *manifest.Manifest) *demoExtra {
	g := synth.New(m, cfg.Seed)
	return &demoExtra{s: s, g: g, pop: g.Population(cfg.Synthetic), password: rand.Text()}
}

// banner is the demo's line about its synthetic households ("" without
// any). It does not say "password:", which the demo's own login has.
func (e *demoExtra) banner() string {
	if len(e.pop.Households) == 0 {
		return ""
	}
	st := e.pop.Stats()
	return fmt.Sprintf("  synthetic: %d more households (package synth, seed %d: %d people, %d devices, varied consents), loading now with the last day of readings;\n"+
		"    their owners, such as %s, sign in with %s\n",
		st.Households, e.pop.Seed, st.People, st.Devices, e.pop.Households[0].People[0].Email, e.password)
}

// load loads the synthetic households into the running server through
// its HTTP API, and then their last day of readings over the device
// protocol's HTTP path. The accounts are created in process, as the demo's
// own are (the API takes 10 sign-ups from one address); the devices are
// provisioned as the manufacturer would. A failure is logged: the demo
// goes on without them.
func (e *demoExtra) load(ctx context.Context) {
	if len(e.pop.Households) == 0 {
		return
	}
	t := synth.Target{
		API: e.s.httpURL, Password: e.password,
		Provision: func(ctx context.Context, model, firmware string) (synth.Credential, error) {
			dev, secret, code, err := e.s.households.ProvisionDevice(ctx, model, firmware)
			if err != nil {
				return synth.Credential{}, err
			}
			return synth.Credential{DeviceID: dev.ID, Secret: secret, ClaimCode: code}, nil
		},
		SignUp: func(ctx context.Context, email, password, name string) error {
			_, _, err := e.s.auth.SignUp(ctx, email, password, name)
			return err
		},
	}
	l, err := synth.Load(ctx, t, e.g, e.pop)
	if err != nil {
		if ctx.Err() == nil {
			e.s.log.Warn("demo: synthetic households not loaded", "err", err)
		}
		return
	}
	now := time.Now()
	sent, err := l.Send(ctx, e.g.Readings(e.pop, now.Add(-24*time.Hour), now))
	if ctx.Err() != nil {
		return // the demo is stopping
	}
	if err != nil {
		e.s.log.Warn("demo: synthetic readings not all sent", "err", err)
	}
	e.s.log.Info("demo: synthetic households loaded", "households", len(e.pop.Households),
		"readings_stored", sent.Stored, "readings_refused", sent.Total()-sent.Stored-sent.Duplicates)
}

package main

import (
	"context"
	"crypto/ed25519"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/firmware"
	"github.com/hearth-iot/hearth/ledger"
)

// auditConfig is the anchoring of the audit log by the server: at start,
// every AnchorInterval and at shutdown, the head's anchor is appended to
// the file Anchor (after the first, only when the head moved), signed
// with the key in AnchorKey if given.
type auditConfig struct {
	Anchor         string
	AnchorKey      string
	AnchorInterval time.Duration
}

func (c *auditConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.Anchor, "audit-anchor", c.Anchor, "file to append the audit log's head to (one JSON anchor a line, checked later with hearth audit verify --anchor), at start, every --audit-anchor-interval when it moved, and at shutdown; keep it off the database's machine or copy it away (default: none)")
	fs.StringVar(&c.AnchorKey, "audit-anchor-key", c.AnchorKey, "Ed25519 private key (PEM, PKCS #8, as hearth firmware keygen writes) to sign the anchors with (default: unsigned)")
	fs.DurationVar(&c.AnchorInterval, "audit-anchor-interval", c.AnchorInterval, "how often the audit log's head is anchored, 1m to 24h")
}

// check validates the anchoring flags.
func (c *auditConfig) check() error {
	switch {
	case c.AnchorKey != "" && c.Anchor == "":
		return usagef("--audit-anchor-key: give it with --audit-anchor")
	case c.AnchorInterval < time.Minute || c.AnchorInterval > 24*time.Hour:
		return usagef("--audit-anchor-interval: give a duration from 1m to 24h")
	}
	return nil
}

// verifyChains verifies the consent ledger and the audit log before the
// server listens, and reports a break loudly: an ERROR log line, the
// metric hearth_chain_intact{chain} at 0, a line on stdout, and /healthz
// and the operator console naming the chain broken. It does not refuse to
// start: the break is evidence to keep and investigate, while people must
// still be able to withdraw consent, get their data and have it erased, and
// new accesses must still be recorded (on the stored head, so the break
// stays where it is); a server that refused to start would turn anyone
// able to alter one row into a switch that stops the service.
func (s *server) verifyChains(ctx context.Context, stdout io.Writer) {
	s.chains = map[string]string{}
	for _, ch := range []struct {
		name   string
		verify func() (ledger.Head, error)
	}{
		{"consent", func() (ledger.Head, error) { return ledger.Verify(ledger.Entries(ctx, s.db, 0)) }},
		{"audit", func() (ledger.Head, error) { return audit.Verify(ctx, s.db.AuditLog()) }},
	} {
		start := time.Now()
		head, err := ch.verify()
		switch {
		case err == nil:
			s.chains[ch.name] = "intact"
			s.metrics.ChainIntact.WithLabelValues(ch.name).Set(1)
			s.log.Info("hash chain verified", "chain", ch.name, "entries", head.Seq, "head", fmt.Sprintf("%x", head.Hash), "took", time.Since(start).String())
		case audit.IsBreak(err):
			s.chains[ch.name] = "broken"
			s.metrics.ChainIntact.WithLabelValues(ch.name).Set(0)
			s.log.Error("HASH CHAIN BROKEN: entries were altered, removed or reordered; keep the database as evidence and investigate", "chain", ch.name, "err", err)
			fmt.Fprintf(stdout, "hearth: WARNING: the %s chain is BROKEN: %v\n", ch.name, err)
		default:
			s.chains[ch.name] = "unverified"
			s.metrics.ChainIntact.WithLabelValues(ch.name).Set(0)
			s.log.Error("hash chain could not be verified", "chain", ch.name, "err", err)
			fmt.Fprintf(stdout, "hearth: WARNING: the %s chain could not be verified: %v\n", ch.name, err)
		}
	}
}

// startAnchor starts appending the audit log's head to --audit-anchor:
// now, every interval when the head moved, and once more when stopped.
func (s *server) startAnchor(cfg auditConfig) error {
	if cfg.Anchor == "" {
		return nil
	}
	var priv ed25519.PrivateKey
	if cfg.AnchorKey != "" {
		b, err := os.ReadFile(cfg.AnchorKey)
		if err != nil {
			return fmt.Errorf("--audit-anchor-key: %w", err)
		}
		if priv, err = firmware.ParsePrivateKey(b); err != nil {
			return fmt.Errorf("--audit-anchor-key %s: %w", cfg.AnchorKey, err)
		}
	}
	var last int64 = -1
	anchor := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		var head ledger.Head
		e, err := s.db.AuditLog().LedgerHead(ctx)
		switch {
		case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		case err != nil:
			return fmt.Errorf("audit log head: %w", err)
		default:
			head = ledger.Head{Seq: e.Seq, Hash: e.Hash, Time: e.Time}
		}
		if head.Seq == last {
			return nil
		}
		a := audit.NewAnchor(ledger.Audit, head)
		if priv != nil {
			a.Sign(priv)
		}
		if err := audit.AppendAnchor(cfg.Anchor, a); err != nil {
			return err
		}
		last = head.Seq
		return nil
	}
	if err := anchor(); err != nil {
		return fmt.Errorf("--audit-anchor: %w", err)
	}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(cfg.AnchorInterval)
		defer t.Stop()
		for {
			select {
			case <-t.C:
			case <-stop:
				if err := anchor(); err != nil {
					s.log.Error("audit log: the last anchor could not be written", "err", err)
				}
				return
			}
			if err := anchor(); err != nil {
				s.log.Error("audit log: the anchor could not be written", "err", err)
			}
		}
	}()
	s.stopAnchor = func() { close(stop); <-done }
	return nil
}

// disclosed records every erasure notice delivered to a recipient in the
// audit log (AUDIT): a disclosure of the person's ID, and of what was
// erased, to an organisation outside Hearth. The notice has left by then,
// so a record that fails is logged as an error and counted, not retried:
// retrying would send the notice again.
type disclosed struct {
	erasure.Notifier
	audit *audit.Logger
	log   *slog.Logger
}

// Notify sends n and records its delivery.
func (d *disclosed) Notify(ctx context.Context, n hearth.ErasureNotice) error {
	if err := d.Notifier.Notify(ctx, n); err != nil {
		return err
	}
	err := d.audit.Record(ctx, hearth.LedgerEntry{Type: audit.Disclosure, Person: n.PersonID, Actor: "recipient:" + n.RecipientID,
		Method: ledger.MethodSystem, Details: audit.Details{ActorKind: audit.Recipient, Action: "erasure notice", Target: n.ID}.JSON()})
	if err != nil {
		d.log.Error("audit log: an erasure notice delivered to a recipient could not be recorded", "notice", n.ID, "recipient", n.RecipientID, "err", err)
	}
	return nil
}

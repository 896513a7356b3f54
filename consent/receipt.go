package consent

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
)

// ReceiptVersion is the Kantara Consent Receipt specification version the
// receipts follow.
const ReceiptVersion = "KI-CR-v1.1.0"

// Receipt is a consent receipt with the field names of the Kantara
// Initiative Consent Receipt Specification v1.1.
type Receipt struct {
	Version          string           `json:"version"`
	Jurisdiction     string           `json:"jurisdiction"`
	ConsentTimestamp int64            `json:"consentTimestamp"` // Unix seconds
	CollectionMethod string           `json:"collectionMethod"`
	ConsentReceiptID string           `json:"consentReceiptID"`
	PublicKey        string           `json:"publicKey,omitempty"`
	Language         string           `json:"language"`
	PIIPrincipalID   string           `json:"piiPrincipalId"`
	PIIControllers   []Controller     `json:"piiControllers"`
	PolicyURL        string           `json:"policyUrl"`
	Services         []ReceiptService `json:"services"`
	Sensitive        bool             `json:"sensitive"`
	SPICat           []string         `json:"spiCat"`
}

// Controller is a PII controller in a receipt.
type Controller struct {
	PIIController string `json:"piiController"`
	Contact       string `json:"contact"`
	Address       string `json:"address"`
	Email         string `json:"email"`
	Phone         string `json:"phone"`
}

// ReceiptService is a service in a receipt, with the purposes consented to.
type ReceiptService struct {
	Service  string           `json:"service"`
	Purposes []ReceiptPurpose `json:"purposes"`
}

// ReceiptPurpose is one purpose in a receipt.
type ReceiptPurpose struct {
	Purpose              string   `json:"purpose"`
	PurposeCategory      []string `json:"purposeCategory"`
	ConsentType          string   `json:"consentType"` // EXPLICIT or EXPRESSED
	PIICategory          []string `json:"piiCategory"`
	PrimaryPurpose       bool     `json:"primaryPurpose"`
	Termination          string   `json:"termination"`
	ThirdPartyDisclosure bool     `json:"thirdPartyDisclosure"`
	ThirdPartyName       string   `json:"thirdPartyName,omitempty"`
}

// Receipts returns a receipt for every consent subject gave (or a guardian
// gave for them), oldest first, including consents later withdrawn: each
// receipt is the evidence of one consent-given ledger entry, and its
// consentReceiptID is derived from that entry's hash. Purposes no longer
// in the manifest are described by their ID only. A consent imported from
// another instance keeps its receipt: the same time and ID, from the
// original entry's hash. It does not check who
// asks: callers authorise first.
func (s *Service) Receipts(ctx context.Context, subject string) ([]Receipt, error) {
	es, err := s.cfg.Store.LedgerEntriesFor(ctx, subject)
	if err != nil {
		return nil, fmt.Errorf("read consent ledger: %w", err)
	}
	var out []Receipt
	for _, e := range es {
		if e = original(e); e.Type == hearth.EntryConsentGiven {
			out = append(out, s.receipt(e))
		}
	}
	return out, nil
}

// receipt builds the receipt of one consent-given entry.
func (s *Service) receipt(e hearth.LedgerEntry) Receipt {
	m := s.cfg.Manifest
	r := Receipt{
		Version: ReceiptVersion, Jurisdiction: s.cfg.Jurisdiction, ConsentTimestamp: e.Time.Unix(),
		CollectionMethod: string(e.Method), ConsentReceiptID: "cr-" + hex.EncodeToString(e.Hash[:min(16, len(e.Hash))]),
		Language: s.cfg.Language, PIIPrincipalID: e.Person, PolicyURL: s.cfg.PolicyURL,
		PIIControllers: []Controller{{PIIController: m.Controller.Name, Contact: m.Controller.Contact,
			Address: m.Controller.Address, Email: m.Controller.Contact}},
		SPICat: []string{},
	}
	rp := ReceiptPurpose{Purpose: e.Purpose, PurposeCategory: []string{e.Purpose}, ConsentType: "EXPRESSED",
		PIICategory: []string{}, Termination: withdrawText}
	if e.Statement != "" {
		rp.ConsentType = "EXPLICIT"
	}
	if p, ok := m.Purpose(e.Purpose); ok {
		s.describe(&r, &rp, p)
	}
	r.Services = []ReceiptService{{Service: s.cfg.Service, Purposes: []ReceiptPurpose{rp}}}
	return r
}

// describe fills in what the manifest says about purpose p.
func (s *Service) describe(r *Receipt, rp *ReceiptPurpose, p *manifest.Purpose) {
	m := s.cfg.Manifest
	rp.Purpose, rp.PrimaryPurpose = p.Name, p.Core
	for _, id := range p.Categories {
		c, ok := m.Category(id)
		if !ok {
			continue
		}
		rp.PIICategory = append(rp.PIICategory, c.Name)
		if c.Special() {
			r.Sensitive = true
			r.SPICat = append(r.SPICat, c.SpecialType)
		}
	}
	var names []string
	for _, rc := range recipients(m, p) {
		if rc.Role != manifest.RoleProcessor {
			names = append(names, rc.Name)
		}
	}
	rp.ThirdPartyDisclosure, rp.ThirdPartyName = len(names) > 0, strings.Join(names, ", ")
}

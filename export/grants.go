package export

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
)

// The files of the records an instance keeps about a person for itself:
// an import does not restore them (docs/export-format.md).
const (
	fileClients  = "connected-clients.json"
	fileAccesses = "accesses.jsonl"
)

// GrantRecord is one entry of connected-clients.json: one active OAuth
// access or refresh token record of a grant the person gave a third-party
// client (INT-CLIENTS), as hearth.OAuthStore.OAuthTokensFor lists it. It holds no
// token, token signature, request form or session: nothing that could be
// used to call Hearth.
type GrantRecord struct {
	ClientID        string     `json:"client_id"`
	ClientName      string     `json:"client_name"` // "" if the client was removed while the export was written
	GrantID         string     `json:"grant_id"`    // the same for every record of one grant
	Kind            string     `json:"kind"`        // access_token or refresh_token
	Scopes          []string   `json:"scopes"`      // the scopes the client asked for
	GrantedScopes   []string   `json:"granted_scopes"`
	GrantedAudience []string   `json:"granted_audience"`
	Granted         time.Time  `json:"granted"`
	Expires         *time.Time `json:"expires,omitempty"` // absent: the record never expires
	Active          bool       `json:"active"`
}

// AccessRecord is one line of accesses.jsonl: an audit log entry about the
// person (AUDIT), every field as the exporting instance hashed it (format
// ledger.Audit: times to the nanosecond); Details holds who acted
// (actor_kind) and what they did (action), as package audit defines.
type AccessRecord = LedgerRecord

// clientGrant is a connected client in index.html: its name and what it
// was granted, by grant.
type clientGrant struct {
	Client  string
	Scopes  []string
	Granted time.Time
	Expires *time.Time
	Expired bool
}

// grants returns the person's OAuth token records as exported, and the
// grants (one line per grant) for index.html.
func (s *Service) grants(ctx context.Context, personID string, now time.Time) ([]GrantRecord, []clientGrant, error) {
	toks, err := s.cfg.Store.OAuthTokensFor(ctx, personID)
	if err != nil {
		return nil, nil, fmt.Errorf("export connected clients: %w", err)
	}
	names := map[string]string{}
	out := make([]GrantRecord, 0, len(toks))
	var lines []clientGrant
	line := map[string]int{} // grant ID → index in lines
	for _, t := range toks {
		name, ok := names[t.ClientID]
		if !ok {
			c, err := s.cfg.Store.OAuthClient(ctx, t.ClientID)
			switch {
			case err == nil:
				name = c.Name
			case hearth.ErrorCode(err) != hearth.ENOTFOUND:
				return nil, nil, fmt.Errorf("export connected clients: %w", err)
			}
			names[t.ClientID] = name
		}
		r := GrantRecord{ClientID: t.ClientID, ClientName: name, GrantID: t.RequestID, Kind: string(t.Kind),
			Scopes: nonNilSlice(t.Scopes), GrantedScopes: nonNilSlice(t.GrantedScopes),
			GrantedAudience: nonNilSlice(t.GrantedAudience), Granted: t.RequestedAt.UTC(), Active: t.Active}
		if !t.ExpiresAt.IsZero() {
			e := t.ExpiresAt.UTC()
			r.Expires = &e
		}
		out = append(out, r)
		i, seen := line[t.RequestID]
		if !seen {
			i = len(lines)
			line[t.RequestID] = i
			client := name
			if client == "" {
				client = t.ClientID
			}
			lines = append(lines, clientGrant{Client: client, Scopes: r.GrantedScopes, Granted: r.Granted})
		}
		// The grant lasts as long as its longest-lived record.
		switch g := &lines[i]; {
		case !seen:
			g.Expires = r.Expires
		case g.Expires == nil: // a record of it never expires
		case r.Expires == nil || r.Expires.After(*g.Expires):
			g.Expires = r.Expires
		}
	}
	for i := range lines {
		lines[i].Expired = lines[i].Expires != nil && !lines[i].Expires.After(now)
	}
	return out, lines, nil
}

// accessCounts counts the accesses in accesses.jsonl by who acted, for
// index.html.
type accessCounts struct {
	Total                                        int64
	Self, Members, Operator, Clients, Recipients int64
	Others                                       int64 // Hearth itself, or a kind this version does not name
}

func (c *accessCounts) add(e *hearth.LedgerEntry) {
	c.Total++
	switch audit.ParseDetails(e.Details).ActorKind {
	case audit.Self:
		c.Self++
	case audit.Member, audit.Guardian:
		c.Members++
	case audit.Operator:
		c.Operator++
	case audit.Client:
		c.Clients++
	case audit.Recipient:
		c.Recipients++
	default:
		c.Others++
	}
}

// writeAccesses writes accesses.jsonl: every audit log entry about the
// person, read page by page so that memory does not grow with their
// number.
func (s *Service) writeAccesses(ctx context.Context, a *archive, personID string, now time.Time) (accessCounts, error) {
	var counts accessCounts
	log := s.cfg.Store.AuditLog()
	err := a.add(fileAccesses, now, func(w io.Writer) (int64, error) {
		enc := json.NewEncoder(w)
		var after int64
		for {
			es, err := log.LedgerEntriesAbout(ctx, personID, after, s.cfg.PageSize)
			if err != nil {
				return 0, fmt.Errorf("read the audit log: %w", err)
			}
			for i := range es {
				counts.add(&es[i])
				if err := enc.Encode(ledgerRecord(&es[i])); err != nil {
					return 0, err
				}
			}
			if len(es) < s.cfg.PageSize {
				return counts.Total, nil
			}
			after = es[len(es)-1].Seq
		}
	})
	return counts, err
}

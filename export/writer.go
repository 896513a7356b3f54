package export

import (
	"archive/zip"
	"compress/flate"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/consent"
)

// Progress is told how many readings were written so far; it may be nil.
type Progress func(readings int64)

// archive writes the files of one export into a ZIP, recording each file's
// digest, size and record count for export.json.
type archive struct {
	zw    *zip.Writer
	files []FileInfo
}

func newArchive(w io.Writer) *archive {
	zw := zip.NewWriter(w)
	// The fastest deflate level: an export is dominated by readings, and
	// BestSpeed keeps compression from dwarfing the store's read.
	zw.RegisterCompressor(zip.Deflate, func(out io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(out, flate.BestSpeed)
	})
	return &archive{zw: zw}
}

// digestWriter counts and hashes what passes through it.
type digestWriter struct {
	w io.Writer
	h hash.Hash
	n int64
}

func (d *digestWriter) Write(p []byte) (int, error) {
	d.h.Write(p)
	d.n += int64(len(p))
	return d.w.Write(p)
}

// add writes one file with fill, which returns the file's record count.
func (a *archive) add(path string, created time.Time, fill func(w io.Writer) (int64, error)) error {
	zf, err := a.zw.CreateHeader(&zip.FileHeader{Name: path, Method: zip.Deflate, Modified: created})
	if err != nil {
		return fmt.Errorf("add %s: %w", path, err)
	}
	d := &digestWriter{w: zf, h: sha256.New()}
	records, err := fill(d)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	a.files = append(a.files, FileInfo{Path: path, SHA256: hex.EncodeToString(d.h.Sum(nil)), Bytes: d.n, Records: records})
	return nil
}

// addJSON writes v as an indented JSON file.
func (a *archive) addJSON(path string, created time.Time, v any) error {
	return a.add(path, created, func(w io.Writer) (int64, error) {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return 0, enc.Encode(v)
	})
}

// addLines writes one JSON value per line.
func addLines[T any](a *archive, path string, created time.Time, vs []T) error {
	return a.add(path, created, func(w io.Writer) (int64, error) {
		enc := json.NewEncoder(w)
		for i := range vs {
			if err := enc.Encode(&vs[i]); err != nil {
				return 0, err
			}
		}
		return int64(len(vs)), nil
	})
}

// Write writes the export of personID to w as a ZIP archive and returns its
// metadata. It does not check who asks: callers decide with Authorize (or,
// on the command line, act as the operator). progress, if set, is called
// after every page of readings.
//
// Errors: ENOTFOUND for an unknown person; anything else is internal, and
// w then holds a truncated archive that an import refuses.
func (s *Service) Write(ctx context.Context, w io.Writer, personID string, progress Progress) (*Metadata, error) {
	p, err := s.cfg.Store.Person(ctx, personID)
	if err != nil {
		return nil, fmt.Errorf("export: %w", err)
	}
	now := s.cfg.Now().UTC()
	meta := &Metadata{Format: Format, FormatVersion: FormatVersion, ExportID: hearth.NewID("ex_"),
		Instance: s.cfg.Instance, PersonID: p.ID, Created: now}
	a := newArchive(w)
	counts, err := s.writeReadings(ctx, a, p.ID, now, progress)
	if err != nil {
		return nil, err
	}
	sum, err := s.writeRecords(ctx, a, p, now, counts)
	if err != nil {
		return nil, err
	}
	if err := a.add(fileIndex, now, func(w io.Writer) (int64, error) {
		return 0, renderIndex(w, meta, sum)
	}); err != nil {
		return nil, err
	}
	meta.Files = a.files
	if err := a.addJSON(MetadataFile, now, meta); err != nil {
		return nil, err
	}
	if err := a.zw.Close(); err != nil {
		return nil, fmt.Errorf("finish export: %w", err)
	}
	return meta, nil
}

// summary is what index.html shows.
type summary struct {
	Profile       Profile
	Settings      SettingsRecord
	Consents      []consentLine
	Notices       int
	Notifications int
	Processing    Processing
	Requests      int
	Clients       []clientGrant
	Accesses      accessCounts
}

type consentLine struct {
	Purpose, Status string
	Time            time.Time
}

// writeRecords writes every file but the readings and index.html.
func (s *Service) writeRecords(ctx context.Context, a *archive, p *hearth.Person, now time.Time, counts map[string]int64) (*summary, error) {
	sum := &summary{}
	var err error
	if sum.Profile, err = s.profile(ctx, p); err != nil {
		return nil, err
	}
	if sum.Settings, err = s.settings(ctx, p.ID); err != nil {
		return nil, err
	}
	entries, err := s.cfg.Store.LedgerEntriesFor(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("export ledger: %w", err)
	}
	state, err := s.cfg.Consents.State(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("export consents: %w", err)
	}
	receipts, err := s.cfg.Consents.Receipts(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("export receipts: %w", err)
	}
	notes, err := s.notifications(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	sum.Processing = s.processing(counts)
	sum.Consents, sum.Notices, sum.Notifications = consentLines(state), countType(entries, hearth.EntryNoticeShown), len(notes)
	files := []struct {
		path string
		v    any
	}{
		{fileProfile, sum.Profile}, {fileSettings, sum.Settings}, {fileConsentState, state},
		{fileReceipts, nonNilSlice(receipts)}, {fileNotices, noticesShown(entries)}, {fileProcessing, sum.Processing},
	}
	for _, f := range files {
		if err := a.addJSON(f.path, now, f.v); err != nil {
			return nil, err
		}
	}
	if err := addLines(a, fileLedger, now, ledgerRecords(entries)); err != nil {
		return nil, err
	}
	if err := addLines(a, fileNotifications, now, notes); err != nil {
		return nil, err
	}
	reqs, err := s.cfg.Store.RightsRequestsOf(ctx, p.ID)
	if err != nil {
		return nil, fmt.Errorf("export rights requests: %w", err)
	}
	sum.Requests = len(reqs)
	recs, err := s.requestRecords(ctx, reqs)
	if err != nil {
		return nil, err
	}
	if err := a.addJSON(fileRequests, now, recs); err != nil {
		return nil, err
	}
	grants, lines, err := s.grants(ctx, p.ID, now)
	if err != nil {
		return nil, err
	}
	sum.Clients = lines
	if err := a.addJSON(fileClients, now, grants); err != nil {
		return nil, err
	}
	sum.Accesses, err = s.writeAccesses(ctx, a, p.ID, now)
	return sum, err
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// profile returns the person and their memberships.
func (s *Service) profile(ctx context.Context, p *hearth.Person) (Profile, error) {
	out := Profile{Person: PersonRecord{ID: p.ID, DisplayName: p.DisplayName, HasAccount: p.AccountID != "",
		HouseholdID: p.HouseholdID, Created: p.Created.UTC()}, Memberships: []MembershipRecord{}}
	if p.AccountID != "" {
		acc, err := s.cfg.Store.Account(ctx, p.AccountID)
		if err != nil {
			return out, fmt.Errorf("export account: %w", err)
		}
		out.Person.Email = string(acc.Email)
		if out.Security, err = s.security(ctx, acc); err != nil {
			return out, err
		}
	}
	hhs, err := s.cfg.Store.HouseholdsOf(ctx, p.ID)
	if err != nil {
		return out, fmt.Errorf("export households: %w", err)
	}
	for _, h := range hhs {
		m, err := s.cfg.Store.Member(ctx, h.ID, p.ID)
		if err != nil {
			return out, fmt.Errorf("export membership: %w", err)
		}
		out.Memberships = append(out.Memberships, MembershipRecord{HouseholdID: h.ID, HouseholdName: h.Name,
			HouseholdCreated: h.Created.UTC(), Role: string(m.Role), GuardianID: m.GuardianID, Added: m.Added.UTC()})
	}
	return out, nil
}

// maxFirmwareRefusals is how many refused firmware requests, the newest,
// one export lists.
const maxFirmwareRefusals = 10000

// security returns the account's second factors and refused attempts.
func (s *Service) security(ctx context.Context, acc *hearth.Account) (*SecurityRecord, error) {
	out := &SecurityRecord{Operator: acc.Operator, Passkeys: []PasskeyRecord{}, Refused: []RefusalRecord{}}
	t, err := s.cfg.Store.TOTP(ctx, acc.ID)
	switch {
	case err == nil:
		out.AuthenticatorApp = !t.Confirmed.IsZero()
	case hearth.ErrorCode(err) != hearth.ENOTFOUND:
		return nil, fmt.Errorf("export second factors: %w", err)
	}
	if out.RecoveryCodesLeft, err = s.cfg.Store.RecoveryCodesLeft(ctx, acc.ID); err != nil {
		return nil, fmt.Errorf("export second factors: %w", err)
	}
	keys, err := s.cfg.Store.Passkeys(ctx, acc.ID)
	if err != nil {
		return nil, fmt.Errorf("export second factors: %w", err)
	}
	for _, k := range keys {
		p := PasskeyRecord{Created: k.Created.UTC()}
		if !k.LastUsed.IsZero() {
			used := k.LastUsed.UTC()
			p.LastUsed = &used
		}
		out.Passkeys = append(out.Passkeys, p)
	}
	refused, err := s.cfg.Store.SecondFactorRefusals(ctx, acc.ID, hearth.MaxSecondFactorRefusals)
	if err != nil {
		return nil, fmt.Errorf("export second factors: %w", err)
	}
	for _, r := range refused {
		out.Refused = append(out.Refused, RefusalRecord{Method: r.Method, Reason: r.Reason, At: r.At.UTC()})
	}
	fw, err := s.cfg.Store.FirmwareRefusalsBy(ctx, acc.PersonID, maxFirmwareRefusals)
	if err != nil {
		return nil, fmt.Errorf("export refused firmware requests: %w", err)
	}
	out.RefusedFirmware = []FirmwareRefusalRecord{}
	for _, r := range fw {
		out.RefusedFirmware = append(out.RefusedFirmware, FirmwareRefusalRecord{DeviceID: r.DeviceID, Problem: r.Problem, At: r.At.UTC()})
	}
	actions, err := s.cfg.Store.DeviceLogBy(ctx, acc.PersonID, maxFirmwareRefusals)
	if err != nil {
		return nil, fmt.Errorf("export device actions: %w", err)
	}
	out.DeviceActions = []DeviceActionRecord{}
	for _, e := range actions {
		out.DeviceActions = append(out.DeviceActions, DeviceActionRecord{DeviceID: e.DeviceID, HouseholdID: e.HouseholdID,
			Action: e.Action, Outcome: e.Outcome, CommandID: e.CommandID, At: e.Time.UTC()})
	}
	return out, nil
}

// settings returns the person's settings, or the defaults flag.
func (s *Service) settings(ctx context.Context, personID string) (SettingsRecord, error) {
	st, err := s.cfg.Store.Settings(ctx, personID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return SettingsRecord{Defaults: true, Features: []string{}, Purposes: []string{}, FeatureLocation: map[string]string{},
			Restricted: []string{}, Objected: []string{}, ADMOptOut: []string{}}, nil
	}
	if err != nil {
		return SettingsRecord{}, fmt.Errorf("export settings: %w", err)
	}
	out := SettingsRecord{Features: nonNilSlice(st.Features), Purposes: nonNilSlice(st.Purposes),
		Location: st.Location, FeatureLocation: st.FeatureLocation, RestrictAll: st.RestrictAll,
		Restricted: nonNilSlice(st.Restricted), Objected: nonNilSlice(st.Objected),
		ObjectMarketing: st.ObjectMarketing, ADMOptOut: nonNilSlice(st.ADMOptOut)}
	if out.FeatureLocation == nil {
		out.FeatureLocation = map[string]string{}
	}
	if !st.Updated.IsZero() {
		u := st.Updated.UTC()
		out.Updated = &u
	}
	return out, nil
}

// notifications returns every notification of the person, page by page.
func (s *Service) notifications(ctx context.Context, personID string) ([]NotificationRecord, error) {
	out := []NotificationRecord{}
	before := ""
	for {
		ns, err := s.cfg.Store.Notifications(ctx, personID, before, 100)
		if err != nil {
			return nil, fmt.Errorf("export notifications: %w", err)
		}
		for _, n := range ns {
			r := NotificationRecord{ID: n.ID, HouseholdID: n.HouseholdID, Kind: string(n.Kind), Title: n.Title,
				Body: n.Body, Created: n.Created.UTC()}
			if !n.Read.IsZero() {
				t := n.Read.UTC()
				r.Read = &t
			}
			out = append(out, r)
		}
		if len(ns) < 100 {
			return out, nil
		}
		before = ns[len(ns)-1].ID
	}
}

// processing describes every category of the manifest: its retention,
// the purposes using it and its recipients.
func (s *Service) processing(counts map[string]int64) Processing {
	m := s.cfg.Manifest
	out := Processing{Controller: m.Controller.Name, Contact: m.Controller.Contact, ManifestVersion: m.Version,
		Categories: []CategoryRecord{}}
	for _, c := range m.Categories {
		cr := CategoryRecord{ID: c.ID, Name: c.Name, Kind: c.Kind, Retention: c.Retention, Purposes: []string{},
			Recipients: []RecipientRecord{}, Readings: counts[c.ID]}
		for _, p := range m.PurposesUsing(c.ID) {
			cr.Purposes = append(cr.Purposes, p.ID)
		}
		for _, r := range m.Recipients {
			if slices.Contains(r.Categories, c.ID) {
				cr.Recipients = append(cr.Recipients, RecipientRecord{ID: r.ID, Name: r.Name, Role: r.Role})
			}
		}
		out.Categories = append(out.Categories, cr)
	}
	return out
}

// ledgerRecords converts ledger entries to their export form.
func ledgerRecords(es []hearth.LedgerEntry) []LedgerRecord {
	out := make([]LedgerRecord, len(es))
	for i := range es {
		out[i] = ledgerRecord(&es[i])
	}
	return out
}

// ledgerRecord converts one ledger or audit log entry.
func ledgerRecord(e *hearth.LedgerEntry) LedgerRecord {
	return LedgerRecord{Seq: e.Seq, Time: e.Time.UTC(), Type: string(e.Type), Person: e.Person, Purpose: e.Purpose,
		HouseholdID: e.HouseholdID, ManifestVersion: e.ManifestVersion, NoticeVersion: e.NoticeVersion,
		Method: string(e.Method), Actor: e.Actor, Statement: e.Statement, Details: e.Details,
		PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
}

// noticeShown is one entry of notices-shown.json.
type noticeShown struct {
	Seq             int64     `json:"seq"`
	Time            time.Time `json:"time"`
	NoticeVersion   string    `json:"notice_version"`
	ManifestVersion string    `json:"manifest_version"`
	Method          string    `json:"method"`
	HouseholdID     string    `json:"household_id"`
}

func noticesShown(es []hearth.LedgerEntry) []noticeShown {
	out := []noticeShown{}
	for _, e := range es {
		if e.Type == hearth.EntryNoticeShown {
			out = append(out, noticeShown{Seq: e.Seq, Time: e.Time.UTC(), NoticeVersion: e.NoticeVersion,
				ManifestVersion: e.ManifestVersion, Method: string(e.Method), HouseholdID: e.HouseholdID})
		}
	}
	return out
}

func countType(es []hearth.LedgerEntry, t hearth.EntryType) int {
	n := 0
	for _, e := range es {
		if e.Type == t {
			n++
		}
	}
	return n
}

func consentLines(state map[string]consent.PurposeState) []consentLine {
	var out []consentLine
	for purpose, st := range state {
		out = append(out, consentLine{Purpose: purpose, Status: string(st.Status), Time: st.Time})
	}
	slices.SortFunc(out, func(a, b consentLine) int { return strings.Compare(a.Purpose, b.Purpose) })
	return out
}

// RequestRecord is one entry of rights-requests.json: a rights request
// about the person and its outcome (RIGHT-REQUESTS).
type RequestRecord struct {
	ID            string     `json:"id"`
	Type          string     `json:"type"`
	Scope         string     `json:"scope"`
	HouseholdID   string     `json:"household_id"`
	RequestedBy   string     `json:"requested_by"`
	IdentityCheck string     `json:"identity_check"`
	Status        string     `json:"status"`
	Created       time.Time  `json:"created"`
	Deadline      time.Time  `json:"deadline"`
	Completed     *time.Time `json:"completed,omitempty"`
	Outcome       string     `json:"outcome"`
	// Statement is what the person said with the request, in their own
	// words; absent if they said nothing.
	Statement string `json:"statement,omitempty"`
}

// requestRecords returns the person's rights requests as exported, each
// with its statement opened.
func (s *Service) requestRecords(ctx context.Context, rs []hearth.RightsRequest) ([]RequestRecord, error) {
	out := make([]RequestRecord, 0, len(rs))
	for _, r := range rs {
		text, _, err := s.cfg.Rights.Statement(ctx, &r)
		if err != nil {
			return nil, fmt.Errorf("export rights request %s: %w", r.ID, err)
		}
		rec := RequestRecord{ID: r.ID, Type: string(r.Type), Scope: r.Scope, HouseholdID: r.HouseholdID,
			RequestedBy: r.RequestedBy, IdentityCheck: string(r.IdentityCheck), Status: string(r.Status),
			Created: r.Created.UTC(), Deadline: r.Deadline.UTC(), Outcome: r.Outcome, Statement: text}
		if !r.Completed.IsZero() {
			c := r.Completed.UTC()
			rec.Completed = &c
		}
		out = append(out, rec)
	}
	return out, nil
}

package export_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/export"
)

// give records a consent by the adult for themselves.
func (in *instance) give(t *testing.T, person, purpose string) {
	t.Helper()
	if _, err := in.consents.Give(t.Context(), person, person, purpose, hearth.MethodAPI, ""); err != nil {
		t.Fatalf("Give: %v", err)
	}
}

// importInto opens data and imports it into in.
func (in *instance) importInto(t *testing.T, data []byte, target export.Target) (*export.ImportResult, error) {
	t.Helper()
	a, err := export.Open(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	return in.export.Import(t.Context(), a, target)
}

// counts returns the number of rows of every table an import writes.
func (in *instance) counts(t *testing.T, person string) map[string]int {
	t.Helper()
	ctx := t.Context()
	rs, err := in.store.ReadingsAbout(ctx, person, 0, 100000)
	must(t, err)
	es, err := in.store.LedgerEntries(ctx, 0, 100000)
	must(t, err)
	out := map[string]int{"readings": len(rs), "ledger": len(es)}
	if _, err := in.store.Person(ctx, person); err == nil {
		out["person"] = 1
	}
	if _, err := in.store.Settings(ctx, person); err == nil {
		out["settings"] = 1
	}
	return out
}

// TestExportImportBetweenInstances: RIGHT-PORT: export from A, import into
// B: the same readings (sealed again with B's key) and consents, the
// consents kept as consent-imported evidence with their original hashes;
// a second import changes nothing.
func TestExportImportBetweenInstances(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	want := a.addReadings(t, h, h.adult, 30)
	a.give(t, h.adult, "energy-insights")
	must(t, a.store.PutSettings(t.Context(), &hearth.PersonSettings{PersonID: h.adult, Features: []string{"energy-insights"},
		Restricted: []string{"device-security"}, ObjectMarketing: true, Updated: a.now}))
	data := a.write(t, h.adult)

	res, err := b.importInto(t, data, export.Target{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.AlreadyImported || res.Readings != int64(len(want)) {
		t.Errorf("Import = %+v, want %d readings newly imported", res, len(want))
	}
	// B's own export of the person holds the same readings, byte for byte.
	if got := readingsIn(t, b.write(t, h.adult)); !cmp.Equal(got, want) {
		t.Errorf("readings on B differ from A's:\n%s", cmp.Diff(want, got))
	}
	// RIGHT-RECTIFY: a disputed reading stays disputed.
	disputed := func(in *instance) (n int) {
		rs, err := in.store.ReadingsAbout(t.Context(), h.adult, 0, 1000)
		must(t, err)
		for _, r := range rs {
			if r.Disputed {
				n++
			}
		}
		return n
	}
	if da, db := disputed(a), disputed(b); da == 0 || da != db {
		t.Errorf("%d disputed readings on A, %d on B; want the same, and some", da, db)
	}
	stA, err := a.consents.State(t.Context(), h.adult)
	must(t, err)
	stB, err := b.consents.State(t.Context(), h.adult)
	must(t, err)
	ignoreSeq := cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".Seq" }, cmp.Ignore())
	if d := cmp.Diff(stA, stB, ignoreSeq); d != "" {
		t.Errorf("consents on B differ from A's (-A +B):\n%s", d)
	}
	rA, err := a.consents.Receipts(t.Context(), h.adult)
	must(t, err)
	rB, err := b.consents.Receipts(t.Context(), h.adult)
	must(t, err)
	if d := cmp.Diff(rA, rB); d != "" || len(rA) != 1 {
		t.Errorf("receipts on B differ from A's (-A +B), or not one receipt:\n%s", d)
	}
	// The evidence: each imported entry carries the original hash.
	esA, err := a.store.LedgerEntriesFor(t.Context(), h.adult)
	must(t, err)
	esB, err := b.store.LedgerEntriesFor(t.Context(), h.adult)
	must(t, err)
	if len(esA) != len(esB) {
		t.Fatalf("B holds %d ledger entries, A %d", len(esB), len(esA))
	}
	for i := range esB {
		var d export.ImportedDetails
		must(t, json.Unmarshal(esB[i].Details, &d))
		if esB[i].Type != hearth.EntryConsentImported || d.OriginalHash != hexOf(esA[i].Hash) || d.Type != string(esA[i].Type) {
			t.Errorf("entry %d on B: type %s, original %s %s; want consent-imported of %s %x", i, esB[i].Type, d.Type, d.OriginalHash, esA[i].Type, esA[i].Hash)
		}
	}
	st, err := b.store.Settings(t.Context(), h.adult)
	must(t, err)
	if !cmp.Equal(st.Features, []string{"energy-insights"}) || !cmp.Equal(st.Restricted, []string{"device-security"}) || !st.ObjectMarketing {
		t.Errorf("settings on B: %+v, want the feature, the restriction and the marketing objection", st)
	}

	before := b.counts(t, h.adult)
	res, err = b.importInto(t, data, export.Target{})
	if err != nil || !res.AlreadyImported {
		t.Errorf("second Import = %+v, %v; want already imported", res, err)
	}
	if after := b.counts(t, h.adult); !cmp.Equal(before, after) {
		t.Errorf("a second import changed B: %v, then %v", before, after)
	}
}

// TestImportIntoHousehold: an owner restores a person into their own
// household; anyone else may not (RIGHT-PORT).
func TestImportIntoHousehold(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.addReadings(t, h, h.adult, 6)
	data := a.write(t, h.adult)
	hb := b.newHome(t)
	_, err := b.importInto(t, data, export.Target{Actor: hb.adult, HouseholdID: hb.hh})
	if hearth.ErrorCode(err) != hearth.EFORBIDDEN {
		t.Errorf("import by an adult = %v, want forbidden", err)
	}
	_, err = b.importInto(t, data, export.Target{Actor: "p_stranger", HouseholdID: hb.hh})
	if hearth.ErrorCode(err) != hearth.ENOTFOUND {
		t.Errorf("import by a non-member = %v, want not found", err)
	}
	res, err := b.importInto(t, data, export.Target{Actor: hb.owner, HouseholdID: hb.hh})
	if err != nil || res.Readings != 6 {
		t.Fatalf("import by the owner = %+v, %v", res, err)
	}
	m, err := b.store.Member(t.Context(), hb.hh, h.adult)
	if err != nil || m.Role != hearth.RoleAdult {
		t.Errorf("restored membership %+v, %v; want an adult of the household", m, err)
	}
	rs, err := b.store.ReadingsAbout(t.Context(), h.adult, 0, 0)
	must(t, err)
	for _, r := range rs {
		if r.HouseholdID != hb.hh {
			t.Errorf("restored reading in household %s, want %s", r.HouseholdID, hb.hh)
		}
	}
}

// TestImportRefusesBadFiles: a corrupt, truncated, tampered or
// wrong-version export is refused with the exact problem, and changes
// nothing (RIGHT-PORT).
func TestImportRefusesBadFiles(t *testing.T) {
	a := newInstance(t, "alpha")
	h := a.newHome(t)
	a.addReadings(t, h, h.adult, 12)
	a.give(t, h.adult, "energy-insights")
	good := a.write(t, h.adult)
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"not a zip", []byte("hello"), "not a ZIP archive"},
		{"truncated", good[:len(good)/2], "not a ZIP archive, or it is truncated"},
		{"corrupt byte", flipStored(t, good, "readings/humidity.jsonl"), "readings/humidity.jsonl is corrupt: zip: checksum error"},
		{"tampered reading", rewrite(t, good, "readings/humidity.jsonl", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"percent":3`), []byte(`"percent":9`), 1)
		}), "readings/humidity.jsonl does not match its SHA-256 digest in export.json: it was altered"},
		{"tampered consent, digest fixed", rewriteFixed(t, good, "consents/ledger.jsonl", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"method":"api"`), []byte(`"method":"web"`), 1)
		}), "consents/ledger.jsonl line 1 does not match its hash: the consent record was altered"},
		{"wrong version", rewrite(t, good, "export.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1)
		}), "export format version 2 is not supported: this Hearth reads version 1"},
		{"not an export", rewrite(t, good, "export.json", func(b []byte) []byte {
			return bytes.Replace(b, []byte(`"hearth-export"`), []byte(`"other"`), 1)
		}), `export.json says format "other": this is not a Hearth export`},
		{"file removed", without(t, good, "settings.json"), "settings.json is missing from the archive"},
		{"file added", with(t, good, "extra.txt", []byte("x")), "extra.txt is in the archive but not in export.json"},
		{"no export.json", without(t, good, "export.json"), "export.json is missing: this is not a Hearth export"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newInstance(t, "bravo")
			before := b.counts(t, h.adult)
			_, err := b.importInto(t, tt.data, export.Target{})
			if hearth.ErrorCode(err) != hearth.EINVALID || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("import = %v, want EINVALID containing %q", err, tt.want)
			}
			if after := b.counts(t, h.adult); !cmp.Equal(before, after) {
				t.Errorf("a refused import changed the store: %v, then %v", before, after)
			}
		})
	}
}

func hexOf(b []byte) string { return hex.EncodeToString(b) }

// entries returns the archive's files, in order, uncompressed.
func entries(t *testing.T, data []byte) ([]string, map[string][]byte) {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	var names []string
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		must(t, err)
		rc.Close()
		names, files[f.Name] = append(names, f.Name), b
	}
	return names, files
}

// build writes files into a new archive, in names' order; method Store
// when stored is true.
func build(t *testing.T, names []string, files map[string][]byte, stored bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		method := zip.Deflate
		if stored {
			method = zip.Store
		}
		w, err := zw.CreateHeader(&zip.FileHeader{Name: n, Method: method})
		must(t, err)
		_, err = w.Write(files[n])
		must(t, err)
	}
	must(t, zw.Close())
	return buf.Bytes()
}

// rewrite changes one file without touching export.json.
func rewrite(t *testing.T, data []byte, name string, f func([]byte) []byte) []byte {
	t.Helper()
	names, files := entries(t, data)
	changed := f(files[name])
	if bytes.Equal(changed, files[name]) {
		t.Fatalf("rewrite of %s changed nothing", name)
	}
	files[name] = changed
	return build(t, names, files, false)
}

// rewriteFixed changes one file and fixes its digest and size in
// export.json, as a careful forger would.
func rewriteFixed(t *testing.T, data []byte, name string, f func([]byte) []byte) []byte {
	t.Helper()
	names, files := entries(t, data)
	old := files[name]
	files[name] = f(old)
	if bytes.Equal(files[name], old) {
		t.Fatalf("rewrite of %s changed nothing", name)
	}
	var meta export.Metadata
	must(t, json.Unmarshal(files["export.json"], &meta))
	for i := range meta.Files {
		if meta.Files[i].Path == name {
			sum := sha256Hex(files[name])
			meta.Files[i].SHA256, meta.Files[i].Bytes = sum, int64(len(files[name]))
		}
	}
	var err error
	files["export.json"], err = json.Marshal(meta)
	must(t, err)
	return build(t, names, files, false)
}

// flipStored rebuilds the archive uncompressed and flips a byte inside
// one file's data, so the ZIP's CRC no longer matches.
func flipStored(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	names, files := entries(t, data)
	marker := append([]byte(nil), files[name][:40]...)
	out := build(t, names, files, true)
	i := bytes.Index(out, marker)
	if i < 0 {
		t.Fatalf("cannot find %s in the stored archive", name)
	}
	out[i+20] ^= 0x01
	return out
}

func without(t *testing.T, data []byte, name string) []byte {
	t.Helper()
	names, files := entries(t, data)
	var keep []string
	for _, n := range names {
		if n != name {
			keep = append(keep, n)
		}
	}
	return build(t, keep, files, false)
}

func with(t *testing.T, data []byte, name string, content []byte) []byte {
	t.Helper()
	names, files := entries(t, data)
	files[name] = content
	return build(t, append(names, name), files, false)
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestImportFromUpload: an upload is spooled encrypted and read back at
// any offset; one over the limit is refused as too large.
func TestImportFromUpload(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.addReadings(t, h, h.adult, 25)
	data := a.write(t, h.adult)
	hb := b.newHome(t)
	_, err := b.export.ImportFrom(t.Context(), bytes.NewReader(data), int64(len(data)-1), export.Target{Actor: hb.owner, HouseholdID: hb.hh})
	if hearth.ErrorCode(err) != hearth.ETOOLARGE {
		t.Errorf("ImportFrom over the limit = %v, want too large", err)
	}
	res, err := b.export.ImportFrom(t.Context(), bytes.NewReader(data), int64(len(data)), export.Target{Actor: hb.owner, HouseholdID: hb.hh})
	if err != nil || res.Readings != 25 {
		t.Errorf("ImportFrom = %+v, %v; want 25 readings", res, err)
	}
}

// TestImportLeavesOutExpiredReadings: a reading already past its
// category's retention on the importing instance is not stored (RETENTION),
// and the result counts it.
func TestImportLeavesOutExpiredReadings(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.addReadings(t, h, h.adult, 12) // two per category; occupancy is kept 30 days, the rest 90 days or more
	data := a.write(t, h.adult)
	b.now = a.now.Add(60 * 24 * time.Hour)
	res, err := b.importInto(t, data, export.Target{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Readings != 10 || res.Expired != 2 {
		t.Errorf("Import = %d readings, %d expired; want 10 and the 2 occupancy readings", res.Readings, res.Expired)
	}
	rs, err := b.store.ReadingsAbout(t.Context(), h.adult, 0, 0)
	must(t, err)
	for _, r := range rs {
		if r.Category == "occupancy" {
			t.Errorf("occupancy reading %s stored past its 30-day retention", r.MsgID)
		}
	}
}

// TestImportLeavesOutUndeclared: a reading whose values hold a field the
// importing instance's manifest does not declare is not stored, even from
// an archive whose digests are right (MIN-GATE, RIGHT-PORT); the result
// counts it.
func TestImportLeavesOutUndeclared(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.addReadings(t, h, h.adult, 12) // two per category
	data := rewriteFixed(t, a.write(t, h.adult), "readings/humidity.jsonl", func(b []byte) []byte {
		return bytes.Replace(b, []byte(`"percent":`), []byte(`"bpm":131,"percent":`), 1)
	})
	res, err := b.importInto(t, data, export.Target{})
	if err != nil {
		t.Fatalf("Import: %v", err)
	}
	if res.Readings != 11 || res.Undeclared != 1 {
		t.Errorf("Import = %d readings, %d undeclared; want 11 and 1", res.Readings, res.Undeclared)
	}
	rs, err := b.store.ReadingsAbout(t.Context(), h.adult, 0, 0)
	must(t, err)
	if len(rs) != 11 {
		t.Errorf("stored %d readings, want 11", len(rs))
	}
}

// TestImportChildGetsGuardian: a child restored into another household
// gets the importing owner as guardian, so someone can consent and act for
// them there (CONSENT-CHILD, RIGHT-PORT).
func TestImportChildGetsGuardian(t *testing.T) {
	a, b := newInstance(t, "alpha"), newInstance(t, "bravo")
	h := a.newHome(t)
	a.addReadings(t, h, h.child, 6)
	data := a.write(t, h.child)
	hb := b.newHome(t)
	if _, err := b.importInto(t, data, export.Target{Actor: hb.owner, HouseholdID: hb.hh}); err != nil {
		t.Fatalf("import by the owner: %v", err)
	}
	m, err := b.store.Member(t.Context(), hb.hh, h.child)
	if err != nil || m.Role != hearth.RoleChild || m.GuardianID != hb.owner {
		t.Errorf("restored membership %+v, %v; want a child guarded by the importing owner %s", m, err, hb.owner)
	}
}

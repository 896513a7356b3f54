package export

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ledger"
)

// Limits of what Open reads, so that a hostile archive cannot exhaust
// memory: the JSON files other than readings are read whole.
const (
	MaxFiles        = 1024     // files in an archive
	MaxRecordsFile  = 64 << 20 // bytes of profile, settings and ledger files
	MaxLine         = 1 << 20  // bytes of one line of a .jsonl file
	MaxUncompressed = 64 << 30 // bytes of all files together, uncompressed
	maxMetadataSize = 4 << 20  // bytes of export.json
)

// Archive is an export opened and verified by Open: every file matches
// export.json, and the person's records are decoded. Readings are read
// again, line by line, when imported.
type Archive struct {
	Meta     Metadata
	Profile  Profile
	Settings SettingsRecord
	Ledger   []LedgerRecord
	// Readings counts the readings per category (the file name's stem).
	Readings map[string]int64

	files map[string]*zip.File
}

// invalid returns the EINVALID error an import is refused with.
func invalid(format string, args ...any) error {
	return hearth.Errorf(hearth.EINVALID, format, args...)
}

// Open reads and verifies an export (RIGHT-PORT): the ZIP's structure, the
// format and its version, every file's size and SHA-256 against
// export.json (no file missing, none added), every ledger entry's hash,
// and every line of every readings file. It reads the archive but keeps
// only the person's records in memory, not the readings.
//
// Errors: EINVALID naming the exact problem for a corrupt, truncated,
// tampered or wrong-version file.
func Open(r io.ReaderAt, size int64) (*Archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, invalid("the file is not a ZIP archive, or it is truncated: %v", err)
	}
	a := &Archive{files: map[string]*zip.File{}, Readings: map[string]int64{}}
	if len(zr.File) > MaxFiles {
		return nil, invalid("the archive holds %d files; an export holds at most %d", len(zr.File), MaxFiles)
	}
	for _, f := range zr.File {
		if _, dup := a.files[f.Name]; dup {
			return nil, invalid("the archive holds %s twice", f.Name)
		}
		a.files[f.Name] = f
	}
	if err := a.readMetadata(); err != nil {
		return nil, err
	}
	if err := a.verifyFiles(); err != nil {
		return nil, err
	}
	if err := a.readRecords(); err != nil {
		return nil, err
	}
	return a, a.EachReading(func(string, *ReadingRecord) error { return nil })
}

// readMetadata decodes and checks export.json.
func (a *Archive) readMetadata() error {
	f, ok := a.files[MetadataFile]
	if !ok {
		return invalid("%s is missing: this is not a Hearth export, or it is truncated", MetadataFile)
	}
	b, err := readAll(f, maxMetadataSize)
	if err != nil {
		return err
	}
	if err := decodeStrict(b, &a.Meta); err != nil {
		return invalid("%s is not valid: %v", MetadataFile, err)
	}
	m := &a.Meta
	switch {
	case m.Format != Format:
		return invalid("%s says format %q: this is not a Hearth export", MetadataFile, m.Format)
	case m.FormatVersion != FormatVersion:
		return invalid("export format version %d is not supported: this Hearth reads version %d", m.FormatVersion, FormatVersion)
	case m.ExportID == "" || m.PersonID == "":
		return invalid("%s names no export ID or person", MetadataFile)
	}
	return nil
}

// verifyFiles checks that the archive holds exactly the files export.json
// lists, each with its size and SHA-256.
func (a *Archive) verifyFiles() error {
	listed := map[string]bool{MetadataFile: true}
	var total int64
	for _, fi := range a.Meta.Files {
		if listed[fi.Path] {
			return invalid("%s lists %s twice", MetadataFile, fi.Path)
		}
		listed[fi.Path] = true
		f, ok := a.files[fi.Path]
		if !ok {
			return invalid("%s is missing from the archive: it is truncated or was altered", fi.Path)
		}
		if total += fi.Bytes; fi.Bytes < 0 || total > MaxUncompressed {
			return invalid("%s says the files hold more than %d bytes: an export is at most that", MetadataFile, int64(MaxUncompressed))
		}
		if err := verifyFile(f, fi); err != nil {
			return err
		}
		if stem, ok := strings.CutPrefix(fi.Path, readingsDir); ok && strings.HasSuffix(stem, ".jsonl") {
			a.Readings[strings.TrimSuffix(stem, ".jsonl")] = 0
		}
	}
	for name := range a.files {
		if !listed[name] {
			return invalid("%s is in the archive but not in %s: the archive was altered", name, MetadataFile)
		}
	}
	for _, name := range []string{fileProfile, fileSettings, fileLedger} {
		if !listed[name] {
			return invalid("%s is missing: this export is incomplete", name)
		}
	}
	return nil
}

// verifyFile checks one file's size and digest.
func verifyFile(f *zip.File, fi FileInfo) error {
	rc, err := f.Open()
	if err != nil {
		return invalid("%s cannot be read: %v", fi.Path, err)
	}
	defer rc.Close()
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(rc, fi.Bytes+1))
	if err != nil {
		return invalid("%s is corrupt: %v", fi.Path, err)
	}
	if n != fi.Bytes {
		return invalid("%s holds %d bytes where %s says %d: it is truncated or was altered", fi.Path, n, MetadataFile, fi.Bytes)
	}
	if hex.EncodeToString(h.Sum(nil)) != fi.SHA256 {
		return invalid("%s does not match its SHA-256 digest in %s: it was altered", fi.Path, MetadataFile)
	}
	return nil
}

// readRecords decodes the profile, settings and ledger, and checks every
// ledger entry's hash.
func (a *Archive) readRecords() error {
	for _, f := range []struct {
		path string
		v    any
	}{{fileProfile, &a.Profile}, {fileSettings, &a.Settings}} {
		b, err := readAll(a.files[f.path], MaxRecordsFile)
		if err != nil {
			return err
		}
		if err := decodeStrict(b, f.v); err != nil {
			return invalid("%s is not valid: %v", f.path, err)
		}
	}
	if a.Profile.Person.ID != a.Meta.PersonID {
		return invalid("%s is about another person than %s", fileProfile, MetadataFile)
	}
	return a.eachLine(fileLedger, func(line int, b []byte) error {
		var rec LedgerRecord
		if err := decodeStrict(b, &rec); err != nil {
			return invalid("%s line %d is not valid: %v", fileLedger, line, err)
		}
		if rec.Person != a.Meta.PersonID {
			return invalid("%s line %d is about another person", fileLedger, line)
		}
		e, err := rec.entry()
		if err != nil {
			return invalid("%s line %d: %v", fileLedger, line, err)
		}
		if !bytes.Equal(ledger.Hash(&e), e.Hash) {
			return invalid("%s line %d does not match its hash: the consent record was altered", fileLedger, line)
		}
		a.Ledger = append(a.Ledger, rec)
		return nil
	})
}

// entry returns the ledger entry the record holds.
func (rec *LedgerRecord) entry() (hearth.LedgerEntry, error) {
	prev, err1 := hex.DecodeString(rec.PrevHash)
	h, err2 := hex.DecodeString(rec.Hash)
	if err := errors.Join(err1, err2); err != nil {
		return hearth.LedgerEntry{}, fmt.Errorf("a hash is not hex: %w", err)
	}
	return hearth.LedgerEntry{Seq: rec.Seq, Time: rec.Time, Type: hearth.EntryType(rec.Type), Person: rec.Person,
		Purpose: rec.Purpose, HouseholdID: rec.HouseholdID, ManifestVersion: rec.ManifestVersion,
		NoticeVersion: rec.NoticeVersion, Method: hearth.Method(rec.Method), Actor: rec.Actor,
		Statement: rec.Statement, Details: rec.Details, PrevHash: prev, Hash: h}, nil
}

// EachReading calls fn with every reading of the archive, category by
// category, after checking it: the line is valid, its category is the
// file's, and it has a device, message ID, time and values object.
func (a *Archive) EachReading(fn func(category string, r *ReadingRecord) error) error {
	for cat := range a.Readings {
		path := readingsDir + cat + ".jsonl"
		var n int64
		err := a.eachLine(path, func(line int, b []byte) error {
			var r ReadingRecord
			if err := decodeStrict(b, &r); err != nil {
				return invalid("%s line %d is not valid: %v", path, line, err)
			}
			switch {
			case r.Category != cat:
				return invalid("%s line %d is a reading of category %q", path, line, r.Category)
			case r.DeviceID == "" || r.MsgID == "" || r.Time.IsZero():
				return invalid("%s line %d lacks its device, message ID or time", path, line)
			case len(r.Values) == 0 || r.Values[0] != '{':
				return invalid("%s line %d: values must be a JSON object", path, line)
			case len(r.Values) > hearth.MaxReadingSize:
				return invalid("%s line %d: values are over %d bytes", path, line, hearth.MaxReadingSize)
			}
			n++
			return fn(cat, &r)
		})
		if err != nil {
			return err
		}
		a.Readings[cat] = n
	}
	return nil
}

// eachLine calls fn with every line of a .jsonl file, numbered from 1.
func (a *Archive) eachLine(path string, fn func(line int, b []byte) error) error {
	rc, err := a.files[path].Open()
	if err != nil {
		return invalid("%s cannot be read: %v", path, err)
	}
	defer rc.Close()
	sc := bufio.NewScanner(rc)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	line := 0
	for sc.Scan() {
		line++
		if err := fn(line, sc.Bytes()); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return invalid("%s after line %d cannot be read: %v", path, line, err)
	}
	return nil
}

// readAll reads a whole file of at most limit bytes.
func readAll(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("%s cannot be read: %v", f.Name, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, invalid("%s is corrupt: %v", f.Name, err)
	}
	if int64(len(b)) > limit {
		return nil, invalid("%s is over %d bytes", f.Name, limit)
	}
	return b, nil
}

// decodeStrict decodes one JSON value, refusing unknown fields and
// anything after the value.
func decodeStrict(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

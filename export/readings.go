package export

import (
	"bufio"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/hearth-iot/hearth"
)

// csvHeader is the first row of every readings/CATEGORY.csv.
var csvHeader = []string{"id", "time", "received", "category", "device_id", "device_model", "msg_id",
	"household_id", "inferred", "source", "disputed", "values"}

// spool is a temporary file that holds one file of the archive while the
// readings are read in ID order, their categories interleaved. It is
// encrypted with AES-CTR under a random key that only this process holds,
// so the plaintext never reaches the disk, and it is removed when closed.
type spool struct {
	f       *os.File
	key, iv []byte
	buf     *bufio.Writer
	records int64
}

func newSpool(dir string) (*spool, error) {
	f, err := os.CreateTemp(dir, "hearth-export-*")
	if err != nil {
		return nil, fmt.Errorf("create export spool: %w", err)
	}
	sp := &spool{f: f, key: make([]byte, 32), iv: make([]byte, aes.BlockSize)}
	rand.Read(sp.key)
	rand.Read(sp.iv)
	stream, err := sp.stream()
	if err != nil {
		sp.close()
		return nil, err
	}
	sp.buf = bufio.NewWriterSize(cipher.StreamWriter{S: stream, W: f}, 64<<10)
	return sp, nil
}

func (sp *spool) stream() (cipher.Stream, error) {
	block, err := aes.NewCipher(sp.key)
	if err != nil {
		return nil, fmt.Errorf("export spool cipher: %w", err)
	}
	return cipher.NewCTR(block, sp.iv), nil
}

// copyTo flushes the spool and copies its plaintext to w.
func (sp *spool) copyTo(w io.Writer) error {
	if err := sp.buf.Flush(); err != nil {
		return fmt.Errorf("flush export spool: %w", err)
	}
	if _, err := sp.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("rewind export spool: %w", err)
	}
	stream, err := sp.stream()
	if err != nil {
		return err
	}
	_, err = io.Copy(w, cipher.StreamReader{S: stream, R: sp.f})
	return err
}

func (sp *spool) close() {
	sp.f.Close()
	os.Remove(sp.f.Name())
}

// categorySpools are the JSON Lines and CSV spools of one category.
type categorySpools struct {
	lines, table *spool
	csv          *csv.Writer
}

// readingWriter turns readings into lines of their category's files.
type readingWriter struct {
	s       *Service
	dir     string
	cats    map[string]*categorySpools
	models  map[string]string // device ID → model ID, bounded by maxModels
	line    []byte
	row     []string
	written int64
}

const maxModels = 4096

// writeReadings reads every reading about personID page by page, opens it
// and spools it into its category's files, then copies the spools into the
// archive in category order. It returns the count per category.
func (s *Service) writeReadings(ctx context.Context, a *archive, personID string, now time.Time, progress Progress) (map[string]int64, error) {
	rw := &readingWriter{s: s, dir: s.cfg.TempDir, cats: map[string]*categorySpools{}, models: map[string]string{},
		row: make([]string, len(csvHeader))}
	defer rw.close()
	var after int64
	for {
		page, err := s.cfg.Store.ReadingsAbout(ctx, personID, after, s.cfg.PageSize)
		if err != nil {
			return nil, fmt.Errorf("export readings: %w", err)
		}
		for i := range page {
			if err := rw.write(ctx, &page[i]); err != nil {
				return nil, err
			}
		}
		if progress != nil && len(page) > 0 {
			progress(rw.written)
		}
		if len(page) < s.cfg.PageSize {
			break
		}
		after = page[len(page)-1].ID
	}
	return rw.flush(a, now)
}

// write opens r and appends it to its category's spools.
func (rw *readingWriter) write(ctx context.Context, r *hearth.Reading) error {
	values, err := rw.s.cfg.Keys.Open(ctx, r.Sealed, r.AAD())
	if err != nil {
		// Whatever the cause (a damaged row, a destroyed key), the export
		// cannot be complete: a fault of the store, not of the request.
		return &hearth.Error{Code: hearth.EINTERNAL, Message: "a reading could not be opened",
			Err: fmt.Errorf("open reading %d: %w", r.ID, err)}
	}
	cs, err := rw.category(r.Category)
	if err != nil {
		return err
	}
	model, err := rw.model(ctx, r.DeviceID)
	if err != nil {
		return err
	}
	source := ""
	if r.Inferred {
		source = inferenceSource(r.DeviceID, model)
	}
	rw.line = appendReading(rw.line[:0], r, model, source, values)
	if _, err := cs.lines.buf.Write(rw.line); err != nil {
		return fmt.Errorf("spool reading: %w", err)
	}
	cs.lines.records++
	rw.row = append(rw.row[:0], strconv.FormatInt(r.ID, 10), r.Time.UTC().Format(time.RFC3339Nano),
		r.Received.UTC().Format(time.RFC3339Nano), r.Category, r.DeviceID, model, r.MsgID, r.HouseholdID,
		strconv.FormatBool(r.Inferred), source, strconv.FormatBool(r.Disputed), string(values))
	if err := cs.csv.Write(rw.row); err != nil {
		return fmt.Errorf("spool reading: %w", err)
	}
	cs.table.records++
	rw.written++
	return nil
}

// inferenceSource says what made an inference (ACCURACY-INFERRED).
func inferenceSource(deviceID, model string) string {
	return "inferred by device " + deviceID + " (model " + model + "): a statistically informed guess, not a measurement"
}

// category returns the spools of a category, creating them on first use.
func (rw *readingWriter) category(id string) (*categorySpools, error) {
	if cs, ok := rw.cats[id]; ok {
		return cs, nil
	}
	lines, err := newSpool(rw.dir)
	if err != nil {
		return nil, err
	}
	table, err := newSpool(rw.dir)
	if err != nil {
		lines.close()
		return nil, err
	}
	cs := &categorySpools{lines: lines, table: table, csv: csv.NewWriter(table.buf)}
	rw.cats[id] = cs
	if err := cs.csv.Write(csvHeader); err != nil {
		return nil, fmt.Errorf("spool csv header: %w", err)
	}
	return cs, nil
}

// model returns the model ID of a device, "" for one no longer stored.
func (rw *readingWriter) model(ctx context.Context, deviceID string) (string, error) {
	if m, ok := rw.models[deviceID]; ok {
		return m, nil
	}
	d, err := rw.s.cfg.Store.Device(ctx, deviceID)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		d = &hearth.Device{}
	case err != nil:
		return "", fmt.Errorf("export device: %w", err)
	}
	if len(rw.models) >= maxModels {
		clear(rw.models)
	}
	rw.models[deviceID] = d.Model
	return d.Model, nil
}

// flush copies every category's spools into the archive, categories in ID
// order, and returns the count per category.
func (rw *readingWriter) flush(a *archive, now time.Time) (map[string]int64, error) {
	counts := map[string]int64{}
	ids := make([]string, 0, len(rw.cats))
	for id := range rw.cats {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		cs := rw.cats[id]
		counts[id] = cs.lines.records
		cs.csv.Flush()
		if err := cs.csv.Error(); err != nil {
			return nil, fmt.Errorf("spool csv: %w", err)
		}
		for _, f := range []struct {
			ext string
			sp  *spool
		}{{".jsonl", cs.lines}, {".csv", cs.table}} {
			if err := a.add(readingsDir+id+f.ext, now, func(w io.Writer) (int64, error) {
				return f.sp.records, f.sp.copyTo(w)
			}); err != nil {
				return nil, err
			}
		}
	}
	return counts, nil
}

func (rw *readingWriter) close() {
	for _, cs := range rw.cats {
		cs.lines.close()
		cs.table.close()
	}
}

// appendReading appends r's JSON line to b. The values are appended as
// they were stored (the compact JSON the device sent), so they come out
// byte for byte; values that are not valid JSON (stored before the parser
// checked them) are appended as a JSON string instead.
func appendReading(b []byte, r *hearth.Reading, model, source string, values []byte) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendInt(b, r.ID, 10)
	b = appendField(b, "category", r.Category)
	b = append(b, `,"time":"`...)
	b = r.Time.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","received":"`...)
	b = r.Received.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	b = appendField(b, "device_id", r.DeviceID)
	if model != "" {
		b = appendField(b, "device_model", model)
	}
	b = appendField(b, "msg_id", r.MsgID)
	b = appendField(b, "household_id", r.HouseholdID)
	b = append(b, `,"inferred":`...)
	b = strconv.AppendBool(b, r.Inferred)
	if source != "" {
		b = appendField(b, "source", source)
	}
	if r.Disputed {
		b = append(b, `,"disputed":true`...)
	}
	b = append(b, `,"values":`...)
	if json.Valid(values) {
		b = append(b, values...)
	} else {
		b = appendString(b, string(values))
	}
	return append(b, "}\n"...)
}

// appendField appends ,"name":"value".
func appendField(b []byte, name, value string) []byte {
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return appendString(b, value)
}

// appendString appends s as a JSON string: directly when it is printable
// ASCII without quotes or backslashes (every ID Hearth makes), else through
// encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

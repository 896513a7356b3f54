package main

import (
	"context"
	"database/sql"
	"io"
	"path/filepath"
	"time"

	"github.com/hearth-iot/hearth/sqlite"
)

// The export measurements. Another file may register more in its own init
// function, such as an erasure of the person; each gets a row per person in
// the report.
func init() {
	measurements["select"] = measureSelect
	measurements["export"] = measureExport
}

// measureSelect reads every reading about person with one raw SQL SELECT
// on a connection of its own, scanning each column (the sealed values
// included) and opening nothing: the floor an export cannot go below.
func measureSelect(ctx context.Context, s *benchStore, person string) (result, error) {
	db, err := sql.Open("sqlite", filepath.Join(s.dir, sqlite.DataFile)+"?_pragma=query_only(ON)")
	if err != nil {
		return result{}, err
	}
	defer db.Close()
	start := time.Now()
	rows, err := db.QueryContext(ctx, `SELECT id, device_id, household_id, person_id, category, msg_id, time, received, inferred, sealed
		FROM readings WHERE person_id = ? ORDER BY id`, person)
	if err != nil {
		return result{}, err
	}
	defer rows.Close()
	var r result
	var id, t, recv int64
	var dev, hh, p, cat, msg string
	var inferred bool
	var sealed []byte
	for rows.Next() {
		if err := rows.Scan(&id, &dev, &hh, &p, &cat, &msg, &t, &recv, &inferred, &sealed); err != nil {
			return result{}, err
		}
		r.Rows++
		r.Bytes += int64(len(sealed))
	}
	if err := rows.Err(); err != nil {
		return result{}, err
	}
	r.Elapsed = time.Since(start)
	return r, nil
}

// countWriter counts the bytes written to it and discards them, as a
// download to a fast client would.
type countWriter struct{ n int64 }

func (w *countWriter) Write(p []byte) (int, error) { w.n += int64(len(p)); return len(p), nil }

var _ io.Writer = (*countWriter)(nil)

// measureExport writes person's whole export (export.Service.Write: every
// reading opened, JSON Lines and CSV per category, the ZIP compressed).
func measureExport(ctx context.Context, s *benchStore, person string) (result, error) {
	w := &countWriter{}
	start := time.Now()
	meta, err := s.export.Write(ctx, w, person, nil)
	if err != nil {
		return result{}, err
	}
	r := result{Elapsed: time.Since(start), Bytes: w.n}
	for _, f := range meta.Files {
		if filepath.Dir(f.Path) == "readings" && filepath.Ext(f.Path) == ".jsonl" {
			r.Rows += f.Records
		}
	}
	return r, nil
}

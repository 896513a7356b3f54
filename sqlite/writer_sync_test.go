package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// TestDeleteReadingsLeavesWriterFull shows that DeleteReadings, which
// commits without a sync of its own, hands the writer back with
// synchronous=FULL, so that ingestion's next commit is synced before it is
// acknowledged, and that the deletion is in the database once the log is
// checkpointed (RIGHT-ERASE).
func TestDeleteReadingsLeavesWriterFull(t *testing.T) {
	dir := t.TempDir()
	db, err := Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	ctx := context.Background()
	now := time.Unix(1_700_000_000, 0).UTC()
	var rs []hearth.Reading
	for i := range 10 {
		rs = append(rs, hearth.Reading{DeviceID: "dev", HouseholdID: "hh", PersonID: "p", Category: "room-temperature",
			MsgID: fmt.Sprint(i), Time: now, Received: now, Sealed: []byte("sealed")})
	}
	if _, err := db.InsertReadings(ctx, rs); err != nil {
		t.Fatalf("InsertReadings: %v", err)
	}
	for _, tt := range []struct {
		limit int
		want  int64
	}{{4, 4}, {100, 6}, {100, 0}} {
		n, err := db.DeleteReadings(ctx, hearth.ErasureFilter{PersonID: "p"}, tt.limit)
		if err != nil || n != tt.want {
			t.Fatalf("DeleteReadings(limit %d) = %d, %v; want %d", tt.limit, n, err, tt.want)
		}
		var sync int
		if err := db.data.w.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
			t.Fatalf("PRAGMA synchronous: %v", err)
		}
		if sync != 2 {
			t.Errorf("after DeleteReadings(limit %d) the writer has synchronous=%d, want 2 (FULL)", tt.limit, sync)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	db, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer db.Close()
	if n, err := db.CountReadings(ctx, hearth.ErasureFilter{PersonID: "p"}); err != nil || n != 0 {
		t.Errorf("after reopening, %d readings left, %v; want 0", n, err)
	}
}

// TestCheckpointerRoundStartsLogOver shows that a round of the background
// checkpointer on a log of restartFrames pages or more ends with the
// checkpoint on the writer, after which the next commit starts the log
// over, and that a round on a short log leaves the writer alone.
func TestCheckpointerRoundStartsLogOver(t *testing.T) {
	db, err := Open(t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	ctx := context.Background()
	db.data.ckpt.close() // rounds run by the test only
	w := db.data.w
	if _, err := w.ExecContext(ctx, "PRAGMA wal_autocheckpoint(0); CREATE TABLE probe (b BLOB)"); err != nil {
		t.Fatalf("setup: %v", err)
	}
	logFrames := func() int {
		t.Helper()
		var busy, frames, done int
		if err := db.data.r.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &done); err != nil {
			t.Fatalf("checkpoint: %v", err)
		}
		return frames
	}
	write := func(bytes int) {
		t.Helper()
		if _, err := w.ExecContext(ctx, "INSERT INTO probe VALUES (zeroblob(?))", bytes); err != nil {
			t.Fatalf("write: %v", err)
		}
	}
	for _, tt := range []struct {
		name          string
		bytes         int
		wantRestarted bool
	}{
		{"short log", 4096, false},
		{"long log", (restartFrames + 100) * 4096, true},
	} {
		write(tt.bytes)
		before := logFrames()
		frames, restarted, err := db.data.ckpt.round(ctx)
		if err != nil {
			t.Fatalf("%s: round: %v", tt.name, err)
		}
		if frames != before || restarted != tt.wantRestarted {
			t.Errorf("%s: round = %d pages, restarted %v; want %d, %v", tt.name, frames, restarted, before, tt.wantRestarted)
		}
		if tt.wantRestarted {
			write(10)
			if got := logFrames(); got >= before {
				t.Errorf("%s: after the round and one commit the log has %d pages, want fewer than %d", tt.name, got, before)
			}
		}
	}
}

// TestPacer shows when the background checkpointer runs its next round:
// soon while the log would reach restartFrames within checkpointInterval.
func TestPacer(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	for _, tt := range []struct {
		name      string
		prev      pacer
		elapsed   time.Duration
		frames    int
		restarted bool
		want      time.Duration
	}{
		{"idle", pacer{frames: 10}, time.Second, 10, false, checkpointInterval},
		{"ingestion", pacer{frames: 1000}, time.Second, 3000, false, checkpointInterval},
		{"long log", pacer{frames: 1000}, time.Second, restartFrames, false, busyCheckpointInterval},
		{"fast growth", pacer{}, 100 * time.Millisecond, restartFrames / 5, false, busyCheckpointInterval},
		{"started over, slow", pacer{frames: 3000}, time.Second, 500, false, checkpointInterval},
		{"started over, fast", pacer{frames: restartFrames / 2}, 100 * time.Millisecond, restartFrames / 4, false, busyCheckpointInterval},
		{"restarted by the round", pacer{frames: 3000}, time.Second, restartFrames, true, busyCheckpointInterval},
	} {
		p := tt.prev
		p.last = t0
		if got := p.next(t0.Add(tt.elapsed), tt.frames, tt.restarted); got != tt.want {
			t.Errorf("%s: next = %v, want %v", tt.name, got, tt.want)
		}
		if wantFrames := map[bool]int{true: 0, false: tt.frames}[tt.restarted]; p.frames != wantFrames {
			t.Errorf("%s: pacer keeps %d pages, want %d", tt.name, p.frames, wantFrames)
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestProgressOnTerminal: on a terminal the line is redrawn in place, at
// most every progressEvery (an injected clock decides), and Finish ends it
// with the total.
func TestProgressOnTerminal(t *testing.T) {
	var out strings.Builder
	clock := time.Unix(0, 0)
	p := &progress{w: &out, label: "backing up hearth.db", format: bytesAmount, now: func() time.Time { return clock }}
	p.SetTotal(4 << 20)
	clock = clock.Add(time.Second)
	p.Add(1 << 20)
	p.Add(1 << 20) // not due yet: no redraw
	clock = clock.Add(progressEvery)
	p.Add(2 << 20)
	p.Finish()
	want := "\rbacking up hearth.db: 1.0 MiB of 4.0 MiB (25%)\x1b[K" +
		"\rbacking up hearth.db: 4.0 MiB of 4.0 MiB (100%)\x1b[K" +
		"\rbacking up hearth.db: 4.0 MiB of 4.0 MiB (100%)\x1b[K\n"
	if got := out.String(); got != want {
		t.Errorf("progress output\n%q\nwant\n%q", got, want)
	}
}

// TestProgressQuietOffTerminal: to a pipe, a file or any other writer
// nothing is written, and a nil reporter is quiet too.
func TestProgressQuietOffTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for name, dst := range map[string]interface{ Write([]byte) (int, error) }{"pipe": w, "file": f, "buffer": &b} {
		p := newProgress(dst, "restoring", countAmount("pages"))
		if p.w != nil {
			t.Errorf("%s: progress would be written, want quiet", name)
		}
		p.SetTotal(10)
		p.Writer(&strings.Builder{}).Write([]byte("abc"))
		p.Finish()
	}
	var nilP *progress
	nilP.Add(1)
	nilP.Finish()
	if fi, _ := f.Stat(); fi.Size() != 0 || b.Len() != 0 {
		t.Errorf("quiet progress wrote %d bytes to a file and %d to a buffer", fi.Size(), b.Len())
	}
}

func TestAmounts(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{{0, "0 B"}, {1023, "1023 B"}, {1024, "1.0 KiB"}, {3 << 19, "1.5 MiB"}, {5 << 30, "5.0 GiB"}}
	for _, tt := range tests {
		if got := bytesAmount(tt.n); got != tt.want {
			t.Errorf("bytesAmount(%d) = %q, want %q", tt.n, got, tt.want)
		}
	}
	if got := countAmount("readings")(1234); got != "1234 readings" {
		t.Errorf("countAmount = %q", got)
	}
}

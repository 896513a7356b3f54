package main

import (
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// progressEvery is how often a progress line is redrawn at most: often
// enough to look alive, rarely enough to cost nothing.
const progressEvery = 100 * time.Millisecond

// progress reports how far long command-line work (backup, restore, export,
// import) has got, on one line of a terminal redrawn in place. When its
// writer is not a terminal (a pipe, a file, a service's log) it writes
// nothing at all, so scripts and logs stay clean. It is safe for concurrent
// use; a nil *progress is quiet.
type progress struct {
	mu     sync.Mutex
	w      io.Writer // nil: quiet
	label  string
	format func(int64) string
	total  int64 // 0: unknown
	done   int64
	last   time.Time
	now    func() time.Time
}

// newProgress returns a reporter that writes "label: done of total" to
// stderr if stderr is a terminal, and nothing otherwise. format prints an
// amount, such as bytesAmount or countAmount("readings").
func newProgress(stderr io.Writer, label string, format func(int64) string) *progress {
	p := &progress{label: label, format: format, now: time.Now}
	if isTerminal(stderr) {
		p.w = stderr
	}
	return p
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// SetTotal sets the amount the work will reach; 0 if unknown.
func (p *progress) SetTotal(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.total = n
	p.mu.Unlock()
}

// Add adds n to the amount done and redraws the line if it is due.
func (p *progress) Add(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.draw(false)
}

// Set sets the amount done and redraws the line if it is due.
func (p *progress) Set(n int64) {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = n
	p.draw(false)
}

// Finish draws the final line and ends it.
func (p *progress) Finish() {
	if p == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.draw(true)
	if p.w != nil {
		fmt.Fprintln(p.w)
	}
}

// draw writes the line, if the reporter is not quiet and a redraw is due.
func (p *progress) draw(force bool) {
	if p.w == nil {
		return
	}
	now := p.now()
	if !force && now.Sub(p.last) < progressEvery {
		return
	}
	p.last = now
	line := p.label + ": " + p.format(p.done)
	if p.total > 0 {
		line += fmt.Sprintf(" of %s (%d%%)", p.format(p.total), min(100, p.done*100/p.total))
	}
	fmt.Fprintf(p.w, "\r%s\x1b[K", line) // \x1b[K clears the rest of a longer earlier line
}

// Writer returns a writer that writes to w and adds what it writes to the
// amount done.
func (p *progress) Writer(w io.Writer) io.Writer { return progressWriter{w: w, p: p} }

// progressWriter counts the bytes written through it.
type progressWriter struct {
	w io.Writer
	p *progress
}

func (pw progressWriter) Write(b []byte) (int, error) {
	n, err := pw.w.Write(b)
	pw.p.Add(int64(n))
	return n, err
}

// bytesAmount prints a byte count: 512 B, 3.4 KiB, 12.0 MiB, 1.5 GiB.
func bytesAmount(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit && exp < 3; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGT"[exp])
}

// countAmount returns a format that prints a count of noun: "1234 readings".
func countAmount(noun string) func(int64) string {
	return func(n int64) string { return fmt.Sprintf("%d %s", n, noun) }
}

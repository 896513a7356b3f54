package postgres

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Any notification payload is taken or refused without a panic, and a
// message cut into chunks (as publishChunks cuts it) comes back whole,
// whatever notifications arrived before it, each chunk whole UTF-8.
func FuzzBusAssembler(f *testing.F) {
	f.Add("=hello", "héllo wörld", 5)
	f.Add("+abc 1/2 x", strings.Repeat("€", 40), 4)
	f.Add("+abc 2/2 x", "", 7)
	f.Add("+ 0/0 ", "a", 4)
	f.Add("+id 1/999999999 x", "ab", 4)
	f.Fuzz(func(t *testing.T, before, msg string, n int) {
		var a assembler
		a.add(before) // anything: must not panic
		if !utf8.ValidString(msg) || n < 4 || n > 64 || len(msg) > 4096 {
			return
		}
		ns := chunks("m1", msg, n)
		var got string
		var done bool
		for i, p := range ns {
			body := p[strings.Index(p[1:], " ")+2:]
			body = body[strings.Index(body, " ")+1:]
			if !utf8.ValidString(body) || len(body) > n {
				t.Fatalf("chunk %d %q: over %d bytes or not whole UTF-8", i+1, body, n)
			}
			m, ok, err := a.add(p)
			if err != nil {
				t.Fatalf("chunk %d: %v", i+1, err)
			}
			if ok != (i == len(ns)-1) {
				t.Fatalf("chunk %d of %d: complete = %v", i+1, len(ns), ok)
			}
			got, done = m, ok
		}
		if !done || got != msg {
			t.Fatalf("reassembled %q, want %q", got, msg)
		}
	})
}

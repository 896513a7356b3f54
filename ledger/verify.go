package ledger

import (
	"bytes"
	"context"
	"fmt"
	"iter"

	"github.com/hearth-iot/hearth"
)

// ProblemKind classifies a break in the chain.
type ProblemKind string

// The kinds of problem Verify reports.
const (
	Altered   ProblemKind = "altered"   // an entry's stored fields no longer match its hash, or its hash no longer matches the next entry's link
	Missing   ProblemKind = "missing"   // an entry was removed: a gap in the sequence
	Reordered ProblemKind = "reordered" // an entry is out of its place in the chain
)

// Problem is the first break Verify found: the entry at sequence number Seq
// (its position in the chain) is Kind, and Detail says how it shows.
type Problem struct {
	Seq    int64
	Kind   ProblemKind
	Detail string
}

// Error implements the error interface.
func (p *Problem) Error() string {
	return fmt.Sprintf("ledger entry %d %s: %s", p.Seq, p.Kind, p.Detail)
}

// Verify verifies a chain in format Consent, as Format.Verify does.
func Verify(entries iter.Seq2[hearth.LedgerEntry, error]) (Head, error) {
	return Consent.Verify(entries)
}

// Verify reads entries in order and checks the chain in format f: that sequence numbers
// run 1, 2, 3, ... without gaps or steps back, that each entry's Hash
// matches its fields, and that each entry's PrevHash is the previous
// entry's Hash. It returns the head (the last entry's Seq and Hash) of an
// intact ledger. On the first break it returns a *Problem naming the entry;
// to classify an entry whose hash does not match as Reordered rather than
// Altered, it reads the rest of entries looking for the entry it links to.
// An error from entries is returned wrapped. The cut-off end of a ledger is
// not detectable from the chain alone (see the package documentation).
func (f Format) Verify(entries iter.Seq2[hearth.LedgerEntry, error]) (Head, error) {
	next, stop := iter.Pull2(entries)
	defer stop()
	var head Head
	for {
		e, err, ok := next()
		if !ok {
			return head, nil
		}
		if err != nil {
			return head, fmt.Errorf("read ledger: %w", err)
		}
		if p := f.check(head, &e, next); p != nil {
			return head, p
		}
		head = Head{Seq: e.Seq, Hash: e.Hash, Time: e.Time}
	}
}

// check checks e against the head of the entries before it; next reads
// the rest of the ledger when a mismatch needs classifying.
func (f Format) check(head Head, e *hearth.LedgerEntry, next func() (hearth.LedgerEntry, error, bool)) *Problem {
	switch {
	case e.Seq <= head.Seq:
		return &Problem{Seq: e.Seq, Kind: Reordered, Detail: fmt.Sprintf("it comes after entry %d", head.Seq)}
	case e.Seq > head.Seq+1 && e.Seq == head.Seq+2:
		return &Problem{Seq: head.Seq + 1, Kind: Missing, Detail: fmt.Sprintf("entry %d follows entry %d", e.Seq, head.Seq)}
	case e.Seq > head.Seq+1:
		return &Problem{Seq: head.Seq + 1, Kind: Missing, Detail: fmt.Sprintf("entries %d to %d are gone", head.Seq+1, e.Seq-1)}
	case !bytes.Equal(f.Hash(e), e.Hash):
		return mismatch(e, next)
	case !bytes.Equal(e.PrevHash, head.Hash):
		return &Problem{Seq: head.Seq, Kind: Altered, Detail: fmt.Sprintf("its hash does not match the link stored in entry %d", e.Seq)}
	}
	return nil
}

// mismatch classifies an entry whose hash does not match its fields: if a
// later entry is the one it links to, it was moved (Reordered); otherwise
// it was Altered.
func mismatch(e *hearth.LedgerEntry, next func() (hearth.LedgerEntry, error, bool)) *Problem {
	for {
		f, err, ok := next()
		if !ok || err != nil {
			break
		}
		if len(e.PrevHash) > 0 && bytes.Equal(f.Hash, e.PrevHash) {
			return &Problem{Seq: e.Seq, Kind: Reordered, Detail: fmt.Sprintf("it links to the entry now at position %d", f.Seq)}
		}
	}
	return &Problem{Seq: e.Seq, Kind: Altered, Detail: "its stored fields do not match its hash"}
}

// Entries returns an iterator over every entry of store in order, read in
// pages of pageSize (0 means 1000). It stops after yielding a read error.
func Entries(ctx context.Context, store hearth.LedgerStore, pageSize int) iter.Seq2[hearth.LedgerEntry, error] {
	if pageSize <= 0 {
		pageSize = 1000
	}
	return func(yield func(hearth.LedgerEntry, error) bool) {
		var after int64
		for {
			page, err := store.LedgerEntries(ctx, after, pageSize)
			if err != nil {
				yield(hearth.LedgerEntry{}, fmt.Errorf("list ledger entries: %w", err))
				return
			}
			for _, e := range page {
				if !yield(e, nil) {
					return
				}
				after = e.Seq
			}
			if len(page) < pageSize {
				return
			}
		}
	}
}

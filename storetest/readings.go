package storetest

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testReadings covers ReadingStore.
func testReadings(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("InsertAndList", func(t *testing.T) { t.Parallel(); testInsertAndList(t, open(t)) })
	t.Run("Resend", func(t *testing.T) { t.Parallel(); testResend(t, open(t)) })
	t.Run("Filter", func(t *testing.T) { t.Parallel(); testFilter(t, open(t)) })
	t.Run("Pagination", func(t *testing.T) { t.Parallel(); testPagination(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { t.Parallel(); testConcurrent(t, open(t)) })
}

// insert stores rs and fails unless which were newly stored matches want.
func insert(t *testing.T, s hearth.Store, rs []hearth.Reading, want []bool) {
	t.Helper()
	got, err := s.InsertReadings(ctx(t), rs)
	must(t, "InsertReadings", err)
	diff(t, "InsertReadings stored", storedOf(got), want)
}

// storedOf reports, for each reading, whether InsertReadings stored it.
func storedOf(ins []hearth.Insertion) []bool {
	out := make([]bool, len(ins))
	for i, in := range ins {
		out[i] = in == hearth.Stored
	}
	return out
}

// all lists every reading matching f, following the cursor page by page.
func all(t *testing.T, s hearth.Store, f hearth.ReadingFilter) []hearth.Reading {
	t.Helper()
	var out []hearth.Reading
	for {
		page, err := s.Readings(ctx(t), f)
		must(t, "Readings", err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		f.After = page[len(page)-1].ID
	}
}

func testInsertAndList(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, 0)
	rs := []hearth.Reading{
		reading(dev, h.owner.ID, "temperature", "m1", 0),
		reading(dev, "", "temperature", "m2", time.Second),
		reading(dev, h.profile.ID, "presence", "m3", 2*time.Second),
	}
	rs[2].Inferred = true // ACCURACY-INFERRED: the flag survives storage
	insert(t, s, rs, []bool{true, true, true})
	for i := 1; i < len(rs); i++ {
		if rs[i].ID <= rs[i-1].ID {
			t.Errorf("IDs %d then %d, want increasing", rs[i-1].ID, rs[i].ID)
		}
	}
	got, err := s.Readings(ctx(t), hearth.ReadingFilter{HouseholdID: h.h.ID})
	must(t, "Readings", err)
	diff(t, "Readings", got, rs)

	stored, err := s.InsertReadings(ctx(t), nil)
	if err != nil || len(stored) != 0 {
		t.Errorf("InsertReadings(nil) = %v, %v; want an empty result and no error", stored, err)
	}
}

// testResend: a resent (DeviceID, MsgID) is stored once, whether it comes
// again in the same batch or a later one; another device may reuse the ID.
func testResend(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev, dev2 := h.addDevice(t, 0), h.addDevice(t, time.Second)
	first := reading(dev, "", "temperature", "m1", 0)
	insert(t, s, []hearth.Reading{first, reading(dev, "", "temperature", "m1", time.Minute)}, []bool{true, false})
	insert(t, s, []hearth.Reading{
		reading(dev, "", "temperature", "m1", 2*time.Minute),
		reading(dev, "", "temperature", "m2", 3*time.Minute),
		reading(dev2, "", "temperature", "m1", 4*time.Minute),
	}, []bool{false, true, true})

	got := all(t, s, hearth.ReadingFilter{HouseholdID: h.h.ID})
	if len(got) != 3 {
		t.Fatalf("stored %d readings, want 3", len(got))
	}
	want := first
	want.ID = got[0].ID
	diff(t, "the first copy is the one kept", got[0], want)
}

func testFilter(t *testing.T, s hearth.Store) {
	h, other := newHome(t, s, "Home", 0), newHome(t, s, "Other", 0)
	d1, d2, od := h.addDevice(t, 0), h.addDevice(t, time.Second), other.addDevice(t, 0)
	insert(t, s, []hearth.Reading{
		reading(d1, h.owner.ID, "temperature", "a", 0),
		reading(d1, "", "temperature", "b", 10*time.Second),
		reading(d2, h.profile.ID, "presence", "c", 20*time.Second),
		reading(d2, "", "presence", "d", 30*time.Second),
		reading(od, other.owner.ID, "temperature", "e", 10*time.Second),
	}, []bool{true, true, true, true, true})

	tests := []struct {
		name string
		f    hearth.ReadingFilter
		want []string // message IDs in order
	}{
		{"household", hearth.ReadingFilter{HouseholdID: h.h.ID}, []string{"a", "b", "c", "d"}},
		// SEC-AUTHZ: a household's filter never returns another's readings.
		{"other household", hearth.ReadingFilter{HouseholdID: other.h.ID}, []string{"e"}},
		{"device", hearth.ReadingFilter{HouseholdID: h.h.ID, DeviceID: d2.ID}, []string{"c", "d"}},
		{"person", hearth.ReadingFilter{HouseholdID: h.h.ID, PersonID: h.owner.ID}, []string{"a"}},
		{"household only", hearth.ReadingFilter{HouseholdID: h.h.ID, PersonID: "-"}, []string{"b", "d"}},
		{"category", hearth.ReadingFilter{HouseholdID: h.h.ID, Category: "presence"}, []string{"c", "d"}},
		{"from", hearth.ReadingFilter{HouseholdID: h.h.ID, From: base.Add(10 * time.Second)}, []string{"b", "c", "d"}},
		{"to excluded", hearth.ReadingFilter{HouseholdID: h.h.ID, To: base.Add(20 * time.Second)}, []string{"a", "b"}},
		{"range", hearth.ReadingFilter{HouseholdID: h.h.ID, From: base.Add(5 * time.Second), To: base.Add(25 * time.Second)}, []string{"b", "c"}},
		{"combined", hearth.ReadingFilter{HouseholdID: h.h.ID, DeviceID: d1.ID, PersonID: "-", Category: "temperature"}, []string{"b"}},
		{"limit", hearth.ReadingFilter{HouseholdID: h.h.ID, Limit: 2}, []string{"a", "b"}},
		{"unknown household", hearth.ReadingFilter{HouseholdID: "hh_missing"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Readings(ctx(t), tt.f)
			must(t, "Readings", err)
			var ids []string
			for _, r := range got {
				ids = append(ids, r.MsgID)
			}
			diff(t, "message IDs", ids, tt.want)
		})
	}
}

// testPagination: following the cursor returns every reading exactly once,
// in ID order; Limit 0 means 100.
func testPagination(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, 0)
	const n = 250
	var rs []hearth.Reading
	for i := range n {
		rs = append(rs, reading(dev, "", "temperature", fmt.Sprintf("m%03d", i), time.Duration(i)*time.Second))
	}
	_, err := s.InsertReadings(ctx(t), rs)
	must(t, "InsertReadings", err)

	page, err := s.Readings(ctx(t), hearth.ReadingFilter{HouseholdID: h.h.ID})
	must(t, "Readings", err)
	if len(page) != 100 {
		t.Errorf("Readings with Limit 0 returned %d, want 100", len(page))
	}
	for _, limit := range []int{1, 7, 100, 1000} {
		t.Run(fmt.Sprintf("limit=%d", limit), func(t *testing.T) {
			got := all(t, s, hearth.ReadingFilter{HouseholdID: h.h.ID, Limit: limit})
			diff(t, "all pages", got, rs)
		})
	}
}

// testConcurrent: many goroutines inserting overlapping batches lose
// nothing and duplicate nothing.
func testConcurrent(t *testing.T, s hearth.Store) {
	h := newHome(t, s, "Home", 0)
	dev := h.addDevice(t, 0)
	const workers, batches, size = 16, 10, 20
	var mu sync.Mutex
	storedBy := map[string]int{} // message ID → number of calls that reported it stored
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for b := range batches {
				// Workers 2k and 2k+1 send the same message IDs: every ID is sent twice.
				var rs []hearth.Reading
				for i := range size {
					id := fmt.Sprintf("w%d-b%d-%d", w/2, b, i)
					rs = append(rs, reading(dev, "", "temperature", id, time.Duration(i)*time.Second))
				}
				stored, err := s.InsertReadings(ctx(t), rs)
				if err != nil {
					t.Errorf("InsertReadings: %v", err)
					return
				}
				mu.Lock()
				for i, in := range stored {
					if in == hearth.Stored {
						storedBy[rs[i].MsgID]++
					}
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	const distinct = workers / 2 * batches * size
	if len(storedBy) != distinct {
		t.Errorf("%d message IDs reported stored, want %d", len(storedBy), distinct)
	}
	for id, n := range storedBy {
		if n != 1 {
			t.Errorf("message %s reported stored %d times, want 1", id, n)
		}
	}
	seen := map[string]bool{}
	for _, r := range all(t, s, hearth.ReadingFilter{HouseholdID: h.h.ID, Limit: 97}) {
		if seen[r.MsgID] {
			t.Errorf("message %s stored twice", r.MsgID)
		}
		seen[r.MsgID] = true
	}
	if len(seen) != distinct {
		t.Errorf("%d readings stored, want %d", len(seen), distinct)
	}
}

package storetest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/hearth-iot/hearth"
)

// testExport covers ExportStore and ImportStore (RIGHT-ACCESS, RIGHT-PORT).
func testExport(t *testing.T, open func(t *testing.T) hearth.Store) {
	t.Run("ReadingsAboutOnePersonInPages", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		dev := h.addDevice(t, 0)
		var rs, want []hearth.Reading
		for i := range 7 {
			person := []string{h.owner.ID, h.profile.ID, ""}[i%3]
			rs = append(rs, reading(dev, person, "temperature", fmt.Sprintf("m%d", i), time.Duration(i)*time.Second))
		}
		insert(t, s, rs, []bool{true, true, true, true, true, true, true})
		for _, r := range rs {
			if r.PersonID == h.owner.ID {
				want = append(want, r)
			}
		}
		// RIGHT-ACCESS-OTHERS: neither the profile's nor the household's readings.
		var got []hearth.Reading
		var after int64
		for {
			page, err := s.ReadingsAbout(ctx(t), h.owner.ID, after, 2)
			must(t, "ReadingsAbout", err)
			if len(page) > 2 {
				t.Fatalf("page of %d readings, want at most 2", len(page))
			}
			if len(page) == 0 {
				break
			}
			got, after = append(got, page...), page[len(page)-1].ID
		}
		diff(t, "ReadingsAbout", got, want)
		_, err := s.ReadingsAbout(ctx(t), h.owner.ID, 0, -1)
		wantCode(t, "ReadingsAbout(limit -1)", err, hearth.EINVALID)
	})
	t.Run("ExportLinks", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		l := &hearth.ExportLink{TokenHash: []byte("hash-1"), PersonID: h.profile.ID, HouseholdID: h.h.ID,
			RequestedBy: h.owner.ID, Expires: at(time.Hour), Created: at(0)}
		must(t, "CreateExportLink", s.CreateExportLink(ctx(t), l))
		got, err := s.ExportLink(ctx(t), []byte("hash-1"))
		must(t, "ExportLink", err)
		diff(t, "ExportLink", got, l)
		wantCode(t, "CreateExportLink(same hash)", s.CreateExportLink(ctx(t), l), hearth.ECONFLICT)
		_, err = s.ExportLink(ctx(t), []byte("hash-2"))
		wantCode(t, "ExportLink(unknown)", err, hearth.ENOTFOUND)
	})
	t.Run("ImportOnceAllOrNothing", testImport(open))
}

// testImport: an import applies everything in one transaction, a failure
// leaves nothing, and a second import of the same export changes nothing.
func testImport(open func(t *testing.T) hearth.Store) func(t *testing.T) {
	return func(t *testing.T) {
		t.Parallel()
		s := open(t)
		h := newHome(t, s, "Home", 0)
		dev := h.addDevice(t, 0)
		imp := func(readingsErr error) *hearth.PersonImport {
			hh := hearth.Household{ID: "hh_imported", Name: "Old home", Created: at(0)}
			p := hearth.Person{ID: "p_imported", DisplayName: "Moved", Created: at(0)}
			r := reading(dev, p.ID, "temperature", "imp-1", 0)
			r.HouseholdID = hh.ID
			return &hearth.PersonImport{
				ExportID: "ex_1", Person: p, Households: []hearth.Household{hh},
				Members:  []hearth.Member{{HouseholdID: hh.ID, PersonID: p.ID, Role: hearth.RoleAdult, Added: at(0)}},
				Settings: &hearth.PersonSettings{PersonID: p.ID, Features: []string{"f"}, Updated: at(0)},
				Entries:  []hearth.LedgerEntry{{Time: at(0), Type: hearth.EntryConsentImported, Person: p.ID, Details: []byte(`{}`)}},
				Link: func(seq int64, prev []byte, es []hearth.LedgerEntry) {
					for i := range es {
						seq++
						es[i].Seq, es[i].PrevHash, es[i].Hash = seq, prev, []byte(fmt.Sprintf("hash-%d", seq))
						prev = es[i].Hash
					}
				},
				Readings: func(ctx context.Context, insert func([]hearth.Reading) error) error {
					if err := insert([]hearth.Reading{r}); err != nil {
						return err
					}
					return readingsErr
				},
				Imported: at(time.Hour),
			}
		}
		boom := errors.New("truncated")
		if err := s.ImportPerson(ctx(t), imp(boom)); !errors.Is(err, boom) {
			t.Fatalf("ImportPerson with a failing reader = %v, want %v", err, boom)
		}
		_, err := s.Person(ctx(t), "p_imported")
		wantCode(t, "Person after a failed import", err, hearth.ENOTFOUND)
		_, err = s.Imported(ctx(t), "ex_1")
		wantCode(t, "Imported after a failed import", err, hearth.ENOTFOUND)
		_, err = s.LedgerHead(ctx(t))
		wantCode(t, "LedgerHead after a failed import", err, hearth.ENOTFOUND)

		must(t, "ImportPerson", s.ImportPerson(ctx(t), imp(nil)))
		got, err := s.ReadingsAbout(ctx(t), "p_imported", 0, 0)
		must(t, "ReadingsAbout", err)
		if len(got) != 1 || got[0].MsgID != "imp-1" {
			t.Errorf("imported readings %v, want the one reading", got)
		}
		st, err := s.Settings(ctx(t), "p_imported")
		must(t, "Settings", err)
		diff(t, "imported settings", st.Features, []string{"f"})
		m, err := s.Member(ctx(t), "hh_imported", "p_imported")
		must(t, "Member", err)
		if m.Role != hearth.RoleAdult {
			t.Errorf("imported role %q, want adult", m.Role)
		}
		when, err := s.Imported(ctx(t), "ex_1")
		must(t, "Imported", err)
		diff(t, "Imported", when, at(time.Hour))

		wantCode(t, "ImportPerson again", s.ImportPerson(ctx(t), imp(nil)), hearth.ECONFLICT)
		es, err := s.LedgerEntriesFor(ctx(t), "p_imported")
		must(t, "LedgerEntriesFor", err)
		if len(es) != 1 {
			t.Errorf("%d ledger entries after two imports, want 1", len(es))
		}
	}
}

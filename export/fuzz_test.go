package export_test

import (
	"bytes"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/export"
)

// FuzzOpen feeds the import reader arbitrary archives, seeded with a real
// export and damaged copies of it: Open must never panic, must refuse
// with EINVALID (RIGHT-PORT: the exact problem), and an archive it accepts
// must read back without error.
func FuzzOpen(f *testing.F) {
	in := newInstance(f, "alpha")
	h := in.newHome(f)
	in.addReadings(f, h, h.guest, 6)
	good := in.write(f, h.guest)
	f.Add(good)
	f.Add(good[:len(good)-10])
	f.Add(good[:len(good)/3])
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 0xff
	f.Add(flipped)
	f.Add([]byte("PK\x05\x06" + string(make([]byte, 18))))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := export.Open(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			if hearth.ErrorCode(err) != hearth.EINVALID {
				t.Fatalf("Open refused with %q, want EINVALID: %v", hearth.ErrorCode(err), err)
			}
			return
		}
		if err := a.EachReading(func(string, *export.ReadingRecord) error { return nil }); err != nil {
			t.Fatalf("an archive Open accepted fails to read back: %v", err)
		}
	})
}

package policy_test

import (
	"encoding/binary"
	"os"
	"testing"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// FuzzDecisions checks, for any subject state on the rules manifest, that
// Ingest and Read agree (MIN-GATE): a stored reading's purpose may read
// it, and a refused reading has no purpose that may; and that a refusal
// gives a refusing reason.
func FuzzDecisions(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 3, 4, 0x7})
	f.Add([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28})
	e := rules(f)
	m, err := manifest.Parse("testdata/rules.yaml", mustRead(f, "testdata/rules.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		s := subjectFrom(data)
		for _, c := range m.Categories {
			d := e.Ingest(&s, c.ID, now)
			// A well-formed, fresh reading is admitted exactly when Ingest
			// allows its category (MIN-GATE); location may still be
			// refused for want of a precision.
			if v, ok := validValues[c.ID]; ok {
				a := e.Admit(&s, &policy.Reading{Category: c.ID, Time: now, Values: []byte(v)}, now)
				if a.Allow != d.Allow && !(c.Kind == "location" && d.Allow) {
					t.Errorf("Admit(%s) = %v (%s), Ingest = %v (%s)", c.ID, a.Allow, a.Reason.Code(), d.Allow, d.Reason.Code())
				}
			}
			if d.Allow {
				if r := e.Read(&s, e.PurposeID(d.Purpose), c.ID, now); !r.Allow {
					t.Errorf("Ingest(%s) allowed by %s, but Read refused: %v", c.ID, e.PurposeID(d.Purpose), r.Reason)
				}
				continue
			}
			if d.Reason <= policy.ReasonObjectable {
				t.Errorf("Ingest(%s) refused with the allowing reason %v", c.ID, d.Reason)
			}
			if s.Mode == hearth.ModeLocalOnly || c.Kind == "location" && s.Location == policy.GranularityOff {
				continue
			}
			for _, p := range m.PurposesUsing(c.ID) {
				if r := e.Read(&s, p.ID, c.ID, now); r.Allow {
					t.Errorf("Ingest(%s) refused (%v), but Read by %s allowed", c.ID, d.Reason, p.ID)
				}
			}
		}
	})
}

// validValues are well-formed values of each category of the rules
// manifest.
var validValues = map[string]string{
	"temp": `{"celsius":21.5}`, "presence": `{"present":true}`, "device-health": `{"battery":80,"firmware":"1.2"}`,
	"usage": `{"anything":[1,2]}`, "heart-rate": `{"bpm":70}`, "location": `{"lat":53.8,"lon":-1.5}`,
	"voice": `{"audio":"AAAA"}`, "spare": `{"x":1.5}`,
}

// subjectFrom builds a subject from fuzz bytes: six 16-bit purpose sets
// (the rules manifest has 13 purposes), features, flags and location.
func subjectFrom(data []byte) policy.Subject {
	b := make([]byte, 16)
	copy(b, data)
	word := func(i int) policy.Bits { return policy.Bits{uint64(binary.LittleEndian.Uint16(b[2*i:]))} }
	s := policy.Subject{
		Consented: word(0), Refused: word(1), Enabled: word(2),
		Restricted: word(3), Objected: word(4), ADMOptOut: word(5),
		Features: policy.Bits{uint64(b[12] & 3)},
		Location: policy.Granularity(b[13] % 6),
	}
	s.RestrictAll = b[14]&1 != 0
	s.ObjectMarketing = b[14]&2 != 0
	s.Child = b[14]&4 != 0
	if b[14]&8 != 0 {
		s.Mode = hearth.ModeLocalOnly
	}
	return s
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read %s: %v", path, err)
	}
	return data
}

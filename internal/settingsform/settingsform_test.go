package settingsform_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/internal/settingsform"
)

// The stored form reads back what was written, and its empty lists are
// JSON's [] and {} (what the SQLite databases already hold).
func TestRoundTrip(t *testing.T) {
	tests := []hearth.PersonSettings{
		{},
		{Features: []string{"a", "b"}, Purposes: []string{"p"}, FeatureLocation: map[string]string{"a": "city"},
			RestrictAll: true, Restricted: []string{"r"}, Objected: []string{"o"}, ObjectMarketing: true, ADMOptOut: []string{"adm"}},
	}
	for _, in := range tests {
		c, err := settingsform.Encode(&in)
		if err != nil {
			t.Fatalf("Encode: %v", err)
		}
		var out hearth.PersonSettings
		if err := settingsform.Decode(c, &out); err != nil {
			t.Fatalf("Decode: %v", err)
		}
		if d := cmp.Diff(in, out, cmpopts.EquateEmpty()); d != "" {
			t.Errorf("round trip (-in +out):\n%s", d)
		}
	}
	c, _ := settingsform.Encode(&hearth.PersonSettings{})
	if want := (settingsform.Columns{Features: "[]", Purposes: "[]", FeatureLocation: "{}", Rights: "{}"}); c != want {
		t.Errorf("empty settings stored as %+v, want %+v", c, want)
	}
	if err := settingsform.Decode(settingsform.Columns{Features: "[", Purposes: "[]", FeatureLocation: "{}", Rights: "{}"}, &hearth.PersonSettings{}); err == nil {
		t.Error("Decode of a broken column: no error")
	}
}

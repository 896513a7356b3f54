package migration_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/hearth-iot/hearth/internal/migration"
)

func TestLoad(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name    string
		files   fstest.MapFS
		want    []int
		wantErr string
	}{
		{"in numeric order", fstest.MapFS{"0002_b.sql": file("B"), "0001_a.sql": file("A"), "10_x.txt": file("")}, []int{1, 2}, ""},
		{"none", fstest.MapFS{}, nil, ""},
		{"gap", fstest.MapFS{"0001_a.sql": file(""), "0003_c.sql": file("")}, nil, "without gaps"},
		{"twice", fstest.MapFS{"0001_a.sql": file(""), "1_b.sql": file("")}, nil, "without gaps"},
		{"no number", fstest.MapFS{"init.sql": file("")}, nil, "positive number"},
		{"zero", fstest.MapFS{"0000_a.sql": file("")}, nil, "positive number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := migration.Load(tt.files)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Load: %v, want an error with %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			var versions []int
			for _, m := range got {
				versions = append(versions, m.Version)
			}
			if len(versions) != len(tt.want) {
				t.Fatalf("versions %v, want %v", versions, tt.want)
			}
			for i := range versions {
				if versions[i] != tt.want[i] {
					t.Fatalf("versions %v, want %v", versions, tt.want)
				}
			}
			if len(got) == 2 && (got[0].SQL != "A" || got[0].Name != "0001_a.sql") {
				t.Errorf("first migration %+v, want 0001_a.sql with its text", got[0])
			}
		})
	}
}

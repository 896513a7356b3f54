package main

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseCreds(t *testing.T) {
	tests := []struct {
		name    string
		csv     string
		n       int
		want    []cred
		wantErr string
	}{
		{"header skipped", "device_id,secret,claim_code\nd1,s1,c1\nd2,s2,c2\n", 2,
			[]cred{{"d1", "s1"}, {"d2", "s2"}}, ""},
		{"no header, first n", "d1,s1,c1\nd2,s2,c2\nd3,s3,c3\n", 2,
			[]cred{{"d1", "s1"}, {"d2", "s2"}}, ""},
		{"too few", "d1,s1,c1\n", 2, nil, "1 devices, want at least 2"},
		{"missing secret", "d1\n", 1, nil, "line 1: want device_id,secret,claim_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCreds(strings.NewReader(tt.csv), tt.n)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("creds (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAnonymousCreds(t *testing.T) {
	got := anonymousCreds(0, 2)
	want := []cred{{ID: "dev-000001"}, {ID: "dev-000002"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anonymousCreds(0, 2) (-want +got):\n%s", diff)
	}
	got = anonymousCreds(10, 1)
	want = []cred{{ID: "dev-000011"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("anonymousCreds(10, 1) (-want +got):\n%s", diff)
	}
}

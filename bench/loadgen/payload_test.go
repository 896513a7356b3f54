package main

import (
	"encoding/json"
	"testing"
	"time"
)

// reading is the device protocol's payload (docs/device-protocol.md).
type reading struct {
	ID       string          `json:"id"`
	Time     string          `json:"time"`
	Category string          `json:"category"`
	Values   json.RawMessage `json:"values"`
}

func TestPayloadFollowsDeviceProtocol(t *testing.T) {
	due := time.Date(2026, 11, 23, 10, 0, 0, 123456789, time.FixedZone("x", 3600))
	tests := []struct {
		name    string
		size    int
		wantLen int // 0: at most the bare reading
	}{
		{"bare", 0, 0},
		{"256 bytes", 256, 256},
		{"1 KiB", 1024, 1024},
		{"16 KiB", maxPayload, maxPayload},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := &payloadGen{runID: "abc123", category: "room-temperature", size: tt.size}
			b := g.build(nil, 42, due)
			if tt.wantLen != 0 && len(b) != tt.wantLen {
				t.Errorf("len = %d, want %d", len(b), tt.wantLen)
			}
			var r reading
			if err := json.Unmarshal(b, &r); err != nil {
				t.Fatalf("payload %s is not JSON: %v", b, err)
			}
			if got, want := r.ID, "abc123.42"; got != want {
				t.Errorf("id = %q, want %q", got, want)
			}
			if !validMsgID(r.ID) {
				t.Errorf("id %q is not a valid device message ID", r.ID)
			}
			if got, err := time.Parse(time.RFC3339, r.Time); err != nil || !got.Equal(due) {
				t.Errorf("time = %q (%v), want RFC 3339 of %v", r.Time, err, due)
			}
			if got, want := r.Category, "room-temperature"; got != want {
				t.Errorf("category = %q, want %q", got, want)
			}
			var values map[string]any
			if err := json.Unmarshal(r.Values, &values); err != nil || len(values) == 0 {
				t.Errorf("values = %s (%v), want a non-empty object", r.Values, err)
			}
		})
	}
}

func TestPayloadIDsAreUnique(t *testing.T) {
	g := &payloadGen{runID: randomRunID(), category: "c", size: 128}
	seen := map[string]bool{}
	for n := range uint64(1000) {
		var r reading
		if err := json.Unmarshal(g.build(nil, n, time.Now()), &r); err != nil {
			t.Fatal(err)
		}
		if seen[r.ID] {
			t.Fatalf("message %d: id %q repeated", n, r.ID)
		}
		seen[r.ID] = true
	}
}

func TestValidMsgID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"run.1:2-3_x", true},
		{"", false},
		{"has space", false},
		{"slash/", false},
		{string(make([]byte, 65)), false},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := validMsgID(tt.id); got != tt.want {
				t.Errorf("validMsgID(%q) = %v, want %v", tt.id, got, tt.want)
			}
		})
	}
}

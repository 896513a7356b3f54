package ingest

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fastSeeds are payloads in the plain form and near misses of it.
var fastSeeds = []string{
	`{"id":"m1","time":"2026-01-02T15:04:05+01:00","category":"temperature","values":{"c": 21.5}}`,
	`{"id":"a.b_c:d-1","time":"2026-01-02T15:04:05Z","category":"t","person":"p_1","inferred":true,"values":{"x":[1,{"y":"}\"]"}]}}`,
	` { "values" : {"a":"b"} , "inferred":false, "category":"t", "time":"x", "id":"m" } `,
	`{"id":"m1","id":"m2","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`,
	`{"ID":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`,
	`{"id":"m\u0031","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`,
	`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","person":null,"values":{"a":1}}`,
	`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1,}}`,
	`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}} {}`,
	`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","inferred":truex,"values":{"a":1}}`,
	`{}`, `{`, ``, `[]`,
}

// TestDecodeFastAcceptsPlainPayloads keeps the fast path in use for what
// devices send: a payload it turns down still parses, only slower.
func TestDecodeFastAcceptsPlainPayloads(t *testing.T) {
	for _, in := range fastSeeds[:3] {
		if _, ok := decodeFast([]byte(in)); !ok {
			t.Errorf("decodeFast(%s) declined a plain payload", in)
		}
	}
}

// FuzzDecodeFast checks that whatever decodeFast accepts, encoding/json
// decodes the same way, so the fast path never changes what ParsePayload
// accepts, refuses or returns (issue 2, "Bad input").
func FuzzDecodeFast(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		got, ok := decodeFast(data)
		if !ok {
			return
		}
		want, err := decodeJSON(data)
		if err != nil {
			t.Fatalf("decodeFast accepted %q, which encoding/json refuses: %v", data, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("decodeFast(%q) differs from encoding/json (-want +got):\n%s", data, diff)
		}
	})
}

// BenchmarkParsePayload compares ParsePayload, which takes the fast path
// for a plain payload, with encoding/json alone on the same payload, a
// load generator's 256-byte reading.
func BenchmarkParsePayload(b *testing.B) {
	payload := []byte(`{"id":"m000123456","time":"2026-11-23T12:00:00.123456789Z","category":"room-temperature",` +
		`"values":{"celsius":21.5,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}}`)
	b.Run("ParsePayload", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ParsePayload(payload); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			w, err := decodeJSON(payload)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := w.validate(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

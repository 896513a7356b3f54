package ingest_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/ingest"
)

// Bad input gets a precise error with the field at fault (issue 2, "Bad input").
func TestParsePayload(t *testing.T) {
	when := time.Date(2026, 1, 2, 15, 4, 5, 0, time.FixedZone("", 3600))
	tests := []struct {
		name      string
		in        string
		want      ingest.Payload
		wantCode  string
		wantField string
	}{
		{"minimal", `{"id":"m1","time":"2026-01-02T15:04:05+01:00","category":"temperature","values":{"c": 21.5}}`,
			ingest.Payload{ID: "m1", Time: when, Category: "temperature", Values: []byte(`{"c":21.5}`)}, "", ""},
		{"full", `{"id":"a.b_c:d-1","time":"2026-01-02T15:04:05+01:00","category":"t","person":"p_1","inferred":true,"values":{"x":[1,2]}}`,
			ingest.Payload{ID: "a.b_c:d-1", Time: when, Category: "t", Person: "p_1", Inferred: true, Values: []byte(`{"x":[1,2]}`)}, "", ""},
		{"not json", `hello`, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"empty", ``, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"truncated", `{"id":"m1"`, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"array", `[1]`, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"two objects", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}} {}`, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"unknown field", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1},"extra":1}`, ingest.Payload{}, hearth.EINVALID, "extra"},
		{"id missing", `{"time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "id"},
		{"id number", `{"id":7,"time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "id"},
		{"id empty", `{"id":"","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "id"},
		{"id too long", `{"id":"` + strings.Repeat("a", 65) + `","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "id"},
		{"id bad char", `{"id":"a/b","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "id"},
		{"time missing", `{"id":"m1","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "time"},
		{"time without offset", `{"id":"m1","time":"2026-01-02T15:04:05","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "time"},
		{"time not a string", `{"id":"m1","time":1700000000,"category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "time"},
		{"category missing", `{"id":"m1","time":"2026-01-02T15:04:05Z","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "category"},
		{"person bad", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","person":"a b","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "person"},
		{"inferred not bool", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","inferred":"yes","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "inferred"},
		{"values missing", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t"}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"values null", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":null}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"values array", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":[1]}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"values empty", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{ }}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"invalid UTF-8 in values", "{\"id\":\"m1\",\"time\":\"2026-01-02T15:04:05Z\",\"category\":\"t\",\"values\":{\"a\":\"\xff\xfe\"}}", ingest.Payload{}, hearth.EINVALID, "values"},
		{"invalid UTF-8 in a values key", "{\"id\":\"m1\",\"time\":\"2026-01-02T15:04:05Z\",\"category\":\"t\",\"values\":{\"\xc3\":1}}", ingest.Payload{}, hearth.EINVALID, "values"},
		{"duplicate key in values", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1,"a":2}}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"duplicate escaped key in values", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1,"\u0061":2}}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"duplicate nested key in values", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":[{"b":1,"b":2}]}}`, ingest.Payload{}, hearth.EINVALID, "values"},
		{"same key in two objects", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":{"b":1},"c":{"b":2}}}`,
			ingest.Payload{ID: "m1", Time: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), Category: "t", Values: []byte(`{"a":{"b":1},"c":{"b":2}}`)}, "", ""},
		{"duplicate payload key", `{"id":"m1","id":"m2","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1}}`, ingest.Payload{}, hearth.EINVALID, "payload"},
		{"too large", `{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":"` + strings.Repeat("x", hearth.MaxReadingSize) + `"}}`, ingest.Payload{}, hearth.ETOOLARGE, "payload"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ingest.ParsePayload([]byte(tt.in))
			if code := hearth.ErrorCode(err); code != tt.wantCode {
				t.Fatalf("ParsePayload error = %v (code %q), want code %q", err, code, tt.wantCode)
			}
			if field := hearth.ErrorField(err); field != tt.wantField {
				t.Errorf("error field = %q, want %q (error %v)", field, tt.wantField, err)
			}
			if err != nil {
				if msg := hearth.ErrorMessage(err); msg == "" || msg == "internal error" {
					t.Errorf("error message = %q, want a precise message", msg)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParsePayload mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzParsePayload checks that the parser never panics, that every error is
// a domain error with a field, and that what it accepts is well-formed.
func FuzzParsePayload(f *testing.F) {
	for _, s := range []string{
		`{"id":"m1","time":"2026-01-02T15:04:05+01:00","category":"temperature","values":{"c":21.5}}`,
		`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","person":"p_1","inferred":true,"values":{"x":[1,{"y":null}]}}`,
		`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{}}`,
		`{"id":1}`, `[]`, `null`, `{`, `{"values":"x"}`, ``,
		`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":1,"a":2}}`,
		`{"id":"m1","time":"2026-01-02T15:04:05Z","category":"t","values":{"a":{"b":[1,{"c":2,"c":3}]}}}`,
		"{\"id\":\"m1\",\"time\":\"2026-01-02T15:04:05Z\",\"category\":\"t\",\"values\":{\"a\":\"\xff\"}}",
		`{"id":"m1","category":"x","id":"m2","time":"2026-01-02T15:04:05Z","values":{"a":1}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ingest.ParsePayload(data)
		if err != nil {
			if code := hearth.ErrorCode(err); code != hearth.EINVALID && code != hearth.ETOOLARGE {
				t.Fatalf("error code = %q, want invalid or too_large (error %v)", code, err)
			}
			if hearth.ErrorField(err) == "" {
				t.Fatalf("error %v has no field", err)
			}
			return
		}
		if p.ID == "" || p.Category == "" {
			t.Fatalf("accepted payload lacks a required field: %+v", p)
		}
		if len(p.Values) < 3 || p.Values[0] != '{' {
			t.Fatalf("accepted values %q are not a non-empty object", p.Values)
		}
		if !utf8.Valid(p.Values) {
			t.Fatalf("accepted values %q are not valid UTF-8", p.Values)
		}
		if !uniqueKeys(p.Values) {
			t.Fatalf("accepted values %q repeat a key", p.Values)
		}
	})
}

// uniqueKeys reports whether no object in data, valid JSON, repeats a key,
// decoding keys with encoding/json's tokenizer: the reference the parser's
// own scan is held to.
func uniqueKeys(data []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(data))
	type frame struct {
		object bool
		keys   map[string]bool
		key    bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return true
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.object {
					top.key = true
				}
				stack = append(stack, &frame{object: v == '{', keys: map[string]bool{}, key: v == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.object && top.key {
				if top.keys[v] {
					return false
				}
				top.keys[v] = true
				top.key = false
				continue
			}
		}
		if top != nil && top.object {
			top.key = true
		}
	}
}

package manifest_test

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-iot/hearth/examples"
	"github.com/hearth-iot/hearth/manifest"
	"gopkg.in/yaml.v3"
)

// schema is the part of JSON Schema that docs/manifest.schema.json uses
// and this test checks: types of objects and arrays, required fields,
// enumerations and closed objects.
type schema struct {
	Type       string             `json:"type"`
	Required   []string           `json:"required"`
	Enum       []any              `json:"enum"`
	Properties map[string]*schema `json:"properties"`
	Items      *schema            `json:"items"`
}

// TestSchemaValidatesExamples checks each example against the published
// schema's required, enum and properties keywords, and that the schema
// names exactly the fields of the Go types, so the documentation cannot
// drift from the parser.
func TestSchemaValidatesExamples(t *testing.T) {
	data, err := os.ReadFile("../docs/manifest.schema.json")
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	var s schema
	if err := json.Unmarshal(data, &s); err != nil {
		t.Fatalf("decode schema: %v", err)
	}
	for _, ex := range examples.All() {
		t.Run(ex.Name, func(t *testing.T) {
			var doc any
			if err := yaml.Unmarshal(ex.Data, &doc); err != nil {
				t.Fatal(err)
			}
			for _, p := range check(&s, doc, "") {
				t.Error(p)
			}
		})
	}
	t.Run("fields match the Go types", func(t *testing.T) {
		for _, p := range sameFields(&s, reflect.TypeOf(manifest.Manifest{}), "") {
			t.Error(p)
		}
	})
}

func check(s *schema, v any, path string) []string {
	var ps []string
	if len(s.Enum) > 0 && !slices.ContainsFunc(s.Enum, func(e any) bool { return fmt.Sprint(e) == fmt.Sprint(v) }) {
		ps = append(ps, fmt.Sprintf("%s: %v is not in the schema's enum %v", path, v, s.Enum))
	}
	switch v := v.(type) {
	case map[string]any:
		for _, r := range s.Required {
			if _, ok := v[r]; !ok {
				ps = append(ps, fmt.Sprintf("%s: required field %q missing", path, r))
			}
		}
		for k, x := range v {
			sub, ok := s.Properties[k]
			if !ok {
				ps = append(ps, fmt.Sprintf("%s: field %q not in the schema", path, k))
				continue
			}
			ps = append(ps, check(sub, x, path+"."+k)...)
		}
	case []any:
		if s.Items != nil {
			for i, x := range v {
				ps = append(ps, check(s.Items, x, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return ps
}

// sameFields compares the schema's properties with the yaml field names of
// a Go struct type, recursively.
func sameFields(s *schema, t reflect.Type, path string) []string {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
		t, s = t.Elem(), itemsOf(s, t)
	}
	if t.Kind() != reflect.Struct || s == nil {
		return nil
	}
	var ps []string
	seen := map[string]bool{}
	for i := range t.NumField() {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("yaml"), ",")[0]
		if !f.IsExported() || name == "" {
			continue
		}
		seen[name] = true
		sub, ok := s.Properties[name]
		if !ok {
			ps = append(ps, fmt.Sprintf("%s.%s: Go field not in the schema", path, name))
			continue
		}
		ps = append(ps, sameFields(sub, f.Type, path+"."+name)...)
	}
	for k := range s.Properties {
		if !seen[k] {
			ps = append(ps, fmt.Sprintf("%s.%s: schema property not a Go field", path, k))
		}
	}
	return ps
}

func itemsOf(s *schema, t reflect.Type) *schema {
	if t.Kind() == reflect.Slice && s != nil {
		return s.Items
	}
	return s
}

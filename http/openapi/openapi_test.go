package openapi

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

const testBase = `openapi: 3.1.0
info: {title: t, version: "1"}
paths:
  /a:
    get: {operationId: a, responses: {200: {description: OK}}}
components:
  schemas:
    Problem: {type: object}
`

// TestMergeFragments checks that fragments add their operations and
// components beside the others', and that status codes become string keys.
func TestMergeFragments(t *testing.T) {
	b, err := merge(fstest.MapFS{
		"base.yaml": {Data: []byte(testBase)},
		"x.yaml": {Data: []byte(`paths:
  /a:
    post: {operationId: b, responses: {201: {description: created}}}
  /c:
    get: {operationId: c, responses: {200: {description: OK}}}
components:
  schemas:
    Problem: {type: object}
    XThing: {type: string}
tags: [{name: x}]
`)},
	})
	if err != nil {
		t.Fatalf("merge: %v", err)
	}
	var doc struct {
		Paths      map[string]map[string]map[string]any
		Components struct{ Schemas map[string]any }
		Tags       []map[string]string
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the merged document is not JSON: %v", err)
	}
	if len(doc.Paths["/a"]) != 2 || len(doc.Paths["/c"]) != 1 {
		t.Errorf("paths = %v, want GET and POST /a, GET /c", doc.Paths)
	}
	if _, ok := doc.Paths["/a"]["post"]["responses"].(map[string]any)["201"]; !ok {
		t.Errorf("POST /a responses = %v, want the key \"201\"", doc.Paths["/a"]["post"]["responses"])
	}
	if len(doc.Components.Schemas) != 2 || len(doc.Tags) != 1 {
		t.Errorf("schemas %v, tags %v: want Problem and XThing, tag x", doc.Components.Schemas, doc.Tags)
	}
}

// TestMergeConflicts checks that two files cannot define one operation,
// nor one component name two ways, nor anything but paths, components and
// tags.
func TestMergeConflicts(t *testing.T) {
	for name, frag := range map[string]string{
		"operation twice":  "paths:\n  /a:\n    get: {operationId: z, responses: {200: {description: OK}}}\n",
		"component twice":  "components:\n  schemas:\n    Problem: {type: string}\n",
		"head in fragment": "info: {title: u, version: '2'}\n",
	} {
		_, err := merge(fstest.MapFS{"base.yaml": {Data: []byte(testBase)}, "y.yaml": {Data: []byte(frag)}})
		if err == nil || !strings.HasPrefix(err.Error(), "y.yaml: ") {
			t.Errorf("%s: err = %v, want an error naming y.yaml", name, err)
		}
	}
}

// TestDocument checks that the embedded fragments merge.
func TestDocument(t *testing.T) {
	if _, err := Document(); err != nil {
		t.Fatal(err)
	}
}

// Package openapi holds the OpenAPI 3.1 description of Hearth's HTTP API,
// served at GET /api/openapi.json.
//
// The document is kept as YAML fragments, one per area of the API, embedded
// in the binary and merged at start: base.yaml holds the document's head
// (openapi, info, security schemes) and the shared components (the problem
// document, the path parameters); each other file holds the paths, and the
// components, of its area. Two files may not define the same operation (path
// and method), nor one component name with different content: Document
// reports it. The http package's tests check every response of the API
// against the merged document (see http/openapi_test.go).
package openapi

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"reflect"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

//go:embed *.yaml
var files embed.FS

// Excluded are the routes of the server that the document leaves out on
// purpose, each with the reason. The HTML pages of the web interface
// (registered by the http package's pageRoutes) are left out as a whole:
// they are not an API.
var Excluded = map[string]string{
	"GET /metrics": "Prometheus exposition for the operator's monitoring, served only with a token or on its own address; not part of the public API",
	"GET /assets/": "static files (style sheet, images) of the web pages",
}

// document caches the merged document: the fragments are embedded, so it
// is the same for the life of the process.
var document = sync.OnceValues(func() ([]byte, error) { return merge(files) })

// Document returns the merged OpenAPI document as JSON.
func Document() ([]byte, error) { return document() }

// merge reads base.yaml and every other *.yaml of fsys, in name order, and
// merges them into one JSON document.
func merge(fsys fs.FS) ([]byte, error) {
	doc, err := load(fsys, "base.yaml")
	if err != nil {
		return nil, err
	}
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	for _, name := range names {
		if name == "base.yaml" {
			continue
		}
		frag, err := load(fsys, name)
		if err != nil {
			return nil, err
		}
		if err := mergeFragment(doc, frag); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// load parses one YAML file into maps with string keys (YAML would give a
// status code such as 200 an integer key, which JSON cannot hold).
func load(fsys fs.FS, name string) (map[string]any, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	var v any
	if err := yaml.Unmarshal(b, &v); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, ok := stringKeys(v).(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: the file must hold a mapping", name)
	}
	return m, nil
}

func stringKeys(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			v[k] = stringKeys(e)
		}
		return v
	case map[any]any:
		m := make(map[string]any, len(v))
		for k, e := range v {
			m[fmt.Sprint(k)] = stringKeys(e)
		}
		return m
	case []any:
		for i, e := range v {
			v[i] = stringKeys(e)
		}
		return v
	}
	return v
}

// mergeFragment adds a fragment's paths, components and tags to doc.
func mergeFragment(doc, frag map[string]any) error {
	for key := range frag {
		if key != "paths" && key != "components" && key != "tags" {
			return fmt.Errorf("a fragment may hold only paths, components and tags, not %q", key)
		}
	}
	paths, err := child(doc, "paths")
	if err != nil {
		return err
	}
	fpaths, _ := frag["paths"].(map[string]any)
	for path, item := range fpaths {
		ops, ok := item.(map[string]any)
		if !ok {
			return fmt.Errorf("path %s: not a mapping", path)
		}
		target, err := child(paths, path)
		if err != nil {
			return err
		}
		for method, op := range ops {
			if _, dup := target[method]; dup {
				return fmt.Errorf("%s %s is defined in another file too", strings.ToUpper(method), path)
			}
			target[method] = op
		}
	}
	comps, err := child(doc, "components")
	if err != nil {
		return err
	}
	fcomps, _ := frag["components"].(map[string]any)
	for kind, set := range fcomps {
		entries, ok := set.(map[string]any)
		if !ok {
			return fmt.Errorf("components.%s: not a mapping", kind)
		}
		target, err := child(comps, kind)
		if err != nil {
			return err
		}
		for name, c := range entries {
			if old, dup := target[name]; dup && !reflect.DeepEqual(old, c) {
				return fmt.Errorf("components.%s.%s is defined in another file with other content: prefix the name with your area", kind, name)
			}
			target[name] = c
		}
	}
	if tags, ok := frag["tags"].([]any); ok {
		have := map[any]bool{}
		old, _ := doc["tags"].([]any)
		for _, t := range old {
			if m, ok := t.(map[string]any); ok {
				have[m["name"]] = true
			}
		}
		for _, t := range tags {
			if m, ok := t.(map[string]any); ok && !have[m["name"]] {
				old = append(old, t)
				have[m["name"]] = true
			}
		}
		doc["tags"] = old
	}
	return nil
}

// child returns m[key] as a mapping, making it when absent.
func child(m map[string]any, key string) (map[string]any, error) {
	switch c := m[key].(type) {
	case map[string]any:
		return c, nil
	case nil:
		c2 := map[string]any{}
		m[key] = c2
		return c2, nil
	}
	return nil, fmt.Errorf("%s: not a mapping", key)
}

package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// Load reads and parses the manifest file at path. Besides the errors of
// Parse, it returns the error of reading the file.
func Load(path string) (*Manifest, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read manifest: %w", err)
	}
	return Parse(path, data)
}

// Parse parses and validates a manifest in YAML or JSON (a JSON document is
// valid YAML). name is the file name used in problem reports. Unknown fields
// are errors. On any problem it returns a nil manifest and a Problems error
// listing every problem found, each with its line. It is safe for concurrent
// use.
func Parse(name string, data []byte) (*Manifest, error) {
	m, ps := parse(name, data)
	if len(ps) > 0 {
		return nil, ps
	}
	return m, nil
}

// parse decodes and validates a manifest. It returns the manifest, indexed,
// whenever it could be decoded at all, even with problems (so Check can
// lint it too), and the problems in line order.
func parse(name string, data []byte) (*Manifest, Problems) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{syntaxProblem(name, err)}
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, Problems{{File: name, Line: 1, Message: "the manifest is empty"}}
	}
	var m Manifest
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var ps Problems
	l := lineIndex(&root)
	if err := dec.Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		ps = append(ps, decodeProblems(name, err, l)...)
	}
	ps = append(ps, m.validate(name, l)...)
	m.file, m.lines = name, l
	m.index()
	if len(ps) > 0 {
		return &m, ps.sorted()
	}
	return &m, nil
}

var lineRE = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// syntaxProblem turns a YAML syntax error into a Problem.
func syntaxProblem(name string, err error) Problem {
	line, msg := splitLine(err.Error())
	return Problem{File: name, Line: line, Message: "invalid YAML: " + msg}
}

// unknownFieldRE matches yaml.v3's message for an unknown field, which
// names a Go type.
var unknownFieldRE = regexp.MustCompile(`^field (.+) not found in type \S+$`)

// decodeProblems turns the errors of decoding into the Manifest type (wrong
// types, unknown fields) into Problems. An unknown field is reported as
// "field: unknown field", with its path found in l by its line.
func decodeProblems(name string, err error, l lines) Problems {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return Problems{syntaxProblem(name, err)}
	}
	ps := make(Problems, 0, len(te.Errors))
	for _, e := range te.Errors {
		line, msg := splitLine(e)
		p := Problem{File: name, Line: line, Message: msg}
		if m := unknownFieldRE.FindStringSubmatch(msg); m != nil {
			p.Field, p.Message = l.pathAt(line, m[1]), "unknown field: remove it or check its spelling (docs/manifest.md lists the fields)"
		}
		ps = append(ps, p)
	}
	return ps
}

// pathAt returns the path of the field named key at line, or key alone if
// there is none.
func (l lines) pathAt(line int, key string) string {
	best := ""
	for path, n := range l {
		if n == line && (path == key || strings.HasSuffix(path, "."+key)) && (best == "" || path < best) {
			best = path
		}
	}
	if best == "" {
		return key
	}
	return best
}

// splitLine splits "line 3: problem" into 3 and "problem"; the line is 0 if
// the message names none.
func splitLine(s string) (int, string) {
	m := lineRE.FindStringSubmatch(s)
	if m == nil {
		return 0, s
	}
	n, _ := strconv.Atoi(m[1])
	return n, m[2]
}

// lines maps field paths such as "categories[2].retention" to the line
// where they appear in the document.
type lines map[string]int

// lineIndex walks a parsed document and records the line of every field.
func lineIndex(root *yaml.Node) lines {
	l := lines{"": 1}
	if len(root.Content) > 0 {
		l.walk(root.Content[0], "")
	}
	return l
}

func (l lines) walk(n *yaml.Node, path string) {
	switch n.Kind {
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			p := n.Content[i].Value
			if path != "" {
				p = path + "." + p
			}
			l[p] = n.Content[i].Line
			l.walk(n.Content[i+1], p)
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			p := fmt.Sprintf("%s[%d]", path, i)
			l[p] = c.Line
			l.walk(c, p)
		}
	}
}

// line returns the line of path, or of its nearest enclosing field that
// appears in the document (a missing field is reported where its parent is).
func (l lines) line(path string) int {
	for {
		if n, ok := l[path]; ok {
			return n
		}
		i := max(bytes.LastIndexByte([]byte(path), '.'), bytes.LastIndexByte([]byte(path), '['))
		if i < 0 {
			return l[""]
		}
		path = path[:i]
	}
}

package manifest

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong with a manifest, at a line of its file.
type Problem struct {
	File    string // the name given to Parse
	Line    int    // 1-based; 0 if unknown
	Field   string // the field path, such as "categories[2].retention"; "" if none
	Message string // what is wrong, safe to show to the manufacturer
}

// String formats the problem as "file:line: field: problem".
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	b.WriteString(": ")
	if p.Field != "" {
		b.WriteString(p.Field + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem found in a manifest, in line order. Parse
// returns it as its error, so that all problems are reported at once.
type Problems []Problem

// Error lists the problems, one a line.
func (ps Problems) Error() string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}

func (ps Problems) sorted() Problems {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

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
	// Warning marks a problem Hearth accepts but the manufacturer should
	// review, such as a category with free-form values; every other
	// problem is an error.
	Warning bool
}

// String formats the problem as "file:line: field: problem", the problem
// starting with "warning: " for a warning.
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
	if p.Warning {
		b.WriteString("warning: ")
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

// Errors returns the problems that are not warnings.
func (ps Problems) Errors() Problems {
	var out Problems
	for _, p := range ps {
		if !p.Warning {
			out = append(out, p)
		}
	}
	return out
}

func (ps Problems) sorted() Problems {
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].Line < ps[j].Line })
	return ps
}

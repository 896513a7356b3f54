package compliance

import (
	_ "embed"
	"fmt"
	"regexp"
	"strings"
)

// requirementsMD is a copy of the project's REQUIREMENTS.md, the list of
// requirement IDs the report covers; keep it in step with the original.
//
//go:embed requirements.md
var requirementsMD []byte

// Requirement is one line of requirements.md.
type Requirement struct {
	ID       string `json:"id"`
	Section  string `json:"section"`  // such as "6. Security (OIM Security, …)"
	Strength string `json:"strength"` // M (must), S (should) or B (best case)
	Text     string `json:"text"`
	ShownBy  string `json:"shown_by"` // what an automated test must demonstrate
}

// Strengths maps a requirement's strength letter to its meaning.
var Strengths = map[string]string{"M": "must", "S": "should", "B": "best case"}

// idRE is the shape of a requirement ID: upper-case words joined by '-'.
var idRE = regexp.MustCompile(`^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*$`)

// maxRequirements bounds ParseRequirements's output.
const maxRequirements = 1000

// Requirements returns the embedded requirements, in document order. The
// embedded copy parses (a test keeps it so).
func Requirements() []Requirement {
	rs, err := ParseRequirements(requirementsMD)
	if err != nil {
		panic("compliance: embedded requirements.md: " + err.Error())
	}
	return rs
}

// ParseRequirements reads the requirement tables of a REQUIREMENTS.md:
// every table row whose first cell is an ID, under a "## " section
// heading, with a strength of M, S or B and a non-empty requirement and
// "shown by". Other lines are ignored. It returns an error naming the line
// of a malformed row, or of an ID given twice.
func ParseRequirements(md []byte) ([]Requirement, error) {
	var rs []Requirement
	seen := map[string]int{}
	section := ""
	for i, line := range strings.Split(string(md), "\n") {
		n := i + 1
		line = strings.TrimRight(line, "\r")
		if h, ok := strings.CutPrefix(line, "## "); ok {
			section = strings.TrimSpace(h)
			continue
		}
		if !strings.HasPrefix(line, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(strings.TrimSpace(line), "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		if len(cells) == 0 || cells[0] == "ID" || strings.HasPrefix(cells[0], "---") || strings.Trim(cells[0], "-: ") == "" {
			continue // header or separator
		}
		if len(cells) != 4 {
			return nil, fmt.Errorf("line %d: a requirement row has 4 cells (ID, strength, requirement, shown by), not %d", n, len(cells))
		}
		r := Requirement{ID: cells[0], Section: section, Strength: cells[1], Text: cells[2], ShownBy: cells[3]}
		switch {
		case !idRE.MatchString(r.ID) || len(r.ID) > 64:
			return nil, fmt.Errorf("line %d: %q is not a requirement ID (upper-case words joined by '-')", n, r.ID)
		case Strengths[r.Strength] == "":
			return nil, fmt.Errorf("line %d: %s: strength %q: use M, S or B", n, r.ID, r.Strength)
		case r.Text == "" || r.ShownBy == "":
			return nil, fmt.Errorf("line %d: %s: the requirement and what shows it are both needed", n, r.ID)
		case section == "":
			return nil, fmt.Errorf("line %d: %s comes before any \"## \" section", n, r.ID)
		}
		if first, ok := seen[r.ID]; ok {
			return nil, fmt.Errorf("line %d: %s is already on line %d", n, r.ID, first)
		}
		if len(rs) == maxRequirements {
			return nil, fmt.Errorf("line %d: more than %d requirements", n, maxRequirements)
		}
		seen[r.ID] = n
		rs = append(rs, r)
	}
	if len(rs) == 0 {
		return nil, fmt.Errorf("no requirement rows")
	}
	return rs, nil
}

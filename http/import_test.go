package http_test

import (
	"fmt"
	"testing"
)

// TestImportRoute moves a person between two instances through the API
// (RIGHT-PORT): the export downloaded from one is imported into a
// household of the other, 201 with the person restored under their ID; the same archive
// again is 200, already imported, and nothing changes.
func TestImportRoute(t *testing.T) {
	from := newEnv(t)
	tok, person := from.user("Mover")
	hh := from.household(tok)
	link := from.want(from.do("POST", fmt.Sprintf("/v1/households/%s/people/%s/exports", hh, person), tok,
		`{"password":"correct horse battery staple"}`), 201).json(t)["url"].(string)
	archive := from.want(from.do("GET", link, tok, ""), 200).body

	to := newEnv(t)
	owner, _ := to.user("Owner")
	home := to.household(owner)
	got := to.want(to.do("POST", "/v1/households/"+home+"/imports", owner, string(archive), "Content-Type", "application/zip"), 201).json(t)
	if got["already_imported"] != false || got["person_id"] != person {
		t.Errorf("import = %v, want %s restored", got, person)
	}
	again := to.want(to.do("POST", "/v1/households/"+home+"/imports", owner, string(archive), "Content-Type", "application/zip"), 200).json(t)
	if again["already_imported"] != true {
		t.Errorf("second import = %v, want already_imported", again)
	}
}

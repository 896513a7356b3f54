package export_test

import (
	"archive/zip"
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/ledger"
)

// schemaOf maps each JSON file of an export to the definition in
// docs/export.schema.json it must satisfy; .jsonl files are checked line
// by line.
func schemaOf(name string) string {
	switch {
	case strings.HasPrefix(name, "readings/") && strings.HasSuffix(name, ".jsonl"):
		return "reading"
	case strings.HasSuffix(name, ".csv"), name == "index.html":
		return ""
	}
	return map[string]string{
		"export.json": "metadata", "profile.json": "profile", "settings.json": "settings",
		"consents/ledger.jsonl": "ledgerEntry", "consents/receipts.json": "receipts",
		"consents/state.json": "consentState", "notices-shown.json": "noticesShown",
		"notifications.jsonl": "notification", "processing.json": "processing",
		"rights-requests.json": "rightsRequests", "connected-clients.json": "connectedClients",
		"accesses.jsonl": "accessEntry",
	}[name]
}

// TestExportMatchesSchema validates a real export, with something in every
// file, against the published JSON Schema (RIGHT-PORT: a documented open
// format), with a complete draft 2020-12 validator.
func TestExportMatchesSchema(t *testing.T) {
	in := newInstance(t, "alpha")
	h := in.newHome(t)
	in.addReadings(t, h, h.child, 24)
	ctx := t.Context()
	must(t, in.store.PutSettings(ctx, &hearth.PersonSettings{PersonID: h.child, Features: []string{"energy-insights"},
		Restricted: []string{"device-security"}, Updated: in.now}))
	if _, err := in.consents.Give(ctx, h.adult, h.child, "energy-insights", hearth.MethodApp, ""); err != nil {
		t.Fatal(err)
	}
	must(t, in.store.AddNotifications(ctx, []hearth.Notification{{ID: "n_1", PersonID: h.child, HouseholdID: h.hh,
		Kind: hearth.NotifyConsentNeeded, Title: "A consent is needed", Body: "Energy insights need your consent.", Created: in.now}}))
	must(t, in.store.CreateRightsRequest(ctx, &hearth.RightsRequest{ID: "rr_1", PersonID: h.child, HouseholdID: h.hh,
		Type: hearth.RequestAccess, RequestedBy: h.adult, IdentityCheck: hearth.CheckGuardian, Status: hearth.StatusReceived,
		Created: in.now, Deadline: in.now.Add(30 * 24 * time.Hour)}))
	// RIGHT-ACCESS, AUDIT: a client the child's guardian connected for
	// them, and who read the child's data.
	in.connect(t, "c_coach", "Energy Coach", h.child, secretSignature)
	log := in.newAuditLog(t)
	accessed(t, log, h.child, h.adult, audit.Guardian, "", "energy-insights")
	accessed(t, log, h.child, "client:c_coach", audit.Client, h.adult, "")
	must(t, log.Record(ctx, hearth.LedgerEntry{Type: audit.Admin, Person: h.child, Actor: "p_operator", Method: ledger.MethodCLI,
		Details: audit.Details{ActorKind: audit.Operator, Action: "people erase"}.JSON()}))
	data := in.write(t, h.child)

	schemas := compileSchemas(t)
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	must(t, err)
	seen := map[string]bool{}
	for _, f := range zr.File {
		def := schemaOf(f.Name)
		if def == "" {
			continue
		}
		seen[def] = true
		rc, err := f.Open()
		must(t, err)
		b, err := io.ReadAll(rc)
		rc.Close()
		must(t, err)
		docs := [][]byte{b}
		if strings.HasSuffix(f.Name, ".jsonl") {
			docs = nil
			sc := bufio.NewScanner(bytes.NewReader(b))
			for sc.Scan() {
				docs = append(docs, bytes.Clone(sc.Bytes()))
			}
			if len(docs) == 0 {
				t.Errorf("%s is empty: the test proves nothing about its lines", f.Name)
			}
		}
		for i, doc := range docs {
			v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
			must(t, err)
			if err := schemas[def].Validate(v); err != nil {
				t.Errorf("%s (record %d) does not match #/$defs/%s: %v", f.Name, i+1, def, err)
			}
		}
	}
	for _, def := range []string{"metadata", "profile", "settings", "ledgerEntry", "receipts", "consentState",
		"noticesShown", "notification", "processing", "rightsRequests", "reading", "connectedClients", "accessEntry"} {
		if !seen[def] {
			t.Errorf("no file of the export was checked against %s", def)
		}
	}
}

// TestSchemaCatchesDrift: the schema refuses what the format does not
// allow, so the validation above can fail (ACCURACY-INFERRED: an inference
// without its source is refused).
func TestSchemaCatchesDrift(t *testing.T) {
	schemas := compileSchemas(t)
	for _, tt := range []struct{ def, doc string }{
		{"reading", `{"id":1,"category":"c","time":"2026-01-01T00:00:00Z","received":"2026-01-01T00:00:00Z","device_id":"d","msg_id":"m","household_id":"h","inferred":true,"values":{}}`},
		{"reading", `{"id":1,"category":"c","time":"2026-01-01T00:00:00Z","received":"2026-01-01T00:00:00Z","device_id":"d","msg_id":"m","household_id":"h","inferred":false,"values":{},"extra":1}`},
		{"metadata", `{"format":"hearth-export","format_version":2,"export_id":"e","instance":"i","person_id":"p","created":"2026-01-01T00:00:00Z","files":[]}`},
	} {
		v, err := jsonschema.UnmarshalJSON(strings.NewReader(tt.doc))
		must(t, err)
		if schemas[tt.def].Validate(v) == nil {
			t.Errorf("#/$defs/%s accepts %s", tt.def, tt.doc)
		}
	}
}

// compileSchemas compiles every definition of docs/export.schema.json.
func compileSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	f, err := os.Open("../docs/export.schema.json")
	must(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	must(t, err)
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	const url = "https://hearth.example/schemas/export.schema.json"
	must(t, c.AddResource(url, doc))
	out := map[string]*jsonschema.Schema{}
	for _, def := range []string{"metadata", "profile", "settings", "ledgerEntry", "receipts", "consentState",
		"noticesShown", "notification", "processing", "rightsRequests", "reading", "connectedClients", "accessEntry"} {
		s, err := c.Compile(url + "#/$defs/" + def)
		if err != nil {
			t.Fatalf("compile %s: %v", def, err)
		}
		out[def] = s
	}
	return out
}

// TestSchemaNamesEveryField: each definition's properties are exactly the
// JSON fields of the Go type written to that file, so a field added to the
// format without the schema (or the other way round) fails here even when
// no export happens to carry it.
func TestSchemaNamesEveryField(t *testing.T) {
	b, err := os.ReadFile("../docs/export.schema.json")
	must(t, err)
	var doc struct {
		Defs map[string]struct {
			Properties map[string]json.RawMessage `json:"properties"`
			Items      *struct {
				Properties map[string]json.RawMessage `json:"properties"`
			} `json:"items"`
		} `json:"$defs"`
	}
	must(t, json.Unmarshal(b, &doc))
	for def, typ := range map[string]reflect.Type{
		"metadata": reflect.TypeFor[export.Metadata](), "profile": reflect.TypeFor[export.Profile](),
		"settings": reflect.TypeFor[export.SettingsRecord](), "ledgerEntry": reflect.TypeFor[export.LedgerRecord](),
		"reading": reflect.TypeFor[export.ReadingRecord](), "notification": reflect.TypeFor[export.NotificationRecord](),
		"processing": reflect.TypeFor[export.Processing](), "rightsRequests": reflect.TypeFor[export.RequestRecord](),
		"connectedClients": reflect.TypeFor[export.GrantRecord](), "accessEntry": reflect.TypeFor[export.AccessRecord](),
	} {
		d := doc.Defs[def]
		props := d.Properties
		if d.Items != nil {
			props = d.Items.Properties
		}
		var inSchema, inGo []string
		for name := range props {
			inSchema = append(inSchema, name)
		}
		for i := range typ.NumField() {
			name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
			inGo = append(inGo, name)
		}
		slices.Sort(inSchema)
		slices.Sort(inGo)
		if !slices.Equal(inSchema, inGo) {
			t.Errorf("#/$defs/%s names %v; %s has %v", def, inSchema, typ.Name(), inGo)
		}
	}
}

package http_test

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

const pagePassword = "correct horse battery staple"

// signIn signs a browser in as an account made with e.user(name).
func (b *browser) signIn(name string) {
	b.e.t.Helper()
	email := strings.ToLower(name) + "@example.org"
	if p := b.submit("/signin", "/signin", url.Values{"email": {email}, "password": {pagePassword}}); p.status != 303 {
		b.e.t.Fatalf("sign in: status %d: %.500s", p.status, p.body)
	}
}

// dataHome is a household with an owner signed in on a browser, a device,
// and readings: two room temperatures and an occupancy about the owner, and
// one of the household's own.
type dataHome struct {
	e                  *env
	b                  *browser
	token, person, hh  string
	dev, secret, path  string
	temperatureReading string // a reading ID about the owner
}

func newDataHome(t *testing.T, e *env, name string) *dataHome {
	t.Helper()
	h := &dataHome{e: e}
	h.token, h.person = e.user(name)
	h.hh = e.household(h.token)
	h.dev, h.secret = e.device(h.token, h.hh)
	h.path = "/households/" + h.hh + "/people/" + h.person + "/data"
	base := time.Now().UTC().Add(-2 * time.Hour)
	for i, r := range []struct{ cat, person, values string }{
		{"room-temperature", h.person, `{"celsius":19.5}`},
		{"room-temperature", h.person, `{"celsius":21}`},
		{"occupancy", h.person, `{"occupied":true}`},
		{"humidity", "", `{"percent":44}`},
	} {
		body := fmt.Sprintf(`{"id":"r%d","time":%q,"category":%q,"values":%s`, i, base.Add(time.Duration(i)*time.Minute).Format(time.RFC3339), r.cat, r.values)
		if r.person != "" {
			body += fmt.Sprintf(`,"person":%q`, r.person)
		}
		e.want(e.do("POST", "/v1/devices/"+h.dev+"/readings", h.secret, body+"}"), 201)
	}
	page := e.want(e.do("GET", "/v1/households/"+h.hh+"/readings?purpose=heating-control&category=room-temperature", h.token, ""), 200).json(t)
	h.temperatureReading = fmt.Sprint(page["readings"].([]any)[0].(map[string]any)["id"])
	h.b = e.newBrowser()
	h.b.signIn(name)
	return h
}

// deadline is the deadline of the owner's newest rights request, as the
// API gives it, written as the page writes dates.
func (h *dataHome) deadline(t *testing.T) string {
	t.Helper()
	rs := h.e.want(h.e.do("GET", "/v1/households/"+h.hh+"/people/"+h.person+"/requests", h.token, ""), 200).json(t)["requests"].([]any)
	d, err := time.Parse(time.RFC3339Nano, rs[0].(map[string]any)["deadline"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return d.UTC().Format("2 January 2006")
}

// The data page draws a chart per category and value with a table of the
// same readings, reads them for a purpose exactly as the reading API does
// (a consent-based purpose without consent shows none, counted as
// withheld), keeps a bad date beside its field, and answers another
// household's or person's ID with not-found (RIGHT-ACCESS, CONSENT-*,
// INT-SAME-SCOPE, SEC-AUTHZ).
func TestPageDataReadings(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	p := h.b.get(h.path)
	wantPage(t, p, 200, "Your data in Home", `<svg class="chart"`, "Room temperature: about you",
		`aria-label="Room temperature, celsius (you): 2 readings`, "lowest 19.5 °C, highest 21 °C", "<td>19.5</td>", "<td>21</td>",
		"Whether someone is at home, and who: about you", "<td>yes</td>", "Relative humidity: about the household",
		`id="export-form"`, `id="import-form"`, `id="erase-form"`, `id="name-form"`, `id="request-form"`, `<th scope="col">celsius (°C)</th>`)
	if strings.Count(p.body, "<h1") != 1 {
		t.Errorf("want one h1")
	}
	// The same readings the API gives for the purpose: none for a purpose
	// on consent that nobody gave, and the page says how many it left out.
	p = h.b.get(h.path + "?purpose=energy-insights")
	wantPage(t, p, 200, "No readings to show", "Not shown, because this purpose may not use them", "3 readings: the feature that uses this data is switched off")
	if strings.Contains(p.body, "<svg class=\"chart\"") {
		t.Errorf("readings shown for a purpose without consent")
	}
	// A purpose the product does not declare: the API's 400, said on the page.
	wantPage(t, h.b.get(h.path+"?purpose=selling-data"), 400, "Not a purpose declared in the product")
	// A bad date: 400, the error beside the field, what was typed kept.
	p = h.b.get(h.path + "?from=yesterday")
	wantPage(t, p, 400, `id="readings-from-error"`, `value="yesterday"`, `aria-invalid="true"`)

	// A guardian sees their child's page, about the child, and erases for
	// them with their own password (RIGHT-UNREGISTERED).
	kid := e.want(e.do("POST", "/v1/households/"+h.hh+"/people", h.token,
		fmt.Sprintf(`{"display_name":"Kid","role":"child","guardian_id":%q}`, h.person)), 201).json(t)["id"].(string)
	e.want(e.do("POST", "/v1/devices/"+h.dev+"/readings", h.secret, fmt.Sprintf(`{"id":"k1","time":%q,"category":"room-temperature","person":%q,"values":{"celsius":23}}`,
		time.Now().UTC().Add(-time.Hour).Format(time.RFC3339), kid)), 201)
	kidPath := "/households/" + h.hh + "/people/" + kid + "/data"
	p = h.b.get(kidPath)
	wantPage(t, p, 200, "Kid's data in Home", "Room temperature: about Kid", "<td>23</td>")
	if strings.Contains(p.body, "<td>19.5</td>") {
		t.Errorf("the child's page shows the guardian's readings")
	}
	p = h.b.post(kidPath+"/erase", url.Values{"form": {"erase-confirm-form"}, "category": {"room-temperature"}, "password": {pagePassword}})
	wantPage(t, h.b.get(p.location), 200, "Erased 1 reading for good")
	// Everything about the child: no dates with it; the preview says the
	// profile goes too; then the profile is gone.
	h.b.get(kidPath)
	p = h.b.post(kidPath+"/erase/preview", url.Values{"form": {"erase-form"}, "category": {":everything"}, "erase_from": {"2026-01-01"}})
	wantPage(t, p, 400, "Erasing everything takes no category, device or time range")
	p = h.b.post(kidPath+"/erase/preview", url.Values{"form": {"erase-form"}, "category": {":everything"}})
	wantPage(t, p, 200, "This erases everything kept about this person", "the profile itself", `name="category" value=":everything"`)
	p = h.b.post(kidPath+"/erase", url.Values{"form": {"erase-confirm-form"}, "category": {":everything"}, "password": {pagePassword}})
	if p.status != 303 || p.location != "/" {
		t.Fatalf("erase everything: %d to %q", p.status, p.location)
	}
	wantPage(t, h.b.get("/"), 200, "Everything is erased")
	wantPage(t, h.b.get(kidPath), 404)

	// The owner acts for a profile without an account: its page, its
	// export with the owner's password (RIGHT-UNREGISTERED).
	gran := e.want(e.do("POST", "/v1/households/"+h.hh+"/people", h.token, `{"display_name":"Gran","role":"guest"}`), 201).json(t)["id"].(string)
	granPath := "/households/" + h.hh + "/people/" + gran + "/data"
	p = h.b.get(granPath)
	wantPage(t, p, 200, "Gran's data in Home", "a profile without an account")
	// Its navigation offers only the pages the owner may open for it.
	if strings.Contains(p.body, "/people/"+gran+"/consents") || strings.Contains(p.body, "/people/"+gran+"/privacy") {
		t.Errorf("the profile's data page links pages its owner may not open")
	}
	// Nor a share form: sharing is the person's decision (policy.MayConsent).
	if strings.Contains(p.body, `id="share-form"`) || !strings.Contains(p.body, "nobody can share for a profile without an account") {
		t.Errorf("the profile's data page offers sharing, which the service refuses its owner")
	}
	wantPage(t, h.b.post(granPath+"/export", url.Values{"form": {"export-form"}, "password": {pagePassword}}), 201, `id="export-download"`)

	// A stranger, and a tampered person ID, get the API's not-found.
	stranger := e.newBrowser()
	e.user("Eve")
	stranger.signIn("Eve")
	wantPage(t, stranger.get(h.path), 404)
	other, otherID := e.user("Bob")
	_ = other
	wantPage(t, h.b.get("/households/"+h.hh+"/people/"+otherID+"/data"), 404)
}

var downloadLink = regexp.MustCompile(`id="export-download" class="button" href="(/v1/exports/[^"]+)"`)

// The export asks for the password again (a wrong one is refused beside
// its field), then gives a link that downloads the ZIP with the session
// cookie, recorded as an access request with its deadline (RIGHT-ACCESS,
// RIGHT-REQUESTS).
func TestPageDataExport(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	h.b.get(h.path)
	p := h.b.post(h.path+"/export", url.Values{"form": {"export-form"}, "password": {"wrong horse"}})
	wantPage(t, p, 403, `id="export-form-password-error"`)
	if strings.Contains(p.body, `id="name-form-password-error"`) {
		t.Errorf("the error shows beside another form's password too")
	}
	p = h.b.post(h.path+"/export", url.Values{"form": {"export-form"}})
	wantPage(t, p, 400, `id="export-form-password-error"`)
	p = h.b.post(h.path+"/export", url.Values{"form": {"export-form"}, "password": {pagePassword}})
	wantPage(t, p, 201, "Your export is ready")
	m := downloadLink.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no download link: %.2000s", p.body)
	}
	req, _ := http.NewRequest("GET", e.url+m[1], nil)
	res, err := h.b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	zip, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/zip" || !bytes.HasPrefix(zip, []byte("PK")) {
		t.Fatalf("download: %d %s %.100q", res.StatusCode, res.Header.Get("Content-Type"), zip)
	}
	wantPage(t, h.b.get(h.path), 200, "<th scope=\"row\">access</th>", h.deadline(t))
}

// Erasing shows the plain explanation first and erases nothing until the
// password confirms it; a wrong password erases nothing; a repeated
// erasure says nothing matched; another person's ID is not found
// (RIGHT-ERASE, SEC-AUTHZ).
func TestPageDataErase(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	h.b.get(h.path)
	scope := url.Values{"form": {"erase-form"}, "category": {"room-temperature"}}
	p := h.b.post(h.path+"/erase/preview", scope)
	wantPage(t, p, 200, "Before you erase", `id="erase-preview"`, "What goes", "Backups", "Deleting the app",
		"<strong>2 readings</strong> of Room temperature", `id="erase-confirm-form"`, `name="category" value="room-temperature"`)
	if e.readingsOf(t, h.token, h.hh, h.person) != 3 {
		t.Fatalf("the preview erased something")
	}
	confirm := url.Values{"form": {"erase-confirm-form"}, "category": {"room-temperature"}, "erase_from": {""}, "erase_to": {""}}
	confirm.Set("password", "wrong horse")
	wantPage(t, h.b.post(h.path+"/erase", confirm), 403, `id="erase-confirm-form-password-error"`, "What goes")
	if e.readingsOf(t, h.token, h.hh, h.person) != 3 {
		t.Fatalf("a wrong password erased something")
	}
	confirm.Set("password", pagePassword)
	p = h.b.post(h.path+"/erase", confirm)
	if p.status != 303 {
		t.Fatalf("erase: %d %.500s", p.status, p.body)
	}
	wantPage(t, h.b.get(p.location), 200, "Erased 2 readings for good", "<th scope=\"row\">erasure")
	if n := e.readingsOf(t, h.token, h.hh, h.person); n != 1 {
		t.Errorf("after erasing: %d readings, want the occupancy only", n)
	}
	// An erasure of data a recipient receives tells them, shown on the page.
	h.b.get(h.path)
	p = h.b.post(h.path+"/erase", url.Values{"form": {"erase-confirm-form"}, "category": {"device-health"}, "password": {pagePassword}})
	wantPage(t, h.b.get(p.location), 200, `id="erasure-notices"`, "Northwind Cloud Ltd", "Battery, signal strength and firmware state")
	// Sent twice (a double submit): nothing matched, said plainly.
	h.b.get(h.path)
	p = h.b.post(h.path+"/erase", confirm)
	wantPage(t, h.b.get(p.location), 200, "No readings matched, so nothing was erased")
	// A bad date is refused beside its field on the first form.
	p = h.b.post(h.path+"/erase/preview", url.Values{"form": {"erase-form"}, "erase_from": {"soon"}})
	wantPage(t, p, 400, `id="erase-form-erase_from-error"`, `value="soon"`)
	// A tampered hidden field (a category the product does not have): the
	// service's refusal, never a 500, nothing erased.
	h.b.get(h.path)
	p = h.b.post(h.path+"/erase", url.Values{"form": {"erase-confirm-form"}, "category": {"heart-rate"}, "password": {pagePassword}})
	wantPage(t, p, 400)
	// Another household's person: not found.
	_, bob := e.user("Bob")
	p = h.b.post("/households/"+h.hh+"/people/"+bob+"/data/erase/preview", scope)
	wantPage(t, p, 404)
}

// A reading's values and the display name are corrected after the
// password, each recorded as a rectification request; a value of the wrong
// kind is refused beside its field, what was typed kept (RIGHT-RECTIFY).
func TestPageDataCorrect(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	p := h.b.get(h.path + "?correct=" + h.temperatureReading)
	wantPage(t, p, 200, `id="correct-form"`, `name="v.celsius"`, `name="k.celsius" value="number"`)
	action := h.path + "/readings/" + h.temperatureReading + "/correct"
	p = h.b.post(action, url.Values{"form": {"correct-form"}, "v.celsius": {"warm"}, "k.celsius": {"number"}, "password": {pagePassword}})
	wantPage(t, p, 400, "Enter a number", `value="warm"`)
	p = h.b.post(action, url.Values{"form": {"correct-form"}, "v.celsius": {"20.25"}, "k.celsius": {"number"}, "password": {pagePassword}})
	if p.status != 303 {
		t.Fatalf("correct: %d %.800s", p.status, p.body)
	}
	wantPage(t, h.b.get(p.location), 200, "The reading is corrected", "<td>20.25</td>", "<th scope=\"row\">rectification")
	// Disputed, then the dispute ended: shown on the reading, each a request.
	disputeAt := h.path + "/readings/" + h.temperatureReading + "/dispute"
	h.b.get(h.path + "?correct=" + h.temperatureReading)
	p = h.b.post(disputeAt, url.Values{"form": {"dispute-form"}, "disputed": {"yes"}, "password": {"wrong horse"}})
	wantPage(t, p, 403, `id="dispute-form-password-error"`, `id="correct-form"`)
	p = h.b.post(disputeAt, url.Values{"form": {"dispute-form"}, "disputed": {"yes"}, "password": {pagePassword}})
	wantPage(t, h.b.get(p.location), 200, "marked disputed", "(disputed)")
	p = h.b.post(disputeAt, url.Values{"form": {"dispute-form"}, "disputed": {"no"}, "password": {pagePassword}})
	if p := h.b.get(p.location); strings.Contains(p.body, "(disputed)") || !strings.Contains(p.body, "no longer marked disputed") {
		t.Errorf("the dispute did not end: %.300s", p.body)
	}
	// Another household's reading ID: the API's not-found.
	other := newDataHome(t, e, "Olga")
	p = h.b.post(h.path+"/readings/"+other.temperatureReading+"/correct", url.Values{"form": {"correct-form"}, "v.celsius": {"5"}, "k.celsius": {"number"}, "password": {pagePassword}})
	wantPage(t, p, 404)
	// A reading ID of no reading: the API's not-found.
	p = h.b.post(h.path+"/readings/999999/correct", url.Values{"form": {"correct-form"}, "v.celsius": {"20"}, "k.celsius": {"number"}, "password": {pagePassword}})
	wantPage(t, p, 404)

	h.b.get(h.path)
	p = h.b.post(h.path+"/name", url.Values{"form": {"name-form"}, "display_name": {"Ada L."}, "password": {"wrong horse"}})
	wantPage(t, p, 403, `id="name-form-password-error"`, `value="Ada L."`)
	p = h.b.post(h.path+"/name", url.Values{"form": {"name-form"}, "display_name": {"Ada L."}, "password": {pagePassword}})
	if p.status != 303 {
		t.Fatalf("rename: %d %.500s", p.status, p.body)
	}
	wantPage(t, h.b.get(p.location), 200, "The name is corrected", "“Ada L.”")
}

// A category is shared with another member and the share ended on the
// page, and the reader's access follows (RIGHT-ACCESS-OTHERS); a share
// with someone outside the household is not found.
func TestPageDataShare(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	bob, bobID := e.user("Bob")
	inv := e.want(e.do("POST", "/v1/households/"+h.hh+"/invites", h.token, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", bob, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	p := h.b.get(h.path)
	wantPage(t, p, 200, `id="share-form"`, "Nothing is shared", "Bob (adult)")
	// Another adult of the same household may not open Ada's data page:
	// the answer the API gives them for her per-person routes (SEC-AUTHZ).
	problem(t, e.do("GET", "/v1/households/"+h.hh+"/people/"+h.person+"/shares", bob, ""), 403)
	bb := e.newBrowser()
	bb.signIn("Bob")
	wantPage(t, bb.get(h.path), 403, "Not allowed")
	p = h.b.post(h.path+"/shares", url.Values{"form": {"share-form"}, "action": {"grant"}, "with": {bobID}})
	wantPage(t, p, 400, "Choose the kind of data to share")
	p = h.b.post(h.path+"/shares", url.Values{"form": {"share-form"}, "action": {"grant"}, "category": {"room-temperature"}, "with": {bobID}})
	if p.status != 303 {
		t.Fatalf("share: %d %.500s", p.status, p.body)
	}
	wantPage(t, h.b.get(p.location), 200, "Shared.", "Stop sharing")
	if n := e.readingsOf(t, bob, h.hh, h.person); n != 2 {
		t.Errorf("Bob reads %d of Ada's readings, want the 2 room temperatures", n)
	}
	p = h.b.post(h.path+"/shares", url.Values{"form": {"revoke-form"}, "action": {"revoke"}, "category": {"room-temperature"}, "with": {bobID}})
	wantPage(t, h.b.get(p.location), 200, "No longer shared", "Nothing is shared")
	if n := e.readingsOf(t, bob, h.hh, h.person); n != 0 {
		t.Errorf("Bob reads %d of Ada's readings after the share ended, want 0", n)
	}
	_, eve := e.user("Eve")
	p = h.b.post(h.path+"/shares", url.Values{"form": {"share-form"}, "action": {"grant"}, "category": {"room-temperature"}, "with": {eve}})
	wantPage(t, p, 404)
}

// A rights request is recorded after the password and listed with its
// deadline (RIGHT-REQUESTS); a bad type is refused beside its field.
func TestPageDataRequests(t *testing.T) {
	e := newEnv(t)
	h := newDataHome(t, e, "Ada")
	wantPage(t, h.b.get(h.path), 200, "No requests yet", `id="request-form"`)
	p := h.b.post(h.path+"/requests", url.Values{"form": {"request-form"}, "type": {"erasure"}, "scope": {"category:occupancy"}, "statement": {"Please erase the sensor data you hold elsewhere."}})
	wantPage(t, p, 400, `id="request-form-password-error"`, "Please erase the sensor data")
	p = h.b.post(h.path+"/requests", url.Values{"form": {"request-form"}, "type": {"nonsense"}, "password": {pagePassword}})
	if p.status < 400 || p.status >= 500 {
		t.Fatalf("a bad type: status %d, want a 4xx", p.status)
	}
	p = h.b.post(h.path+"/requests", url.Values{"form": {"request-form"}, "type": {"erasure"}, "scope": {"category:occupancy"}, "password": {pagePassword}})
	if p.status != 303 {
		t.Fatalf("request: %d %.500s", p.status, p.body)
	}
	wantPage(t, h.b.get(p.location), 200, "Your request is recorded. It must be answered by "+h.deadline(t), "erasure (category:occupancy)", "received")
}

// multipartPost posts an upload form as a browser does.
func (b *browser) multipartPost(path string, fields map[string]string, file []byte) page {
	b.e.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	fields["csrf_token"] = b.csrf()
	for k, v := range fields {
		w.WriteField(k, v)
	}
	if file != nil {
		fw, _ := w.CreateFormFile("archive", "export.zip")
		fw.Write(file)
	}
	w.Close()
	req, _ := http.NewRequest("POST", b.e.url+path, &body)
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", b.e.url)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return b.do(req)
}

// An export from one server is imported on another's page by the owner
// of a household there; a second import changes nothing and says so; a
// file that is no export is refused beside the field (RIGHT-PORT).
func TestPageDataImport(t *testing.T) {
	a := newEnv(t)
	src := newDataHome(t, a, "Ada")
	link := a.want(a.do("POST", "/v1/households/"+src.hh+"/people/"+src.person+"/exports", src.token, `{"password":"`+pagePassword+`"}`), 201).json(t)["url"].(string)
	archive := a.want(a.do("GET", link, src.token, ""), 200).body

	b := newEnv(t)
	dst := newDataHome(t, b, "Olga")
	dst.b.get(dst.path)
	p := dst.b.multipartPost(dst.path+"/import", map[string]string{"form": "import-form"}, nil)
	wantPage(t, p, 400, "Choose the export file")
	dst.b.get(dst.path)
	p = dst.b.multipartPost(dst.path+"/import", map[string]string{"form": "import-form"}, []byte("not a zip at all"))
	if p.status < 400 || p.status >= 500 || !strings.Contains(p.body, `class="field-error"`) {
		t.Fatalf("a file that is no export: %d %.1500s", p.status, p.body)
	}
	dst.b.get(dst.path)
	p = dst.b.multipartPost(dst.path+"/import", map[string]string{"form": "import-form"}, archive)
	if p.status != 303 {
		t.Fatalf("import: %d %.1500s", p.status, p.body)
	}
	wantPage(t, dst.b.get(p.location), 200, "Imported 3 readings.")
	p = dst.b.multipartPost(dst.path+"/import", map[string]string{"form": "import-form"}, archive)
	wantPage(t, dst.b.get(p.location), 200, "imported before, so nothing changed")

	// Only an owner imports: an adult member is refused beside the upload.
	adult, adultID := b.user("Ann")
	inv := b.want(b.do("POST", "/v1/households/"+dst.hh+"/invites", dst.token, `{"role":"adult"}`), 201).json(t)["token"].(string)
	b.want(b.do("POST", "/v1/invites/accept", adult, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	ann := b.newBrowser()
	ann.signIn("Ann")
	annPath := "/households/" + dst.hh + "/people/" + adultID + "/data"
	ann.get(annPath)
	p = ann.multipartPost(annPath+"/import", map[string]string{"form": "import-form"}, archive)
	wantPage(t, p, 403, `class="field-error"`)
}

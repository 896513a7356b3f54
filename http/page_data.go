package http

import (
	"cmp"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/erasure"
	"github.com/hearth-iot/hearth/export"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/http/web"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/rights"
)

// The data pages: one person's readings over time (charts drawn on the
// server, with a table of the same values), their export, an import from
// another backend, corrections, erasure (the plain explanation first),
// shares with other members and their rights requests. Each form calls the
// service its API route calls, with the same arguments (INT-SAME-SCOPE).

const (
	// maxImportPage bounds an archive uploaded on the data page. The API
	// takes up to MaxImportSize; a browser upload is held in memory and
	// temporary files while the form is read, so the page takes less and
	// says so.
	maxImportPage = 32 << 20
	// dataDays is how far back the readings go when the page is opened
	// without a time range.
	dataDays = 7
	// dataPages bounds the pages of household.MaxReadingLimit readings the
	// data page reads for each of the person and the household: a week of
	// four categories read every ten minutes (about 4,000 readings) fits.
	dataPages = 5
	// dateLayout is the value of a date input.
	dateLayout = "2006-01-02"
)

// dataPages registers the data pages.
func (s *server) dataPages(handle func(pattern string, h http.Handler)) {
	// Each pattern is written out whole: TestPageRoutes reads them.
	handle("GET /households/{hh}/people/{person}/data", s.page("home", s.forRightsPage(s.pageData())))
	handle("POST /households/{hh}/people/{person}/data/export", s.page("home", s.forRightsPage(s.pageExportPost())))
	handle("POST /households/{hh}/people/{person}/data/import", s.pageWith("home", pageOptions{maxBytes: maxImportPage, readTimeout: ImportReadTimeout}, s.forRightsPage(s.pageImportPost())))
	handle("POST /households/{hh}/people/{person}/data/name", s.page("home", s.forRightsPage(s.pageRenamePost())))
	handle("POST /households/{hh}/people/{person}/data/readings/{id}/correct", s.page("home", s.forRightsPage(s.pageCorrectPost())))
	handle("POST /households/{hh}/people/{person}/data/readings/{id}/dispute", s.page("home", s.forRightsPage(s.pageDisputePost())))
	handle("POST /households/{hh}/people/{person}/data/erase/preview", s.page("home", s.forRightsPage(s.pageErasePreviewPost())))
	handle("POST /households/{hh}/people/{person}/data/erase", s.page("home", s.forRightsPage(s.pageErasePost())))
	handle("POST /households/{hh}/people/{person}/data/shares", s.page("home", s.forRightsPage(s.pageSharePost())))
	handle("POST /households/{hh}/people/{person}/data/requests", s.page("home", s.forRightsPage(s.pageRequestPost())))
}

// forRightsPage authorises the caller for {person} in {hh} as the rights
// routes do (rights.Service.Authorize, policy.MayExerciseRights: the
// person, a guardian for their child, an owner for a profile without an
// account, RIGHT-UNREGISTERED) and runs h with the person's page context;
// a caller who is not a member gets the not-found page, a member who may
// not act for the person the not-allowed page.
func (s *server) forRightsPage(h personPageFunc) pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		if s.Rights == nil || s.Exports == nil || s.Erasure == nil || s.Consents == nil {
			return hearth.Errorf(hearth.ENOTFOUND, "the data pages are not served here")
		}
		hh, person := r.PathValue("hh"), r.PathValue("person")
		if _, err := s.Rights.Authorize(r.Context(), caller(r), hh, person); err != nil {
			return err
		}
		pp := personPage{PersonID: person, Self: person == caller(r), Section: "data"}
		if i := slices.IndexFunc(p.Households, func(n web.NavHousehold) bool { return n.ID == hh }); i >= 0 {
			pp.Household = p.Households[i]
		}
		members, err := s.Households.Members(r.Context(), caller(r), hh)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(members, func(m household.MemberView) bool { return m.PersonID == person }); i >= 0 {
			pp.PersonName = members[i].DisplayName
		}
		return h(w, r, p, pp)
	}
}

// dataPage is the content of a person's data page.
type dataPage struct {
	Person   personPage
	Purposes []manifest.NoticePurpose // the product's purposes, to read the readings for
	Purpose  string                   // the purpose the readings are read for
	From, To string                   // the time range shown, as date input values
	Groups   []readingGroup           // the readings, by whose and category
	Withheld []withheldCount          // readings the purpose may not use, by reason
	More     bool                     // there were more readings than the page reads: narrow the range
	// Categories are the product's categories, for the erase and share forms.
	Categories []manifest.NoticeRef
	Others     []household.MemberView // the other members, to share with
	Shares     []shareView
	Requests   []requestRow
	Notices    []noticeRow     // what recipients were told about the person's erasures
	Export     *exportLinkJSON // the download link just made
	Correct    *correctForm    // the reading being corrected
	Types      []hearth.RequestType
	// DataOnly: the caller may open only this page of the person's (see
	// dataOnly), so the person's navigation offers no other.
	DataOnly bool
}

// readingGroup is the readings of one category about one subject (the
// person or the household), with a chart per value that can be drawn.
type readingGroup struct {
	ID       string // for element IDs
	Category manifest.NoticeRef
	Whose    string // "you", the person's name, or "the household"
	Charts   []web.Chart
	Fields   []string // the values' names: the table's columns
	Headers  []string // the columns' headings: each name with its unit
	Rows     []readingRow
}

// readingRow is one reading in a group's table.
type readingRow struct {
	ID       int64
	Time     time.Time
	Device   string
	Values   []string // in Fields order
	Kinds    []string // each value's kind: number, boolean, string, or "" (absent, or another kind)
	Disputed bool
	Inferred bool
}

// withheldCount is how many readings a purpose may not use, and why.
type withheldCount struct {
	Reason string
	N      int
}

// shareView is a share in force, with the reader's name.
type shareView struct {
	Category, CategoryName, With, WithName string
	Time                                   time.Time
}

// requestRow is one rights request with its deadline.
type requestRow struct {
	ID, Type, Scope, Status, Outcome string
	Created, Deadline, Completed     time.Time
	Open                             bool
}

// noticeRow is an erasure notice to a recipient, with its name and the
// names of the categories it covers.
type noticeRow struct {
	erasure.NoticeView
	Recipient  string
	Categories []string
}

// correctForm is the correction form of one reading: its values as fields.
type correctForm struct {
	Reading readingRow
	Group   string // the category's name
	Fields  []valueField
}

// valueField is one value of a reading, with its JSON kind.
type valueField struct {
	Name, Kind, Value string // Kind: number, boolean or string
}

// pageData shows the person's readings for a purpose over a time range,
// and the forms to act on their data. ?correct=ID opens the correction
// form of a reading listed.
func (s *server) pageData() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		d, err := s.dataFor(r, p, pp, r.URL.Query())
		if err != nil {
			if hearth.ErrorCode(err) == hearth.EINVALID {
				return s.formFailed(w, r, p, "data", err)
			}
			return err
		}
		if id := r.URL.Query().Get("correct"); id != "" {
			if d.Correct = correctFor(d, id); d.Correct == nil {
				p.SetError("", "That reading is not among the readings listed, so it cannot be corrected here. Choose it from the table.")
			}
		}
		p.Data = d
		return s.render(w, r, http.StatusOK, "data", p)
	}
}

// dataFor gathers the data page of pp; q holds the purpose and time
// range (the query of a GET, or the hidden fields of a form). A bad range
// is an EINVALID for its field, returned with the page still filled.
func (s *server) dataFor(r *http.Request, p *web.Page, pp personPage, q url.Values) (*dataPage, error) {
	ctx, me, hh := r.Context(), caller(r), pp.Household.ID
	d := &dataPage{Person: pp, Types: requestTypes}
	var err error
	if d.DataOnly, err = s.dataOnly(r, pp); err != nil {
		return nil, err
	}
	facts := s.noticeItems()
	d.Purposes, d.Categories = facts.Purposes, facts.Categories
	d.Purpose = q.Get("purpose")
	if d.Purpose == "" {
		d.Purpose = defaultPurpose(d.Purposes)
	}
	from, to, rangeErr := dateRange(q, time.Now())
	d.From, d.To = from.Format(dateLayout), to.Add(-24*time.Hour).Format(dateLayout)
	if rangeErr != nil {
		d.From, d.To = q.Get("from"), q.Get("to")
		p.Data = d
		return d, rangeErr
	}
	members, err := s.Households.Members(ctx, me, hh)
	if err != nil {
		return nil, err
	}
	if err := s.readingsFor(r, d, from, to, facts.Units); err != nil {
		p.Data = d
		return d, err
	}
	if err := s.sharesFor(r, d, members); err != nil {
		return nil, err
	}
	rs, err := s.Rights.Requests(ctx, me, hh, pp.PersonID)
	if err != nil {
		return nil, err
	}
	for _, rr := range rs {
		d.Requests = append(d.Requests, requestRow{ID: rr.ID, Type: string(rr.Type), Scope: rr.Scope, Status: string(rr.Status),
			Outcome: rr.Outcome, Created: rr.Created, Deadline: rr.Deadline, Completed: rr.Completed, Open: rr.Completed.IsZero()})
	}
	if err := s.noticesFor(r, d, facts); err != nil {
		return nil, err
	}
	p.Data = d
	return d, nil
}

// dataOnly reports whether the caller may open only the data pages of
// pp's person: an owner acting for a profile without an account exercises
// its rights (policy.MayExerciseRights) but does not decide its consents
// and settings (subject.Authorize, policy.MayConsent), so the person's
// other pages would refuse them.
func (s *server) dataOnly(r *http.Request, pp personPage) (bool, error) {
	_, _, err := s.Subjects.Authorize(r.Context(), caller(r), pp.Household.ID, pp.PersonID)
	switch hearth.ErrorCode(err) {
	case "":
		return false, nil
	case hearth.EFORBIDDEN:
		return true, nil
	}
	return false, err
}

// noticesFor lists the erasure notices sent about the person, as GET
// .../erasure-notices does.
func (s *server) noticesFor(r *http.Request, d *dataPage, facts noticeFacts) error {
	ns, err := s.Erasure.Notices(r.Context(), caller(r), d.Person.Household.ID, d.Person.PersonID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, c := range facts.Categories {
		names[c.ID] = c.Name
	}
	for _, n := range ns {
		row := noticeRow{NoticeView: n, Recipient: cmp.Or(facts.Recipients[n.RecipientID], n.RecipientID)}
		for _, c := range n.Categories {
			row.Categories = append(row.Categories, cmp.Or(names[c], c))
		}
		d.Notices = append(d.Notices, row)
	}
	return nil
}

// requestTypes are the kinds of rights request a person may open by hand.
var requestTypes = []hearth.RequestType{hearth.RequestAccess, hearth.RequestPortability, hearth.RequestRectification,
	hearth.RequestErasure, hearth.RequestRestriction, hearth.RequestObjection, hearth.RequestADMOptOut, hearth.RequestADMReview}

// noticeFacts are the product's purposes and categories as the public
// notice (/privacy.json) states them, and each category's value units.
type noticeFacts struct {
	Purposes   []manifest.NoticePurpose
	Categories []manifest.NoticeRef
	Units      map[string]map[string]string // category → field → unit
	Recipients map[string]string            // recipient ID → name
}

// noticeItems reads the facts of the public notice.
func (s *server) noticeItems() noticeFacts {
	var doc manifest.NoticeDoc
	n := noticeFacts{Units: map[string]map[string]string{}, Recipients: map[string]string{}}
	if err := json.Unmarshal(s.notices().json, &doc); err != nil {
		return n
	}
	n.Purposes = doc.Purposes
	for _, r := range doc.Recipients {
		n.Recipients[r.ID] = r.Name
	}
	for _, c := range doc.Categories {
		n.Categories = append(n.Categories, c.NoticeRef)
		n.Units[c.ID] = map[string]string{}
		for _, f := range c.Fields { // "celsius (°C)"
			if name, unit, ok := strings.Cut(f, " ("); ok && strings.HasSuffix(unit, ")") {
				n.Units[c.ID][name] = strings.TrimSuffix(unit, ")")
			}
		}
	}
	return n
}

// defaultPurpose is the purpose the page reads for when none is chosen:
// the first that serves the product's core function.
func defaultPurpose(ps []manifest.NoticePurpose) string {
	for _, p := range ps {
		if p.Core {
			return p.ID
		}
	}
	if len(ps) > 0 {
		return ps[0].ID
	}
	return ""
}

// dateRange parses the from and to dates of q (to included) into the
// range [from, to) of times; without them, the last dataDays days.
func dateRange(q url.Values, now time.Time) (from, to time.Time, err error) {
	today := now.UTC().Truncate(24 * time.Hour)
	from, to = today.AddDate(0, 0, -dataDays+1), today.AddDate(0, 0, 1)
	if v := q.Get("from"); v != "" {
		if from, err = time.Parse(dateLayout, v); err != nil {
			return from, to, hearth.FieldError("from", "enter a date such as %s", today.Format(dateLayout))
		}
	}
	if v := q.Get("to"); v != "" {
		if to, err = time.Parse(dateLayout, v); err != nil {
			return from, to, hearth.FieldError("to", "enter a date such as %s", today.Format(dateLayout))
		}
		to = to.AddDate(0, 0, 1)
	}
	if !from.Before(to) {
		return from, to, hearth.FieldError("to", "the last day must be on or after the first")
	}
	return from, to, nil
}

// readingsFor reads the person's readings and the household's own for
// d.Purpose in [from, to), as GET /v1/households/{hh}/readings does (the
// same service call, so the same policy decisions), and groups them.
func (s *server) readingsFor(r *http.Request, d *dataPage, from, to time.Time, units map[string]map[string]string) error {
	withheld := map[string]int{}
	var views []household.ReadingView
	for _, whose := range []string{d.Person.PersonID, "-"} {
		f := hearth.ReadingFilter{HouseholdID: d.Person.Household.ID, PersonID: whose, From: from, To: to, Limit: household.MaxReadingLimit}
		for i := 0; i < dataPages; i++ {
			page, err := s.Households.Readings(r.Context(), caller(r), d.Purpose, f)
			if err != nil {
				return err
			}
			views = append(views, page.Readings...)
			for k, n := range page.Withheld {
				withheld[k] += n
			}
			if f.After = page.Next; f.After == 0 {
				break
			}
			if i == dataPages-1 {
				d.More = true
			}
		}
	}
	for k, n := range withheld {
		why := k
		if r, ok := policy.ReasonOfCode(k); ok {
			why = r.String()
		}
		d.Withheld = append(d.Withheld, withheldCount{Reason: why, N: n})
	}
	sort.Slice(d.Withheld, func(i, j int) bool { return d.Withheld[i].Reason < d.Withheld[j].Reason })
	d.Groups = groupReadings(views, d.Categories, units, func(person string) string {
		switch {
		case person == "":
			return "the household"
		case d.Person.Self:
			return "you"
		}
		return d.Person.PersonName
	})
	return nil
}

// groupReadings groups readings by subject and category, in the order of
// the product's categories, with a table row per reading (oldest first)
// and a chart per number or yes/no value.
func groupReadings(views []household.ReadingView, cats []manifest.NoticeRef, units map[string]map[string]string, whose func(string) string) []readingGroup {
	type key struct{ person, category string }
	byKey := map[key][]household.ReadingView{}
	var keys []key
	for _, v := range views {
		k := key{v.PersonID, v.Category}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], v)
	}
	order := func(c string) int {
		i := slices.IndexFunc(cats, func(n manifest.NoticeRef) bool { return n.ID == c })
		if i < 0 {
			return len(cats)
		}
		return i
	}
	sort.SliceStable(keys, func(i, j int) bool {
		if keys[i].person != keys[j].person {
			return keys[i].person > keys[j].person // the person's before the household's ("")
		}
		return order(keys[i].category) < order(keys[j].category)
	})
	groups := make([]readingGroup, 0, len(keys))
	for i, k := range keys {
		name := manifest.NoticeRef{ID: k.category, Name: k.category}
		if j := order(k.category); j < len(cats) {
			name = cats[j]
		}
		g := group(byKey[k], name, units[k.category], whose(k.person))
		g.ID = "g" + strconv.Itoa(i)
		groups = append(groups, g)
	}
	return groups
}

// group builds the table and charts of one subject's readings of one
// category; units are its values' units by field.
func group(vs []household.ReadingView, cat manifest.NoticeRef, units map[string]string, whose string) readingGroup {
	sort.SliceStable(vs, func(i, j int) bool { return vs[i].Time.Before(vs[j].Time) })
	g := readingGroup{Category: cat, Whose: whose}
	values := make([]map[string]any, len(vs))
	seen := map[string]bool{}
	for i, v := range vs {
		values[i] = decodeValues(v.Values)
		for f := range values[i] {
			if !seen[f] {
				seen[f] = true
				g.Fields = append(g.Fields, f)
			}
		}
	}
	sort.Strings(g.Fields)
	for _, f := range g.Fields {
		h := f
		if u := units[f]; u != "" {
			h += " (" + u + ")"
		}
		g.Headers = append(g.Headers, h)
	}
	charts := map[string]*web.Chart{}
	for i, v := range vs {
		row := readingRow{ID: v.ID, Time: v.Time, Device: v.DeviceID, Disputed: v.Disputed, Inferred: v.Inferred}
		for _, f := range g.Fields {
			val, ok := values[i][f]
			row.Values = append(row.Values, valueText(val, ok))
			row.Kinds = append(row.Kinds, kindOf(val))
			if x, step, ok := plotValue(val); ok {
				c := charts[f]
				if c == nil {
					c = &web.Chart{Label: cat.Name + ", " + f + " (" + whose + ")", Unit: units[f], Step: step}
					charts[f] = c
				}
				c.Points = append(c.Points, web.Point{T: v.Time, V: x})
			}
		}
		g.Rows = append(g.Rows, row)
	}
	for _, f := range g.Fields {
		if c := charts[f]; c != nil {
			g.Charts = append(g.Charts, *c)
		}
	}
	return g
}

// decodeValues opens a reading's values, a JSON object; numbers stay
// exact (json.Number).
func decodeValues(raw json.RawMessage) map[string]any {
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if dec.Decode(&m) != nil {
		return map[string]any{}
	}
	return m
}

// valueText shows one value in the table.
func valueText(v any, ok bool) string {
	switch v := v.(type) {
	case nil:
		if !ok {
			return "—"
		}
		return "none"
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case string:
		return v
	case json.Number:
		return v.String()
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// kindOf is the kind of a reading's value the correction form edits:
// number, boolean or string; "" for an absent value or another kind.
func kindOf(v any) string {
	switch v.(type) {
	case json.Number:
		return "number"
	case bool:
		return "boolean"
	case string:
		return "string"
	}
	return ""
}

// plotValue returns the value a chart draws for v: a number as itself, yes
// as 1 and no as 0 (drawn as steps); false when v is not drawn.
func plotValue(v any) (x float64, step, ok bool) {
	switch v := v.(type) {
	case json.Number:
		f, err := v.Float64()
		return f, false, err == nil
	case bool:
		if v {
			return 1, true, true
		}
		return 0, true, true
	}
	return 0, false, false
}

// sharesFor lists the shares of the person's data in force and the other
// members they may share with, as GET .../shares does.
func (s *server) sharesFor(r *http.Request, d *dataPage, members []household.MemberView) error {
	shares, err := s.Consents.Shares(r.Context(), d.Person.Household.ID, d.Person.PersonID)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, m := range members {
		names[m.PersonID] = m.DisplayName
		if m.PersonID != d.Person.PersonID {
			d.Others = append(d.Others, m)
		}
	}
	catNames := map[string]string{}
	for _, c := range d.Categories {
		catNames[c.ID] = c.Name
	}
	for _, sh := range shares {
		d.Shares = append(d.Shares, shareView{Category: sh.Category, CategoryName: cmp.Or(catNames[sh.Category], sh.Category),
			With: sh.With, WithName: cmp.Or(names[sh.With], sh.With), Time: sh.Time})
	}
	return nil
}

// correctFor returns the correction form of reading id if the page lists
// it, nil otherwise.
func correctFor(d *dataPage, id string) *correctForm {
	for _, g := range d.Groups {
		for _, row := range g.Rows {
			if strconv.FormatInt(row.ID, 10) != id {
				continue
			}
			c := &correctForm{Reading: row, Group: g.Category.Name + " (" + g.Whose + ")"}
			for i, f := range g.Fields {
				if row.Kinds[i] != "" {
					c.Fields = append(c.Fields, valueField{Name: f, Kind: row.Kinds[i], Value: row.Values[i]})
				}
			}
			return c
		}
	}
	return nil
}

// isNumber reports whether s is a JSON number.
func isNumber(s string) bool {
	var n json.Number
	return json.Unmarshal([]byte(s), &n) == nil && s != ""
}

// dataURL is the data page of pp.
func dataURL(pp personPage) string {
	return "/households/" + url.PathEscape(pp.Household.ID) + "/people/" + url.PathEscape(pp.PersonID) + "/data"
}

// failed shows the data page again after its form failed with err, what
// was typed kept beside the form (field "form" names it) that failed.
func (s *server) failed(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage, err error) error {
	if _, derr := s.dataFor(r, p, pp, r.PostForm); derr != nil && hearth.ErrorCode(derr) != hearth.EINVALID {
		return derr
	}
	return s.formFailed(w, r, p, "data", err)
}

// passwordGiven returns the error of a form whose password, asked again
// before a change, was left empty.
func passwordGiven(f url.Values) error {
	if f.Get("password") == "" {
		return hearth.FieldError("password", "enter your password again to confirm it is you")
	}
	return nil
}

// pageExportPost makes a download link for the person's export after the
// caller enters their password again, as POST .../exports does
// (RIGHT-ACCESS), and shows it.
func (s *server) pageExportPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		pw := r.PostForm.Get("password")
		if err := passwordGiven(r.PostForm); err != nil {
			return s.failed(w, r, p, pp, err)
		}
		token, l, err := s.Exports.RequestLink(r.Context(), caller(r), pp.Household.ID, pp.PersonID, pw)
		if err != nil {
			return s.failed(w, r, p, pp, err)
		}
		d, err := s.dataFor(r, p, pp, r.PostForm)
		if err != nil {
			return err
		}
		d.Export = &exportLinkJSON{URL: "/v1/exports/" + token, Expires: l.Expires}
		p.Flash = "Your export is ready: download it with the link below before it expires."
		return s.render(w, r, http.StatusCreated, "data", p)
	}
}

// pageImportPost imports an export from another backend into the
// household, as POST /v1/households/{hh}/imports does (RIGHT-PORT): only
// an owner may, and the archive is at most maxImportPage bytes here.
func (s *server) pageImportPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		file, _, err := r.FormFile("archive")
		if err != nil {
			return s.failed(w, r, p, pp, hearth.FieldError("archive", "choose the export file (a .zip) to import"))
		}
		defer file.Close()
		res, err := s.Exports.ImportFrom(r.Context(), file, maxImportPage, export.Target{Actor: caller(r), HouseholdID: pp.Household.ID})
		if err != nil {
			var e *hearth.Error
			if errors.As(err, &e) && e.Field == "" && e.Code != hearth.ENOTFOUND && e.Code != hearth.EINTERNAL {
				// The archive is at fault, or the caller may not import:
				// said beside the upload.
				err = &hearth.Error{Code: e.Code, Field: "archive", Message: e.Message, Err: err}
			}
			return s.failed(w, r, p, pp, err)
		}
		s.redirect(w, r, dataURL(pp), importMessage(res))
		return nil
	}
}

// importMessage says what an import did.
func importMessage(res *export.ImportResult) string {
	if res.AlreadyImported {
		return "This export was imported before, so nothing changed."
	}
	msg := "Imported " + count(res.Readings, "reading") + "."
	if n := res.Expired + res.Undeclared; n > 0 {
		msg += " " + strconv.FormatInt(n, 10) + " were left out: past their retention period here, or of a kind this product does not collect."
	}
	return msg
}

// pageRenamePost corrects the person's display name (RIGHT-RECTIFY), as
// PUT .../display-name does.
func (s *server) pageRenamePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		f := r.PostForm
		if err := passwordGiven(f); err != nil {
			return s.failed(w, r, p, pp, err)
		}
		c := rights.Change{Actor: caller(r), HouseholdID: pp.Household.ID, PersonID: pp.PersonID, Password: f.Get("password")}
		if _, err := s.Rights.Rename(r.Context(), c, f.Get("display_name")); err != nil {
			return s.failed(w, r, p, pp, err)
		}
		s.redirect(w, r, dataURL(pp), "The name is corrected. The old one is not kept; the change is listed under your requests.")
		return nil
	}
}

// pageCorrectPost corrects a reading's values (RIGHT-RECTIFY), as POST
// .../readings/{id}/rectification with action "correct" does. The form
// has a field "v.NAME" per value and "k.NAME" its kind (number, boolean or
// string); the service checks the values as a device's payload.
func (s *server) pageCorrectPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return hearth.Errorf(hearth.ENOTFOUND, "no such reading in the household")
		}
		values, err := correctedValues(r.PostForm)
		if err == nil {
			err = passwordGiven(r.PostForm)
		}
		if err == nil {
			c := rights.ReadingChange{Actor: caller(r), HouseholdID: pp.Household.ID, ReadingID: id, Password: r.PostForm.Get("password")}
			_, err = s.Rights.Correct(r.Context(), c, values)
		}
		if err != nil {
			return s.correctFailed(w, r, p, pp, err)
		}
		s.redirect(w, r, dataURL(pp)+"?"+rangeQuery(r.PostForm), "The reading is corrected. The old values are not kept; the change is listed under your requests.")
		return nil
	}
}

// correctFailed shows the data page again with the correction form of
// reading {id} after one of its forms failed with err.
func (s *server) correctFailed(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage, err error) error {
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return err
	}
	if _, derr := s.dataFor(r, p, pp, r.PostForm); derr != nil && hearth.ErrorCode(derr) != hearth.EINVALID {
		return derr
	}
	if d, ok := p.Data.(*dataPage); ok {
		d.Correct = correctFor(d, r.PathValue("id"))
	}
	return s.formFailed(w, r, p, "data", err)
}

// pageDisputePost marks a reading disputed, or no longer disputed
// ("disputed" is "yes" or "no"), as POST .../readings/{id}/rectification
// with action "dispute" or "undispute" does (RIGHT-RECTIFY).
func (s *server) pageDisputePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
		if err != nil || id <= 0 {
			return hearth.Errorf(hearth.ENOTFOUND, "no such reading in the household")
		}
		if err = passwordGiven(r.PostForm); err == nil {
			c := rights.ReadingChange{Actor: caller(r), HouseholdID: pp.Household.ID, ReadingID: id, Password: r.PostForm.Get("password")}
			disputed := r.PostForm.Get("disputed") != "no"
			if _, err = s.Rights.Dispute(r.Context(), c, disputed); err == nil {
				msg := "The reading is marked disputed: it is shown as such until it is corrected or the dispute is ended."
				if !disputed {
					msg = "The reading is no longer marked disputed."
				}
				s.redirect(w, r, dataURL(pp)+"?"+rangeQuery(r.PostForm), msg)
				return nil
			}
		}
		return s.correctFailed(w, r, p, pp, err)
	}
}

// correctedValues builds the JSON object of a correction form's values.
func correctedValues(f url.Values) (json.RawMessage, error) {
	m := map[string]any{}
	for k, vs := range f {
		name, ok := strings.CutPrefix(k, "v.")
		if !ok || name == "" || len(vs) == 0 {
			continue
		}
		v := strings.TrimSpace(vs[0])
		if !utf8.ValidString(name) || !utf8.ValidString(v) {
			return nil, hearth.FieldError(k, "this is not text this page can read: type it again")
		}
		switch f.Get("k." + name) {
		case "number":
			if x, err := strconv.ParseFloat(v, 64); err != nil || !isNumber(v) || math.IsInf(x, 0) {
				return nil, hearth.FieldError(k, "enter a number, such as 20.5")
			}
			m[name] = json.Number(v)
		case "boolean":
			if v != "yes" && v != "no" {
				return nil, hearth.FieldError(k, "choose yes or no")
			}
			m[name] = v == "yes"
		default:
			m[name] = v
		}
	}
	if len(m) == 0 {
		return nil, hearth.FieldError("values", "the form holds no values to correct")
	}
	b, err := json.Marshal(m)
	return b, err
}

// rangeQuery keeps the purpose and time range of a form for the page it
// redirects to.
func rangeQuery(f url.Values) string {
	q := url.Values{}
	for _, k := range []string{"purpose", "from", "to"} {
		if v := f.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	return q.Encode()
}

// eraseEverything is the erase form's choice of everything about the
// person (erasure.Scope.Everything): not a category ID, which the manifest
// writes without a colon.
const eraseEverything = ":everything"

// eraseScope parses the erase form: a category ("" for every category,
// eraseEverything for everything about the person) and a range of days,
// both optional.
func eraseScope(f url.Values) (erasure.Scope, error) {
	sc := erasure.Scope{Category: f.Get("category")}
	if sc.Category == eraseEverything {
		sc = erasure.Scope{Everything: true}
	}
	var err error
	if v := f.Get("erase_from"); v != "" {
		if sc.From, err = time.Parse(dateLayout, v); err != nil {
			return sc, hearth.FieldError("erase_from", "enter a date such as 2026-01-31, or leave it empty")
		}
	}
	if v := f.Get("erase_to"); v != "" {
		if sc.To, err = time.Parse(dateLayout, v); err != nil {
			return sc, hearth.FieldError("erase_to", "enter a date such as 2026-01-31, or leave it empty")
		}
		sc.To = sc.To.AddDate(0, 0, 1)
	}
	if !sc.From.IsZero() && !sc.To.IsZero() && !sc.From.Before(sc.To) {
		return sc, hearth.FieldError("erase_to", "the last day must be on or after the first")
	}
	return sc, nil
}

// erasePage is the content of the erasure preview: what erasing would do,
// in plain words, and the form that confirms it.
type erasePage struct {
	Person   personPage
	DataOnly bool // as dataPage's
	Preview  erasure.Preview
	Category string // the category's name, or "" for every category
	Back     string
}

// pageErasePreviewPost shows plainly what erasing the chosen readings
// would do, changing nothing (RIGHT-ERASE), as POST .../erasure/preview
// does; the page then asks for the password to confirm.
func (s *server) pageErasePreviewPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		sc, err := eraseScope(r.PostForm)
		if err == nil {
			err = s.erasePreview(r, p, pp, sc)
		}
		if err != nil {
			if hearth.ErrorCode(err) == hearth.EINVALID {
				return s.failed(w, r, p, pp, err)
			}
			return err
		}
		return s.render(w, r, http.StatusOK, "data_erase", p)
	}
}

// erasePreview fills p with the erasure preview of sc.
func (s *server) erasePreview(r *http.Request, p *web.Page, pp personPage, sc erasure.Scope) error {
	pv, err := s.Erasure.Preview(r.Context(), caller(r), pp.Household.ID, pp.PersonID, sc)
	if err != nil {
		return err
	}
	e := erasePage{Person: pp, Preview: pv, Back: dataURL(pp)}
	if e.DataOnly, err = s.dataOnly(r, pp); err != nil {
		return err
	}
	for _, c := range s.noticeItems().Categories {
		if c.ID == sc.Category {
			e.Category = c.Name
		}
	}
	p.Data = e
	return nil
}

// pageErasePost erases the readings previewed once the caller confirms
// with their password, as POST .../erasures with confirm does.
func (s *server) pageErasePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		sc, err := eraseScope(r.PostForm)
		if err != nil {
			return err
		}
		pw := r.PostForm.Get("password")
		if pw == "" {
			err = hearth.FieldError("password", "enter your password again to confirm the erasure")
		} else {
			var res erasure.Result
			if res, err = s.Erasure.Erase(r.Context(), caller(r), pp.Household.ID, pp.PersonID, sc, pw); err == nil {
				to := dataURL(pp)
				if sc.Everything { // the profile is gone, and with the caller's own, their account
					to = "/"
				}
				s.redirect(w, r, to, erasedMessage(res))
				return nil
			}
		}
		if perr := s.erasePreview(r, p, pp, sc); perr != nil {
			return perr
		}
		return s.formFailed(w, r, p, "data_erase", err)
	}
}

// erasedMessage says what an erasure did.
func erasedMessage(res erasure.Result) string {
	if res.KeyDestroyed {
		return "Everything is erased: " + count(res.Readings, "reading") + ", the settings and the profile. Nothing sealed for it can be read any more."
	}
	if res.Readings == 0 {
		return "No readings matched, so nothing was erased: they may have been erased already."
	}
	msg := "Erased " + count(res.Readings, "reading") + " for good."
	if n := len(res.Notices); n > 0 {
		msg += " " + count(int64(n), "recipient") + " who had it will be told to erase their copies."
	}
	return msg
}

// count says n things: "1 reading", "2 readings".
func count(n int64, thing string) string {
	if n == 1 {
		return "1 " + thing
	}
	return strconv.FormatInt(n, 10) + " " + thing + "s"
}

// pageSharePost shares a category of the person's data with another
// member, or ends the share (RIGHT-ACCESS-OTHERS), as POST and DELETE
// .../shares do; the field "action" is "grant" or "revoke".
func (s *server) pageSharePost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		f := r.PostForm
		req := shareRequest{Category: f.Get("category"), With: f.Get("with"), Method: hearth.MethodWeb}
		if req.Category == "" {
			return s.failed(w, r, p, pp, hearth.FieldError("category", "choose the kind of data to share"))
		}
		if req.With == "" {
			return s.failed(w, r, p, pp, hearth.FieldError("with", "choose the member to share it with"))
		}
		var err error
		msg := "Shared. They can now read this category of your data, until you stop sharing it."
		switch f.Get("action") {
		case "grant":
			_, err = s.Consents.Grant(r.Context(), caller(r), pp.PersonID, req.Category, req.With, req.method())
		case "revoke":
			err = s.Consents.Revoke(r.Context(), caller(r), pp.PersonID, req.Category, req.With, req.method())
			msg = "No longer shared: they cannot read this category of your data from now on."
		default:
			err = hearth.Errorf(hearth.EINVALID, "the form was not one of this page's")
		}
		if err != nil {
			if c := hearth.ErrorCode(err); c == hearth.EFORBIDDEN || c == hearth.ENOTFOUND {
				return err
			}
			return s.failed(w, r, p, pp, err)
		}
		s.redirect(w, r, dataURL(pp), msg)
		return nil
	}
}

// pageRequestPost records a rights request for the operator to handle by
// hand (RIGHT-REQUESTS), as POST .../requests does.
func (s *server) pageRequestPost() personPageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page, pp personPage) error {
		f := r.PostForm
		if err := passwordGiven(f); err != nil {
			return s.failed(w, r, p, pp, err)
		}
		rr, err := s.Rights.Open(r.Context(), rights.Opening{Actor: caller(r), HouseholdID: pp.Household.ID, PersonID: pp.PersonID,
			Type: hearth.RequestType(f.Get("type")), Scope: f.Get("scope"), Statement: f.Get("statement"), Password: f.Get("password")})
		if err != nil {
			return s.failed(w, r, p, pp, err)
		}
		s.redirect(w, r, dataURL(pp)+"#requests", "Your request is recorded. It must be answered by "+rr.Deadline.UTC().Format("2 January 2006")+".")
		return nil
	}
}

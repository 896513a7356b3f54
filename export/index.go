package export

import (
	"html/template"
	"io"
)

// indexTemplate is index.html: a page a person can read in any browser,
// offline, that says what the archive holds and links to each file.
var indexTemplate = template.Must(template.New("index").Funcs(template.FuncMap{
	"date": func(t interface{ Format(string) string }) string { return t.Format("2 January 2006, 15:04 UTC") },
}).Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Your data from {{.Meta.Instance}}</title>
<style>body{font-family:system-ui,sans-serif;max-width:48rem;margin:2rem auto;padding:0 1rem;line-height:1.5}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>
</head>
<body>
<h1>Your data</h1>
<p>This archive holds everything {{.Sum.Processing.Controller}} keeps about <strong>{{.Sum.Profile.Person.DisplayName}}</strong>
(person {{.Meta.PersonID}}), as of {{date .Meta.Created}}. No reading or record of any other member of your household is in it;
where someone acted for you (your guardian, or the household's owner), only their ID is.
Export {{.Meta.ExportID}}, format {{.Meta.Format}} version {{.Meta.FormatVersion}}.</p>

<h2>Your readings</h2>
<p>Every reading your devices sent about you, opened (decrypted), including readings that no purpose may use at the moment.
Each kind of data is in two files: JSON Lines (one reading per line, for programs) and CSV (for spreadsheets).
Readings marked <em>inferred</em> are statistically informed guesses made by a device, not measurements; the <code>source</code> column says which device made them.</p>
<table>
<tr><th>Kind of data</th><th>Readings</th><th>Kept for</th><th>Used for</th><th>Shared with</th><th>Files</th></tr>
{{range .Sum.Processing.Categories}}<tr><td>{{.Name}}</td><td>{{.Readings}}</td><td>{{.Retention}}</td>
<td>{{range $i, $p := .Purposes}}{{if $i}}, {{end}}{{$p}}{{end}}</td>
<td>{{range $i, $r := .Recipients}}{{if $i}}, {{end}}{{$r.Name}} ({{$r.Role}}){{else}}nobody{{end}}</td>
<td>{{if .Readings}}<a href="readings/{{.ID}}.jsonl">{{.ID}}.jsonl</a>, <a href="readings/{{.ID}}.csv">{{.ID}}.csv</a>{{end}}</td></tr>
{{end}}</table>

<h2>You</h2>
<p>Your profile and households: <a href="profile.json">profile.json</a>. Your settings{{if .Sum.Settings.Defaults}} (you never changed them: the product's defaults apply){{end}}: <a href="settings.json">settings.json</a>.</p>

<h2>Your consents</h2>
<table><tr><th>Purpose</th><th>Consent</th><th>Since</th></tr>
{{range .Sum.Consents}}<tr><td>{{.Purpose}}</td><td>{{.Status}}</td><td>{{if not .Time.IsZero}}{{date .Time}}{{end}}</td></tr>
{{end}}</table>
<p>The full record of every consent event, with the hash chain that proves it was not changed: <a href="consents/ledger.jsonl">consents/ledger.jsonl</a>.
Your consent receipts (Kantara Consent Receipt format): <a href="consents/receipts.json">consents/receipts.json</a>.
The current state per purpose: <a href="consents/state.json">consents/state.json</a>.</p>

<h2>What you were told</h2>
<p>Privacy notices shown to you: {{.Sum.Notices}} (<a href="notices-shown.json">notices-shown.json</a>).
Notifications sent to you: {{.Sum.Notifications}} (<a href="notifications.jsonl">notifications.jsonl</a>).
Who receives each kind of data and how long it is kept: <a href="processing.json">processing.json</a>.
Your requests about your rights ({{.Sum.Requests}}), their deadlines and outcomes: <a href="rights-requests.json">rights-requests.json</a>.</p>

<h2>Apps you connected</h2>
{{if .Sum.Clients}}<table><tr><th>App</th><th>Access granted</th><th>Since</th><th>Until</th></tr>
{{range .Sum.Clients}}<tr><td>{{.Client}}</td><td>{{range $i, $s := .Scopes}}{{if $i}}, {{end}}<code>{{$s}}</code>{{end}}</td><td>{{date .Granted}}</td>
<td>{{if .Expires}}{{date .Expires}}{{if .Expired}} (expired){{end}}{{else}}until you take it back{{end}}</td></tr>
{{end}}</table>{{else}}<p>No app holds access to your account.</p>{{end}}
<p>The records of these grants, without any token: <a href="connected-clients.json">connected-clients.json</a>.</p>

<h2>Who accessed your data</h2>
{{with .Sum.Accesses}}<p>The audit log holds {{.Total}} entries about you: accesses by you ({{.Self}}), by other members of your household or your guardian ({{.Members}}),
by the service's operator ({{.Operator}}), by apps you connected ({{.Clients}}), by recipients ({{.Recipients}}), and others ({{.Others}}).
Each says who acted, when, through what, and for which purpose, with the hash chain that proves it was not changed: <a href="accesses.jsonl">accesses.jsonl</a>.</p>{{end}}

<h2>Moving your data</h2>
<p>This archive is also the import format: another Hearth instance restores you from it with <code>hearth import</code> or its import API.
Your connected apps and the record of who accessed your data stay with this instance: an import does not bring them.
<code>export.json</code> lists every file with its SHA-256 digest; the format is documented in Hearth's docs/export-format.md.</p>
</body>
</html>
`))

// renderIndex writes index.html.
func renderIndex(w io.Writer, meta *Metadata, sum *summary) error {
	return indexTemplate.Execute(w, struct {
		Meta *Metadata
		Sum  *summary
	}{meta, sum})
}

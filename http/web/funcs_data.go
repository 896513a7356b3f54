package web

// Template functions of the data pages (readings, export, import,
// corrections, erasure, shares, requests).

// DataField is one labelled input of a page that holds several forms: its
// ID names the form, so two forms may each have a "password", and it shows
// what was typed and the error only in the form that was sent (the form
// carries its name in a hidden field "form").
type DataField struct {
	ID, Name, Label, Type, Value, Error string
}

func init() {
	// dataField gathers what the "datafield" template needs for input
	// name of form.
	Funcs["dataField"] = func(p *Page, form, name, label, typ string) DataField {
		f := DataField{ID: form + "-" + name, Name: name, Label: label, Type: typ}
		if p.Value("form") == form {
			f.Value, f.Error = p.Value(name), p.Error(name)
		}
		return f
	}
	// sentForm reports whether the form that failed (or was sent) is form.
	Funcs["sentForm"] = func(p *Page, form string) bool { return p.Value("form") == form }
}

package web

func init() {
	Funcs["readingsChoice"] = readingsChoice
}

// ReadingsChoice is the keep-or-erase choice of one of the forms of a
// device's page (a transfer, a factory reset), for the "readingschoice"
// template: several forms of the page share the field names readings and
// password, so what was typed and the errors show only in the form that
// was sent (its hidden field "form").
type ReadingsChoice struct {
	Form  string // the form's name, also the prefix of its inputs' IDs
	Value string // the choice typed, if this form was sent
	errs  map[string]string
}

// Error returns the error of field name if this form was sent.
func (c ReadingsChoice) Error(name string) string { return c.errs[name] }

// readingsChoice returns the choice of form on page p.
func readingsChoice(p *Page, form string) ReadingsChoice {
	c := ReadingsChoice{Form: form}
	if p.Value("form") == form {
		c.Value, c.errs = p.Value("readings"), p.Errors
	}
	return c
}

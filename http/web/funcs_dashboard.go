package web

// DashForm is one form of the privacy dashboard, as the "dashform"
// templates render its password input and errors: ID is the form's element
// ID, Failed whether it is the form that failed (only its errors are
// shown), Errors the errors of its other fields.
type DashForm struct {
	ID            string
	Failed        bool
	PasswordError string
	Errors        []string
}

func init() {
	// dashform gathers a dashboard form's state: p is the page, key the
	// form's name (compared with failed, the one that failed) and id its
	// element ID.
	Funcs["dashform"] = func(p *Page, key, failed, id string) DashForm {
		f := DashForm{ID: id, Failed: key == failed}
		if !f.Failed || p == nil {
			return f
		}
		for k, v := range p.Errors {
			switch k {
			case "password":
				f.PasswordError = v
			case "":
			default:
				f.Errors = append(f.Errors, v)
			}
		}
		return f
	}
}

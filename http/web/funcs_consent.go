package web

// ConsentForm is what the consent page's "consentchoice" template gets:
// the page (for its CSRF token, errors and data), the purpose answered
// and where the form posts.
type ConsentForm struct {
	Page   *Page
	Choice any
	Action string
}

func init() {
	// consentForm gathers a ConsentForm.
	Funcs["consentForm"] = func(p *Page, choice any, action string) ConsentForm {
		return ConsentForm{Page: p, Choice: choice, Action: action}
	}
	// recipientRole says in plain words what a recipient's role in the
	// manifest means.
	Funcs["recipientRole"] = func(role string) string {
		switch role {
		case "processor":
			return "a processor: it acts only on the controller's instructions"
		case "joint-controller":
			return "a joint controller: it decides with the controller how the data is used"
		case "independent-controller":
			return "an independent controller: it decides for itself how it uses the data"
		}
		return role
	}
}

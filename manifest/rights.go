package manifest

// rights lists the rights people have over their data and how to use each
// (NOTICE-CONTENT, RIGHT-*). Every request is free and answered within one
// month.
func rights(m *Manifest) []NoticeRight {
	c := m.Controller.Contact
	app := "in the app under Settings, Privacy, or by writing to " + c
	rs := []NoticeRight{
		{"access", "See your data", "Ask for a copy of the data we hold about you " + app + "."},
		{"export", "Take your data with you", "Download your data in a machine-readable format (JSON) " + app + ", and import it into another service."},
		{"correction", "Correct your data", "Ask us to correct data that is wrong " + app + "."},
		{"erasure", "Delete your data", "Delete your data " + app + ". We also ask everyone we shared it with to delete it."},
		{"restriction", "Pause the use of your data", "Ask us to keep your data but stop using it, for example while a correction is checked, " + app + "."},
		{"objection", "Object", "Object to any use based on our legitimate interests, and stop all marketing at any time with one switch, " + app + "."},
		{"withdraw-consent", "Withdraw consent", "Switch off anything you agreed to, as easily as you switched it on, " + app + ". It stops from the next reading."},
	}
	if hasAutomated(m) {
		rs = append(rs, NoticeRight{"adm-review", "Ask a person to review an automated decision",
			"Ask for a person to review any decision made about you automatically, give your view and contest it, " + app + "."})
	}
	return append(rs, NoticeRight{"complain", "Complain",
		"If you are unhappy with how we use your data, tell us at " + c + ". You can also complain to the Information Commissioner's Office (ico.org.uk)."})
}

func hasAutomated(m *Manifest) bool {
	for _, p := range m.Purposes {
		if p.AutomatedDecision {
			return true
		}
	}
	return false
}

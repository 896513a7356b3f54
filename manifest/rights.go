package manifest

// rights lists the rights people have over their data and how to use each
// (NOTICE-CONTENT, RIGHT-*). Every request is free and answered within one
// month.
func rights(m *Manifest) []NoticeRight {
	c := m.Controller.Contact
	app := "in your account, or by writing to " + c
	rs := []NoticeRight{
		{"access", "See your data", "Download a copy of everything we hold about you (your readings, profile, settings, consents, notifications and requests, the apps you connected, and who accessed your data, when and for which purpose) " + app + "."},
		{"export", "Take your data with you", "Download your data in machine-readable formats (JSON Lines, CSV and JSON) " + app + ", and import it into another service that reads the same format."},
		{"correction", "Correct your data", "Correct your profile, move a reading to the right person, or mark a reading as disputed or correct its value, " + app + "."},
		{"erasure", "Delete your data", "Delete some of your data (by kind, time or device) or all of it " + app + ". We also tell everyone we shared it with to delete it. Deleting the app deletes nothing: ask us."},
		{"restriction", "Pause the use of your data", "Ask us to keep your data but stop using it, for one purpose or all of them, for example while a correction is checked, " + app + "."},
		{"objection", "Object", "Object to any use based on our legitimate interests or to profiling, and stop all marketing at any time with one switch, " + app + "."},
		{"withdraw-consent", "Withdraw consent", "Switch off anything you agreed to, as easily as you switched it on, " + app + ". It stops from the next reading."},
	}
	if hasAutomated(m) {
		rs = append(rs, NoticeRight{"adm-review", "Ask a person to review an automated decision",
			"Opt out of decisions made about you automatically, or ask for a person to review one and give your view, " + app + "."})
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

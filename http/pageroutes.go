package http

import "net/http"

// pageRoutes registers the pages. Each area of the privacy hub registers
// its own in the file that serves it.
func (s *server) pageRoutes(handle func(pattern string, h http.Handler)) {
	s.signInPages(handle)       // page_signin.go: home, sign up, sign in, second factor, sign out
	s.accountPages(handle)      // page_account.go: password, second factors, sessions, notifications, closing the account
	s.householdPages(handle)    // page_household.go: households, members, profiles, children, invitations
	s.devicePages(handle)       // page_device.go: claiming, transfer, reset, local-only, firmware, support
	s.consentPages(handle)      // page_consent.go: consent requests and decisions, receipts
	s.dashboardPages(handle)    // page_dashboard.go: the privacy dashboard, feature switches, restriction, objections
	s.dataPages(handle)         // page_data.go: readings, export, import, correction, erasure, shares, requests
	s.transparencyPages(handle) // page_transparency.go: the layered notice, QR code, children's notice, terms, who can see my data
	s.operatorPages(handle)     // page_operator.go: the operator console
	s.oauthPages(handle)        // page_oauth.go: the OAuth consent screen, connected apps, the console's clients
	s.analyticsPages(handle)    // page_analytics.go: the console's differentially private statistics
	s.reportPages(handle)       // page_report.go: the console's compliance report
}

package http

import (
	"net/http"
	"strconv"

	"github.com/hearth-iot/hearth/http/web"
)

// routes registers every route of the API on mux.
func (s *server) routes(mux *http.ServeMux) {
	handle := func(pattern string, h http.Handler) {
		s.apiPatterns = append(s.apiPatterns, pattern)
		mux.Handle(pattern, s.counted(pattern, s.audited(pattern, h)))
	}

	handle("POST /v1/accounts", s.handleSignUp())
	handle("POST /v1/sessions", s.handleSignIn())
	handle("DELETE /v1/sessions/current", s.authed(s.handleSignOut()))
	handle("GET /v1/me", s.authed(s.handleMe()))

	handle("POST /v1/households", s.authed(s.handleCreateHousehold()))
	handle("GET /v1/households", s.authed(s.handleHouseholds()))
	handle("GET /v1/households/{hh}", s.authed(s.handleHousehold()))
	handle("GET /v1/households/{hh}/members", s.authed(s.handleMembers()))
	handle("POST /v1/households/{hh}/invites", s.authed(s.handleInvite()))
	handle("POST /v1/invites/accept", s.authed(s.handleAcceptInvite()))
	handle("POST /v1/households/{hh}/people", s.authed(s.handleAddPerson()))

	handle("POST /v1/households/{hh}/devices", s.authed(s.handleClaimDevice()))
	handle("GET /v1/households/{hh}/devices", s.authed(s.handleDevices()))
	handle("POST /v1/devices/{id}/credential", s.authed(s.handleReissueCredential()))
	handle("DELETE /v1/devices/{id}/credential", s.authed(s.handleRevokeCredential()))

	handle("GET /v1/households/{hh}/readings", s.authed(s.handleReadings()))
	handle("POST /v1/devices/{id}/readings", s.handleDeviceReading())

	// Notifications, terms of service and the public notices (issue 3).
	handle("GET /v1/me/notifications", s.authed(s.handleNotifications()))
	handle("POST /v1/me/notifications/{id}/read", s.authed(s.handleMarkRead()))
	handle("GET /v1/households/{hh}/people/{person}/notifications", s.authed(s.handlePersonNotifications()))
	handle("GET /v1/terms", s.handleTerms())
	handle("GET /v1/me/terms", s.authed(s.handleMyTerms()))
	handle("POST /v1/me/terms", s.authed(s.handleAcceptTerms()))
	handle("GET /privacy", s.handlePrivacyHTML())
	handle("GET /privacy.json", s.handlePrivacyJSON())
	handle("GET /privacy.txt", s.handlePrivacyText())
	handle("GET /privacy/children", s.handlePrivacyChildren())
	handle("GET /terms", s.handleTermsHTML())
	// Vulnerability disclosure (issue 14, SEC-VDP).
	handle("GET /.well-known/security.txt", s.handleSecurityTxt()) // disclosure.SecurityTxtPath
	handle("GET /security/policy", s.handleDisclosurePolicy())     // disclosure.PolicyPath

	// Consents, settings and features, per person (issue 3).
	handle("GET /v1/households/{hh}/people/{person}/consents", s.authed(s.handleConsents()))
	handle("GET /v1/households/{hh}/people/{person}/consents/receipts", s.authed(s.handleReceipts()))
	handle("GET /v1/households/{hh}/people/{person}/consents/history", s.authed(s.handleConsentHistory()))
	handle("GET /v1/households/{hh}/people/{person}/consents/{purpose}/request", s.authed(s.handleConsentRequest()))
	// Recording that the request was shown is a POST, rate-limited (issue 14, SEC-BRUTE).
	handle("POST /v1/households/{hh}/people/{person}/consents/{purpose}/request", s.authed(s.handleConsentRequestShown()))
	handle("POST /v1/households/{hh}/people/{person}/consents/{purpose}", s.authed(s.handleConsentDecision()))
	handle("GET /v1/households/{hh}/people/{person}/settings", s.authed(s.handleSettings()))
	handle("PUT /v1/households/{hh}/people/{person}/settings", s.authed(s.handlePutSettings()))
	handle("POST /v1/households/{hh}/people/{person}/features/{feature}", s.authed(s.handleFeature()))
	// The privacy dashboard's content, and a feature's notice before switching it (issue 15).
	handle("GET /v1/households/{hh}/people/{person}/privacy", s.authed(s.handleOverview()))
	handle("GET /v1/households/{hh}/people/{person}/features/{feature}", s.authed(s.handleFeaturePreview()))

	// Access and portability (issue 12: RIGHT-ACCESS, RIGHT-UNREGISTERED, RIGHT-PORT).
	handle("POST /v1/households/{hh}/people/{person}/exports", s.authed(s.handleRequestExport()))
	handle("GET /v1/exports/{token}", s.authed(s.handleDownloadExport()))
	handle("POST /v1/households/{hh}/imports", s.authed(s.handleImport()))
	// Erasure, periodic deletion and account closure (issue 12: RIGHT-ERASE, RETENTION).
	handle("POST /v1/households/{hh}/people/{person}/erasure/preview", s.authed(s.handleErasurePreview()))
	handle("POST /v1/households/{hh}/people/{person}/erasures", s.authed(s.handleErase()))
	handle("GET /v1/households/{hh}/people/{person}/erasure-notices", s.authed(s.handleErasureNotices()))
	handle("GET /v1/households/{hh}/people/{person}/deletion-schedules", s.authed(s.handleDeletionSchedules()))
	handle("PUT /v1/households/{hh}/people/{person}/deletion-schedules/{category}", s.authed(s.handlePutDeletionSchedule()))
	handle("POST /v1/me/close", s.authed(s.handleCloseAccount()))
	// Shares of a person's data with another member (issue 12, RIGHT-ACCESS-OTHERS).
	handle("GET /v1/households/{hh}/people/{person}/shares", s.authed(s.handleShares()))
	handle("POST /v1/households/{hh}/people/{person}/shares", s.authed(s.handleGrantShare()))
	handle("DELETE /v1/households/{hh}/people/{person}/shares", s.authed(s.handleRevokeShare()))
	// Who may read a person's data (issue 15): policy's read decision per
	// member and category; who actually read is in the audit log (.../accesses).
	handle("GET /v1/households/{hh}/people/{person}/readers", s.authed(s.handleReaders()))
	// Rights requests (issue 12, RIGHT-REQUESTS): opened after the caller
	// re-enters their password; the person, a child's guardian or the owner
	// for a profile without an account follows them.
	handle("POST /v1/households/{hh}/people/{person}/requests", s.authed(s.handleOpenRequest()))
	handle("GET /v1/households/{hh}/people/{person}/requests", s.authed(s.handleRequests()))
	handle("GET /v1/households/{hh}/people/{person}/requests/{id}", s.authed(s.handleRequest()))
	// Restriction, objection and automated decisions (RIGHT-RESTRICT,
	// RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM): each change is a rights
	// request, made after re-entering the password.
	handle("GET /v1/households/{hh}/people/{person}/controls", s.authed(s.handleControls()))
	handle("POST /v1/households/{hh}/people/{person}/restrictions", s.authed(s.handleRestrict()))
	handle("POST /v1/households/{hh}/people/{person}/objections", s.authed(s.handleObject()))
	handle("POST /v1/households/{hh}/people/{person}/objections/marketing", s.authed(s.handleObjectMarketing()))
	handle("POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}", s.authed(s.handleOptOutADM()))
	handle("POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}/review", s.authed(s.handleRequestReview()))
	// Rectification (RIGHT-RECTIFY): each correction is a rights request,
	// made after re-entering the password.
	handle("PUT /v1/households/{hh}/people/{person}/display-name", s.authed(s.handleRename()))
	handle("POST /v1/households/{hh}/readings/{id}/rectification", s.authed(s.handleRectifyReading()))

	// Own rights without a household (RIGHT-ACCESS, RIGHT-ERASE,
	// RIGHT-REQUESTS): the per-person routes above for the caller themselves,
	// still reachable after they left every household.
	handle("POST /v1/me/exports", s.authed(asSelf(s.handleRequestExport())))
	handle("POST /v1/me/erasure/preview", s.authed(asSelf(s.handleErasurePreview())))
	handle("POST /v1/me/erasures", s.authed(asSelf(s.handleErase())))
	handle("GET /v1/me/requests", s.authed(asSelf(s.handleRequests())))

	// Account and household lifecycle (issue 12): each ends access at once.
	handle("POST /v1/me/password", s.authed(s.handleChangePassword()))
	handle("DELETE /v1/sessions", s.authed(s.handleSignOutEverywhere()))
	handle("DELETE /v1/households/{hh}/members/{person}", s.authed(s.handleRemoveMember()))
	handle("PATCH /v1/households/{hh}/members/{person}", s.authed(s.handleSetRole()))
	handle("DELETE /v1/households/{hh}/devices/{id}", s.authed(s.handleRemoveDevice()))

	// Firmware updates and support periods (issue 14: SEC-UPDATES, FIRMWARE-NOTICE).
	handle("GET /v1/devices/{id}/firmware/{version}/image", s.handleFirmwareImage())
	handle("POST /v1/devices/{id}/firmware/update", s.authed(s.handleManualUpdate()))
	handle("GET /v1/devices/{id}/firmware", s.authed(s.handleFirmwareStatus()))
	handle("POST /v1/operator/firmware/releases", s.operator(s.handlePublishRelease()))
	handle("GET /v1/operator/firmware/releases", s.operator(s.handleReleases()))
	handle("POST /v1/operator/firmware/rollouts", s.operator(s.handleRollout()))

	// Device lifecycle (issue 14: OWN-TRANSFER, FACTORY-RESET, LOCAL-ONLY):
	// the events devices report about themselves, transfers, resets and
	// local-only mode.
	handle("POST /v1/devices/{id}/events", s.handleDeviceEvent())
	handle("POST /v1/devices/{id}/transfer", s.authed(s.handleStartTransfer()))
	handle("DELETE /v1/devices/{id}/transfer", s.authed(s.handleCancelTransfer()))
	handle("POST /v1/households/{hh}/transfers", s.authed(s.handleAcceptTransfer()))
	handle("POST /v1/devices/{id}/reset", s.authed(s.handleFactoryReset()))
	handle("PUT /v1/devices/{id}/mode", s.authed(s.handleSetMode()))
	handle("POST /v1/households/{hh}/devices/{id}/erasure", s.authed(s.handleEraseDeviceReadings()))
	handle("GET /v1/devices/{id}/log", s.authed(s.handleDeviceLog()))

	// Second factors and operator accounts (issue 14, SEC-MFA): a sign-in
	// answered 202 finishes with a code or a passkey; operator routes use
	// s.operator.
	handle("POST /v1/sessions/second-factor", s.handleSecondFactor())
	handle("POST /v1/sessions/second-factor/passkey/options", s.handlePasskeyOptions())
	handle("POST /v1/sessions/second-factor/passkey", s.handlePasskeySignIn())
	handle("GET /v1/me/second-factor", s.authed(s.handleSecondFactors()))
	handle("POST /v1/me/second-factor/totp", s.authed(s.handleEnrolTOTP()))
	handle("POST /v1/me/second-factor/totp/confirm", s.authed(s.handleConfirmTOTP()))
	handle("POST /v1/me/second-factor/disable", s.authed(s.handleDisableSecondFactors()))
	handle("POST /v1/me/second-factor/recovery-codes", s.authed(s.handleNewRecoveryCodes()))
	handle("POST /v1/me/passkeys/options", s.authed(s.handlePasskeyRegistrationOptions()))
	handle("POST /v1/me/passkeys", s.authed(s.handleRegisterPasskey()))
	handle("GET /v1/operator/me", s.operator(s.handleOperatorMe()))
	// The operator console's data (issue 15): the manifest and its lint
	// status, the rights-request queue by deadline, the ledger verified.
	handle("GET /v1/operator/manifest", s.operator(s.handleOperatorManifest()))
	handle("GET /v1/operator/requests", s.operator(s.handleOperatorRequests()))
	handle("POST /v1/operator/requests/{id}", s.operator(s.handleOperatorProgress()))
	handle("GET /v1/operator/ledger", s.operator(s.handleOperatorLedger()))
	s.analyticsRoutes(handle) // analytics.go: differentially private statistics (PET-DP)
	s.reportRoutes(handle)    // report.go: the compliance report (RECORDS)

	// The audit log: who accessed a person's data (issue 17, AUDIT).
	s.auditRoutes(handle)
	s.oauthRoutes(handle) // oauth.go: OAuth 2 for third-party clients (issue 17, INT-CLIENTS)

	// The pages (package web): they call the same services as the routes
	// above and nothing else (INT-SAME-SCOPE); see pageRoutes.
	s.pageRoutes(func(pattern string, h http.Handler) {
		s.pagePatterns = append(s.pagePatterns, pattern)
		mux.Handle(pattern, s.counted(pattern, s.audited(pattern, h)))
	})
	handle("GET /assets/", web.Assets())

	handle("GET /healthz", s.handleHealth())
	// The OpenAPI document of every route registered with handle (package
	// http/openapi); the http tests check that the two agree.
	handle("GET /api/openapi.json", s.handleOpenAPI())
	s.apiPatterns = append(s.apiPatterns, "GET /metrics")
	mux.Handle("GET /metrics", s.metricsGuard(s.MetricsHandler))
}

// counted counts a route's requests by pattern and status code.
func (s *server) counted(pattern string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := &statusRecorder{ResponseWriter: w}
		h.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		s.Metrics.HTTPRequests.WithLabelValues(pattern, strconv.Itoa(rec.status)).Inc()
	})
}

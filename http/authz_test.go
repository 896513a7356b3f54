package http_test

import (
	"fmt"
	"os"
	"regexp"
	"strings"
	"testing"
)

// TestAuthorizationMatrix drives every route as a member of the household
// it touches, as a member of another household, and anonymously (SEC-AUTHZ):
// the other household's member gets 404 and a body that holds nothing of
// the household, the anonymous caller 401.
func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	own, ownPerson := e.user("Own")
	other, _ := e.user("Other")
	hh := e.household(own)
	e.household(other)
	dev, secret := e.device(own, hh)
	resetDev, _ := e.device(own, hh) // the device the owner resets (FACTORY-RESET)
	// A reading, so that the reading list has something to leak.
	e.want(e.do("POST", "/v1/devices/"+dev+"/readings", secret, readingPayload("m1", "setpoint", "MARKER-41")), 201)
	_, _, code, err := e.hh.ProvisionDevice(t.Context(), "ember-s1", "1.0.0")
	if err != nil {
		t.Fatalf("ProvisionDevice: %v", err)
	}

	type route struct {
		method, path, body string
		ownStatus          int
	}
	// A profile without an account, whose notifications the owner reads (CONSENT-MULTIUSER).
	profile := e.want(e.do("POST", "/v1/households/"+hh+"/people", own, `{"display_name":"Kid","role":"guest"}`), 201).json(t)["id"].(string)
	me := "/v1/households/" + hh + "/people/" + ownPerson // the owner's own consents and settings
	// A member with an account, whom the owner removes (a profile is erased instead).
	mateTok, mate := e.user("Mate")
	inv := e.want(e.do("POST", "/v1/households/"+hh+"/invites", own, `{"role":"adult"}`), 201).json(t)["token"].(string)
	e.want(e.do("POST", "/v1/invites/accept", mateTok, fmt.Sprintf(`{"token":%q}`, inv)), 200)
	// A rights request of the owner's, whose progress the other household must not see.
	request := e.want(e.do("POST", me+"/requests", own, `{"type":"erasure","password":"correct horse battery staple"}`), 201).json(t)["id"].(string)
	// The household reading above, which its owner may mark disputed (RIGHT-RECTIFY).
	rid := fmt.Sprint(e.want(e.do("GET", "/v1/households/"+hh+"/readings?purpose=heating-control", own, ""), 200).json(t)["readings"].([]any)[0].(map[string]any)["id"])
	template := strings.NewReplacer("/readings/"+rid+"/", "/readings/{id}/", "/requests/"+request, "/requests/{id}", "/automated-decisions/heating-control", "/automated-decisions/{purpose}", hh, "{hh}", dev, "{id}", resetDev, "{id}", profile, "{person}", ownPerson, "{person}", mate, "{person}",
		"/consents/energy-insights", "/consents/{purpose}", "/features/energy-insights", "/features/{feature}",
		"/deletion-schedules/occupancy", "/deletion-schedules/{category}")
	routes := []route{
		{"GET", "/v1/households/" + hh, "", 200},
		{"GET", "/v1/households/" + hh + "/members", "", 200},
		{"GET", "/v1/households/" + hh + "/devices", "", 200},
		{"GET", "/v1/households/" + hh + "/readings?purpose=heating-control", "", 200},
		{"POST", "/v1/households/" + hh + "/invites", `{"role":"guest"}`, 201},
		{"POST", "/v1/households/" + hh + "/people", `{"display_name":"Gran","role":"guest"}`, 201},
		{"POST", "/v1/households/" + hh + "/devices", fmt.Sprintf(`{"code":%q}`, code), 201},
		{"POST", "/v1/devices/" + dev + "/credential", "", 201},
		{"DELETE", "/v1/devices/" + dev + "/credential", "", 204},
		{"GET", "/v1/devices/" + dev + "/firmware", "", 200}, // SEC-UPDATES: the household's view of its firmware
		{"GET", "/v1/devices/" + dev + "/log", "", 200},      // the device log, for its household's owners
		{"GET", "/v1/households/" + hh + "/people/" + profile + "/notifications", "", 200},
		{"GET", me + "/consents", "", 200},
		{"GET", me + "/consents/energy-insights/request", "", 200},  // before the consent is given
		{"POST", me + "/consents/energy-insights/request", "", 201}, // records that it was shown
		{"POST", me + "/consents/energy-insights", `{"decision":"give","method":"api"}`, 200},
		{"GET", me + "/consents/receipts", "", 200},
		{"GET", me + "/consents/history", "", 200},
		{"GET", me + "/settings", "", 200},
		{"PUT", me + "/settings", `{"features":["energy-insights"],"location":"off"}`, 200},
		{"GET", me + "/features/energy-insights", "", 200}, // the notice before switching: changes nothing
		{"POST", me + "/features/energy-insights", `{"enabled":true}`, 200},
		{"GET", me + "/privacy", "", 200}, // the privacy dashboard's content
		// Erasure (RIGHT-ERASE) and periodic deletion (RETENTION); the erasure's range holds nothing.
		{"POST", me + "/erasure/preview", `{"everything":true}`, 200},
		{"POST", me + "/erasures", `{"from":"2000-01-01T00:00:00Z","to":"2000-01-02T00:00:00Z","confirm":true,"password":"correct horse battery staple"}`, 200},
		{"GET", me + "/erasure-notices", "", 200},
		{"PUT", me + "/deletion-schedules/occupancy", `{"period":"weekly"}`, 204},
		{"GET", me + "/deletion-schedules", "", 200},
		{"POST", me + "/shares", `{"category":"occupancy","with":"` + profile + `"}`, 200},
		{"GET", me + "/shares", "", 200},
		{"GET", me + "/readers", "", 200},
		{"DELETE", me + "/shares", `{"category":"occupancy","with":"` + profile + `"}`, 204},
		{"POST", me + "/requests", `{"type":"access","password":"correct horse battery staple"}`, 201}, // RIGHT-REQUESTS
		{"GET", me + "/requests", "", 200},
		{"GET", me + "/requests/" + request, "", 200},
		{"POST", me + "/exports", `{"password":"correct horse battery staple"}`, 201}, // RIGHT-ACCESS
		{"POST", "/v1/households/" + hh + "/imports", "", 400},                        // RIGHT-PORT: an owner's empty body is no archive
		// RIGHT-RESTRICT, RIGHT-OBJECT, RIGHT-OBJECT-MKT, RIGHT-ADM: the thermostat makes no automated decision (422).
		{"GET", me + "/controls", "", 200},
		{"POST", me + "/restrictions", `{"purpose":"device-security","restrict":true,"password":"correct horse battery staple"}`, 200},
		{"POST", me + "/objections", `{"purpose":"device-security","object":true,"password":"correct horse battery staple"}`, 200},
		{"POST", me + "/objections/marketing", `{"object":true,"password":"correct horse battery staple"}`, 200},
		{"POST", me + "/automated-decisions/heating-control", `{"opt_out":true,"password":"correct horse battery staple"}`, 422},
		{"POST", me + "/automated-decisions/heating-control/review", `{"password":"correct horse battery staple"}`, 422},
		{"PUT", me + "/display-name", `{"display_name":"Own","password":"correct horse battery staple"}`, 200},
		{"POST", "/v1/households/" + hh + "/readings/" + rid + "/rectification", `{"action":"dispute","password":"correct horse battery staple"}`, 200},
		// Device lifecycle (issue 14: OWN-TRANSFER, FACTORY-RESET, LOCAL-ONLY).
		{"PUT", "/v1/devices/" + dev + "/mode", `{"mode":"cloud"}`, 200},
		{"POST", "/v1/devices/" + dev + "/transfer", `{"readings":"keep"}`, 201},
		{"DELETE", "/v1/devices/" + dev + "/transfer", "", 204},
		{"POST", "/v1/households/" + hh + "/transfers", `{"code":"not-a-code"}`, 400},
		{"POST", "/v1/devices/" + resetDev + "/reset", `{"readings":"keep"}`, 200},
		{"POST", "/v1/households/" + hh + "/devices/" + resetDev + "/erasure", `{"password":"correct horse battery staple"}`, 200},
		// Lifecycle (issue 12), last: they end the profile's membership and the device's binding.
		{"PATCH", "/v1/households/" + hh + "/members/" + profile, `{"role":"adult"}`, 200},
		{"DELETE", "/v1/households/" + hh + "/members/" + mate, "", 204},
		{"DELETE", "/v1/households/" + hh + "/devices/" + dev, "", 204},
	}
	// Routes that touch no household: anonymous gets 401, others succeed.
	selfRoutes := []route{
		{"GET", "/v1/me", "", 200},
		{"GET", "/v1/households", "", 200},
		{"POST", "/v1/households", `{"name":"Flat"}`, 201},
		{"POST", "/v1/invites/accept", `{"token":"not-a-token"}`, 400},
		{"GET", "/v1/me/notifications", "", 200},
		{"GET", "/v1/me/terms", "", 200},
		{"POST", "/v1/me/terms", `{"version":"2025-06"}`, 200},
		// Own rights without a household (RIGHT-ACCESS, RIGHT-ERASE, RIGHT-REQUESTS): the caller's own only.
		{"POST", "/v1/me/exports", `{"password":"correct horse battery staple"}`, 201},
		{"POST", "/v1/me/erasure/preview", `{"category":"occupancy"}`, 200},
		{"POST", "/v1/me/erasures", `{"from":"2000-01-01T00:00:00Z","to":"2000-01-02T00:00:00Z","confirm":true,"password":"correct horse battery staple"}`, 200},
		{"GET", "/v1/me/requests", "", 200},
		// Second factors (SEC-MFA): the caller's own; passkeys are off in this env (503).
		{"GET", "/v1/me/second-factor", "", 200},
		{"POST", "/v1/me/second-factor/totp", "", 201},
		{"POST", "/v1/me/second-factor/totp/confirm", `{"code":"000000"}`, 400},
		{"POST", "/v1/me/second-factor/recovery-codes", `{"password":"correct horse battery staple"}`, 400}, // no second factor yet
		{"POST", "/v1/me/second-factor/disable", `{"password":"correct horse battery staple"}`, 204},
		{"POST", "/v1/me/passkeys/options", "", 503},
		{"POST", "/v1/me/passkeys", `{"credential":{}}`, 503},
		{"GET", "/v1/operator/me", "", 403},       // not an operator: TestOperatorMiddleware
		{"GET", "/v1/operator/manifest", "", 403}, // the console's routes: TestPageOperatorConsole
		{"GET", "/v1/operator/requests", "", 403},
		{"POST", "/v1/operator/requests/{id}", `{"status":"done","outcome":"x"}`, 403},
		{"GET", "/v1/operator/ledger", "", 403},
		{"POST", "/v1/me/password", `{"current_password":"correct horse battery staple","new_password":"another long passphrase"}`, 204},
		{"DELETE", "/v1/sessions/current", "", 204},
	}
	// Public documents (NOTICE-SEPARATE): anyone may read them, signed in or not.
	publicRoutes := []string{"/", "/assets/app.js", "/v1/terms", "/privacy", "/privacy.json", "/privacy.txt", "/privacy/children", "/terms", "/privacy/hub", "/privacy/qr.svg", "/.well-known/security.txt", "/security/policy", "/api/openapi.json"}
	secrets := []string{hh, dev, "MARKER-41", "Own", "own@example.org"}
	covered := map[string]bool{
		"POST /v1/accounts": true, "POST /v1/sessions": true, // tested in TestBadInput and TestSignInNoEnumeration
		"POST /v1/devices/{id}/readings": true, "GET /healthz": true, // below and in TestOperations
		"POST /v1/devices/{id}/events":                  true, // device credential: TestDeviceEventsOverHTTP
		"POST /v1/devices/{id}/firmware/update":         true, // owner, adult, other household, anonymous in TestFirmwareUpdateAPI
		"GET /v1/devices/{id}/firmware/{version}/image": true, // device credential: TestFirmwareUpdateAPI
		"POST /v1/operator/firmware/releases":           true, // operator, plain account, anonymous in TestFirmwareOperatorAPI
		"GET /v1/operator/firmware/releases":            true, // TestFirmwareOperatorAPI
		"POST /v1/operator/firmware/rollouts":           true, // TestFirmwareOperatorAPI
		"POST /v1/me/notifications/{id}/read":           true, // own and other's in TestNotificationsAPI
		"POST /v1/me/close":                             true, // TestCloseAccountAPI: it would end the other caller's account
		"GET /assets/":                                  true, // the pages' assets, public below as "/assets/app.js"; pages: TestPageRoutes
		"GET /v1/exports/{token}":                       true, // own, other's, expired and anonymous in TestExportAPI
		// The second step of a sign-in, before a session: TestTOTPSignIn, TestPasskeyRegistrationAndSignIn.
		"POST /v1/sessions/second-factor": true, "POST /v1/sessions/second-factor/passkey/options": true,
		"POST /v1/sessions/second-factor/passkey": true,
	}
	for _, p := range publicRoutes {
		covered["GET "+p] = true
		for who, token := range map[string]string{"anonymous": "", "signed in": other} {
			t.Run("GET "+p+"/public, "+who, func(t *testing.T) {
				res := e.want(e.do("GET", p, token, ""), 200)
				for _, s := range secrets {
					if strings.Contains(string(res.body), s) {
						t.Errorf("body %s leaks %q", res.body, s)
					}
				}
			})
		}
	}
	for _, r := range routes {
		path, _, _ := strings.Cut(r.path, "?")
		name := r.method + " " + template.Replace(path)
		covered[name] = true
		t.Run(name+"/anonymous", func(t *testing.T) {
			problem(t, e.do(r.method, r.path, "", r.body), 401)
		})
		t.Run(name+"/other household", func(t *testing.T) {
			res := e.do(r.method, r.path, other, r.body)
			problem(t, res, 404)
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) {
					t.Errorf("body %s leaks %q", res.body, s)
				}
			}
		})
		t.Run(name+"/own household", func(t *testing.T) {
			res := e.want(e.do(r.method, r.path, own, r.body), r.ownStatus)
			if strings.HasSuffix(path, "/readings") && !strings.Contains(string(res.body), "MARKER-41") {
				t.Errorf("own readings %s lack the reading: the leak check above proves nothing", res.body)
			}
		})
	}
	for _, r := range selfRoutes {
		name := r.method + " " + r.path
		covered[name] = true
		t.Run(name+"/anonymous", func(t *testing.T) {
			problem(t, e.do(r.method, r.path, "", r.body), 401)
		})
		t.Run(name+"/signed in", func(t *testing.T) {
			res := e.want(e.do(r.method, r.path, other, r.body), r.ownStatus)
			for _, s := range secrets {
				if strings.Contains(string(res.body), s) {
					t.Errorf("body %s leaks %q", res.body, s)
				}
			}
		})
	}
	// Signing out everywhere touches only the caller's own sessions.
	covered["DELETE /v1/sessions"] = true
	t.Run("DELETE /v1/sessions/anonymous", func(t *testing.T) {
		problem(t, e.do("DELETE", "/v1/sessions", "", ""), 401)
	})
	t.Run("DELETE /v1/sessions/signed in", func(t *testing.T) {
		third, _ := e.user("Third")
		e.want(e.do("DELETE", "/v1/sessions", third, ""), 204)
		e.want(e.do("GET", "/v1/households/"+hh, own, ""), 200) // another account's session lives
	})
	// Device ingestion is authenticated by the device's own secret only.
	t.Run("device reading/anonymous", func(t *testing.T) {
		problem(t, e.do("POST", "/v1/devices/"+dev+"/readings", "", readingPayload("m2", "setpoint", "x")), 401)
	})
	t.Run("device reading/session token", func(t *testing.T) {
		problem(t, e.do("POST", "/v1/devices/"+dev+"/readings", other, readingPayload("m2", "setpoint", "x")), 401)
	})
	t.Run("every route is in the matrix", func(t *testing.T) {
		for _, p := range registeredRoutes(t) {
			if !covered[p] {
				t.Errorf("route %q is not in the authorization matrix", p)
			}
		}
	})
}

// registeredRoutes reads the patterns handled in routes.go.
func registeredRoutes(t *testing.T) []string {
	t.Helper()
	src, err := os.ReadFile("routes.go")
	if err != nil {
		t.Fatalf("read routes.go: %v", err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`handle\("([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		out = append(out, m[1])
	}
	if len(out) < 15 {
		t.Fatalf("found %d routes in routes.go, want every one", len(out))
	}
	return out
}

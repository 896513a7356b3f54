package compliance

import (
	"fmt"
	"strings"
	"time"

	"github.com/hearth-iot/hearth/manifest"
)

// Statuses of a requirement on an instance.
const (
	// Met: this instance's configuration or manifest satisfies it, and
	// tests show the code does what it says.
	Met = "met"
	// MetByCode: the code does it whatever the configuration, and tests
	// show it.
	MetByCode = "met-by-code"
	// NotMet: this instance does not meet it; Why says why.
	NotMet = "not-met"
	// NotApplicable: the manifest declares nothing the requirement is
	// about; Why says what.
	NotApplicable = "not-applicable"
)

// Statuses lists the statuses in the order reports count them.
var Statuses = []string{Met, MetByCode, NotMet, NotApplicable}

// Check is the result of verifying a hash chain on the instance.
type Check struct {
	Checked bool   `json:"checked"` // it was verified for this report
	Intact  bool   `json:"intact"`
	Entries int64  `json:"entries"`
	Problem string `json:"problem,omitempty"` // the first break, when not intact
}

// Facts are what a running instance shows about itself: its manifest, its
// configuration and the state of its chains. The server and `hearth
// report` fill them; the parts other areas provide (OAuth, the audit log,
// differentially private analytics, synthetic data) stay false until
// those are wired into the server, and their requirements are then not
// met.
type Facts struct {
	Manifest *manifest.Manifest // the manifest served; nil if none
	// ManifestWarnings are the lint warnings of the manifest served (a
	// manifest with errors is never served).
	ManifestWarnings manifest.Problems
	TLS              bool // HTTP and MQTT are served over TLS (--tls-cert)
	// Insecure: plaintext is allowed on a non-loopback address (--insecure),
	// for a TLS-terminating proxy in front.
	Insecure       bool
	TrustedProxies int // networks in --trusted-proxies
	ProxyProtocol  int // networks in --proxy-protocol
	// SecurityContact are security.txt's Contact URIs (SEC-VDP).
	SecurityContact []string
	FirmwareKeys    int // trusted firmware signing keys (--firmware-keys)
	// RecipientsConfigured are the IDs of the manifest's recipients with
	// an erasure webhook in --recipients.
	RecipientsConfigured []string
	Passkeys             bool  // passkeys are on (--webauthn-origin or --public-url)
	Ledger               Check // the consent ledger (CONSENT-LEDGER)
	// AuditLog: accesses to personal data and administrative actions are
	// recorded in the audit log; Audit is its chain's check (AUDIT).
	AuditLog bool
	Audit    Check
	// OAuth: the OAuth 2 authorization server for third-party clients is
	// on (INT-CLIENTS, INT-SAME-SCOPE).
	OAuth bool
	// AnalyticsBudget: operators' aggregate analytics go through
	// differential privacy with a privacy budget (PET-DP).
	AnalyticsBudget bool
	// Synthetic: a generator of synthetic households, people and readings
	// is in the binary, for the demo and tests (PET-SYNTH).
	Synthetic bool
}

// Item is one requirement's status on the instance.
type Item struct {
	Requirement
	Status string `json:"status"`
	// Why says what on this instance meets it, or why it is not met or
	// not applicable.
	Why string `json:"why"`
	// Tests are the tests that cite it (the evidence map).
	Tests []string `json:"tests"`
}

// Report is every requirement's status on an instance.
type Report struct {
	Generated time.Time      `json:"generated"`
	Manifest  string         `json:"manifest_version,omitempty"`
	Counts    map[string]int `json:"counts"` // per status
	Items     []Item         `json:"items"`
}

// Build reports each requirement of reqs, in order, once: its status on
// the instance the facts describe and the tests of ev that cite it. A
// requirement no test cites is not met, whatever the facts. Build does no
// I/O; now is the report's time.
func Build(reqs []Requirement, ev Evidence, f Facts, now time.Time) Report {
	r := Report{Generated: now.UTC(), Counts: map[string]int{}}
	if f.Manifest != nil {
		r.Manifest = f.Manifest.Version
	}
	for _, req := range reqs {
		it := Item{Requirement: req, Tests: append([]string{}, ev[req.ID]...)}
		it.Status, it.Why = status(req.ID, f)
		switch {
		case len(it.Tests) > 0 || it.Status == NotApplicable:
		case it.Status == NotMet:
			it.Why += "; and no test cites " + req.ID
		default:
			it.Status, it.Why = NotMet, "no test shows it: no test cites "+req.ID
		}
		r.Counts[it.Status]++
		r.Items = append(r.Items, it)
	}
	return r
}

// byCode is the reason of a requirement the code meets on every instance.
const byCode = "the code does it on every instance, whatever the configuration; the tests below show it"

// lintRules are the requirements the manifest's lint enforces: a served
// manifest has passed them.
var lintRules = map[string]string{
	"BASIS-DECLARED":           "every purpose declares its lawful basis, and each one using special category data an Art 9 condition",
	"CONSENT-NOT-PRECONDITION": "no purpose of the core function rests on consent",
	"NOTICE-CONTENT":           "the notice at /privacy is generated from the manifest the server enforces",
	"TOS-DURATION":             "every terms version states its expected duration",
	"LIFETIME-CLEAR":           "every model states its service lifetime, support end and support levels",
	"USAGE-CHANGE":             "every feature states its implications, shown before it takes effect",
	"DEFAULT-PRIVATE":          "purposes on consent start off, and where children are likely users profiling, advertising and location start off",
}

// status is a requirement's status and reason on the instance, before the
// evidence is considered.
func status(id string, f Facts) (string, string) {
	m := f.Manifest
	if why, ok := lintRules[id]; ok {
		if m == nil {
			return NotMet, "no manifest is served"
		}
		return Met, fmt.Sprintf("the manifest served (version %s) passes lint: %s", m.Version, why)
	}
	switch id {
	case "RECORDS":
		if m == nil {
			return NotMet, "no manifest is served"
		}
		s := manifest.Records(m).Screening
		return Met, "hearth records generates the record of processing activities and the DPIA screening from the manifest served; the screening concludes: " + s.Conclusion
	case "CONSENT-EXPLICIT":
		if !hasPurpose(m, func(p *manifest.Purpose) bool { return p.OnConsent() && usesKind(m, p, manifest.KindSpecial) }) {
			return NotApplicable, "no purpose of the manifest uses special category data on consent"
		}
		return Met, "every purpose using special category data on consent has its explicit statement, recorded verbatim (lint)"
	case "ADS-CONSENT":
		if !hasPurpose(m, func(p *manifest.Purpose) bool { return p.Advertising || p.Profiling }) {
			return NotApplicable, "no purpose of the manifest is advertising or profiling"
		}
		return Met, "every advertising and profiling purpose rests on consent (lint), off by default"
	case "PECR-TERMINAL":
		if !hasPurpose(m, func(p *manifest.Purpose) bool { return p.DeviceAccess && !p.Core }) {
			return NotApplicable, "no purpose beyond the core function stores or reads information on the device (device_access)"
		}
		return Met, "every purpose that stores or reads information on the device beyond the core function rests on consent (lint)"
	case "RIGHT-ADM":
		if !hasPurpose(m, func(p *manifest.Purpose) bool { return p.AutomatedDecision }) {
			return NotApplicable, "no purpose of the manifest makes solely automated decisions"
		}
		return Met, "every automated decision has an Art 22(2) basis (lint); people opt out and ask for review in their account"
	case "MIN-LOCATION":
		if m == nil || !hasKind(m, manifest.KindLocation) {
			return NotApplicable, "no category of the manifest is location data"
		}
		return Met, "every location category declares its granularities and each feature using one lets the person choose (lint)"
	case "SEC-MONITOR":
		if !hasPurpose(m, func(p *manifest.Purpose) bool { return p.Security }) {
			return NotMet, "no purpose of the manifest has security: true (lint warns): declare what is collected for security as a purpose of its own"
		}
		return Met, "the manifest declares a security-monitoring purpose, technical data only, kept at most 180 days (lint)"
	case "SEC-ENCRYPT":
		switch {
		case f.TLS:
			return Met, "HTTP and MQTT are served over TLS (--tls-cert), and readings are sealed at rest with per-person keys"
		case f.Insecure:
			return NotMet, "HTTP and MQTT are plaintext here (--insecure): TLS is left to a proxy in front, which this instance cannot check; readings are sealed at rest"
		default:
			return NotMet, "HTTP and MQTT are plaintext on a loopback address (no --tls-cert): there is no encryption in transit; readings are sealed at rest"
		}
	case "SEC-BRUTE":
		if f.Insecure && f.TrustedProxies == 0 && f.ProxyProtocol == 0 {
			return NotMet, "--insecure is given (a TLS-terminating proxy in front) but neither --trusted-proxies nor --proxy-protocol: the per-address sign-in and connection limits count the proxy's address, not each client's"
		}
		return MetByCode, "sign-in, sign-up, claim codes and device authentication are rate-limited per address and per account, without revealing which accounts exist; the tests below show it"
	case "SEC-MFA":
		why := "operators reach the console and the operator API only after signing in with a second factor (always on); authenticator apps are on"
		if f.Passkeys {
			return Met, why + ", and passkeys"
		}
		return Met, why + "; passkeys are off (no --webauthn-origin or --public-url)"
	case "SEC-VDP":
		if len(f.SecurityContact) == 0 {
			return NotMet, "no security contact: security.txt cannot be served"
		}
		return Met, "/.well-known/security.txt and /security/policy are served, with contact " + strings.Join(f.SecurityContact, ", ")
	case "SEC-UPDATES":
		if f.FirmwareKeys == 0 {
			return NotMet, "no --firmware-keys: no firmware release can be uploaded to this instance, so its devices get no security updates from it"
		}
		return Met, fmt.Sprintf("firmware releases must be signed with one of %d trusted keys (--firmware-keys), and devices verify them before installing", f.FirmwareKeys)
	case "RIGHT-ERASE":
		return erasure(f)
	case "CONSENT-LEDGER":
		return chain("consent ledger", f.Ledger)
	case "AUDIT":
		if !f.AuditLog {
			return NotMet, "this instance keeps no audit log of accesses to personal data and of administrative actions"
		}
		return chain("audit log", f.Audit)
	case "INT-CLIENTS", "INT-SAME-SCOPE":
		if !f.OAuth {
			return NotMet, "this instance has no OAuth 2 authorization server for third-party clients"
		}
		if id == "INT-SAME-SCOPE" {
			return Met, "the OAuth 2 authorization server is on, and every signed-in /v1 route is open to third-party clients within the scopes a person grants, or listed with the reason it is not"
		}
		return Met, "the OAuth 2 authorization server is on: clients registered by operators use the authorization code flow with PKCE, scoped and revocable tokens"
	case "PET-DP":
		if !f.AnalyticsBudget {
			return NotMet, "this instance has no differentially private analytics with a privacy budget"
		}
		return Met, "operators' aggregate analytics add noise (differential privacy), bound each person's contribution, suppress small groups and stop when the privacy budget is spent"
	case "PET-SYNTH":
		if !f.Synthetic {
			return NotMet, "no synthetic data generator is in this binary"
		}
		return MetByCode, "hearth synth and the demo generate synthetic households, people and readings from the manifest; the tests below keep real personal data out of the fixtures"
	}
	return MetByCode, byCode
}

// erasure: erasure reaches every recipient only when each has a webhook.
func erasure(f Facts) (string, string) {
	if f.Manifest == nil || len(f.Manifest.Recipients) == 0 {
		return MetByCode, "erasure crypto-shreds the person's key (backups included); the manifest names no recipient to tell"
	}
	var missing []string
	for _, r := range f.Manifest.Recipients {
		found := false
		for _, id := range f.RecipientsConfigured {
			found = found || id == r.ID
		}
		if !found {
			missing = append(missing, r.ID)
		}
	}
	if len(missing) > 0 {
		has := "has no erasure webhook in --recipients, so its notices stay"
		if len(missing) > 1 {
			has = "have no erasure webhook in --recipients, so their notices stay"
		}
		return NotMet, fmt.Sprintf("erasure is not propagated to every recipient: %s %s unconfigured", strings.Join(missing, " and "), has)
	}
	return Met, "erasure crypto-shreds the person's key (backups included), and signed erasure notices go to every recipient's webhook (--recipients)"
}

// chain reports a hash chain's check.
func chain(name string, c Check) (string, string) {
	switch {
	case !c.Checked:
		return NotMet, "the " + name + " was not verified for this report"
	case !c.Intact:
		return NotMet, fmt.Sprintf("the %s is broken: %s", name, c.Problem)
	}
	return Met, fmt.Sprintf("the %s's hash chain was verified for this report: %d entries intact", name, c.Entries)
}

func hasPurpose(m *manifest.Manifest, ok func(*manifest.Purpose) bool) bool {
	if m == nil {
		return false
	}
	for i := range m.Purposes {
		if ok(&m.Purposes[i]) {
			return true
		}
	}
	return false
}

func usesKind(m *manifest.Manifest, p *manifest.Purpose, kind string) bool {
	for _, id := range p.Categories {
		if c, ok := m.Category(id); ok && c.Kind == kind {
			return true
		}
	}
	return false
}

func hasKind(m *manifest.Manifest, kind string) bool {
	for _, c := range m.Categories {
		if c.Kind == kind {
			return true
		}
	}
	return false
}

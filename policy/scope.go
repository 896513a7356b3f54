package policy

import (
	"fmt"

	"github.com/hearth-iot/hearth"
)

// OAuth scopes (INT-CLIENTS, INT-SAME-SCOPE): what a third-party client may
// do with a person's account, and which decision a call of it gets.
//
// A scope is either a function or a narrowing:
//
//   - a function names what the client may do, the same functions Hearth's
//     own pages use: profile, households:read, households:write,
//     devices:read, devices:write, readings:read, consents:read,
//     consents:write and rights;
//   - a narrowing names one household, device or purpose:
//     household:<id>, device:<id>, purpose:<id>. A grant with any
//     narrowing of a kind reaches only the households (devices, purposes)
//     it names: a call about another, or about all of them at once (a
//     list), is refused.
//
// A client is granted only scopes it was registered for; a narrowing may
// always be asked for, since it only takes away (ScopeRegistered). Routes
// for operators and for the account's own credentials (password, second
// factors, sessions, closing the account) take no scope: no client reaches
// them.

// The functional scopes.
const (
	ScopeProfile         = "profile"
	ScopeHouseholdsRead  = "households:read"
	ScopeHouseholdsWrite = "households:write"
	ScopeDevicesRead     = "devices:read"
	ScopeDevicesWrite    = "devices:write"
	ScopeReadingsRead    = "readings:read"
	ScopeConsentsRead    = "consents:read"
	ScopeConsentsWrite   = "consents:write"
	ScopeRights          = "rights"
)

// The kinds of narrowing scope: the part before the colon.
const (
	NarrowHousehold = "household"
	NarrowDevice    = "device"
	NarrowPurpose   = "purpose"
)

// maxScopeID bounds the ID of a narrowing scope, and maxScopes the number
// of scopes one grant may hold.
const (
	maxScopeID = 64
	MaxScopes  = 32
)

// ScopeFunction describes a functional scope in the person's words: what a
// client granted it can do.
type ScopeFunction struct {
	Name string
	Text string
}

// scopeFunctions are the functional scopes and their description, in the
// order the consent screen lists them.
var scopeFunctions = []ScopeFunction{
	{ScopeProfile, "see your name, e-mail address, notifications and the terms you accepted"},
	{ScopeHouseholdsRead, "see your households and their members"},
	{ScopeHouseholdsWrite, "create households, invite and remove members, and change their roles"},
	{ScopeDevicesRead, "see your devices, their firmware and their activity log"},
	{ScopeDevicesWrite, "add, remove, reset, transfer and update your devices"},
	{ScopeReadingsRead, "see the readings of your devices"},
	{ScopeConsentsRead, "see your consents, privacy settings, shares and who may read your data"},
	{ScopeConsentsWrite, "give or withdraw consent, and change your privacy settings and shares"},
	{ScopeRights, "use your data protection rights for you: export, erasure, correction, restriction and objection requests"},
}

// ScopeFunctions returns the functional scopes with their descriptions.
func ScopeFunctions() []ScopeFunction {
	return append([]ScopeFunction(nil), scopeFunctions...)
}

// Scope is one parsed scope: a function (Kind "") or a narrowing of Kind
// NarrowHousehold, NarrowDevice or NarrowPurpose to the ID.
type Scope struct {
	Kind string // "" for a function
	Name string // the function, or the narrowing's ID
}

// String returns the scope as a client writes it.
func (sc Scope) String() string {
	if sc.Kind == "" {
		return sc.Name
	}
	return sc.Kind + ":" + sc.Name
}

// Text describes the scope in the person's words.
func (sc Scope) Text() string {
	switch sc.Kind {
	case "":
		for _, f := range scopeFunctions {
			if f.Name == sc.Name {
				return f.Text
			}
		}
	case NarrowHousehold:
		return "household " + sc.Name
	case NarrowDevice:
		return "device " + sc.Name
	case NarrowPurpose:
		return "the purpose " + sc.Name
	}
	return sc.String()
}

// ParseScope parses one scope. It returns EINVALID, with a message that
// names the problem, for an empty scope, an unknown function or kind, and
// a narrowing whose ID is empty, longer than 64 characters or holds other
// than letters, digits, '_', '-' and '.'.
func ParseScope(s string) (Scope, error) {
	if s == "" {
		return Scope{}, hearth.Errorf(hearth.EINVALID, "a scope is empty")
	}
	for _, f := range scopeFunctions {
		if f.Name == s {
			return Scope{Name: s}, nil
		}
	}
	colon := -1
	for i := 0; i < len(s); i++ {
		if s[i] == ':' {
			colon = i
			break
		}
	}
	if colon < 0 {
		return Scope{}, hearth.Errorf(hearth.EINVALID, "unknown scope %q: see the list of scopes in docs/api.md", clip(s))
	}
	kind, id := s[:colon], s[colon+1:]
	switch kind {
	case NarrowHousehold, NarrowDevice, NarrowPurpose:
	default:
		return Scope{}, hearth.Errorf(hearth.EINVALID, "unknown scope %q: see the list of scopes in docs/api.md", clip(s))
	}
	if id == "" || len(id) > maxScopeID {
		return Scope{}, hearth.Errorf(hearth.EINVALID, "scope %q: the %s ID must have 1 to %d characters", clip(s), kind, maxScopeID)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return Scope{}, hearth.Errorf(hearth.EINVALID, "scope %q: the %s ID may hold only letters, digits, '_', '-' and '.'", clip(s), kind)
		}
	}
	return Scope{Kind: kind, Name: id}, nil
}

// clip shortens s for a message.
func clip(s string) string {
	if len(s) > 80 {
		return s[:80] + "…"
	}
	return s
}

// ScopeRegistered reports whether a client registered for the scopes
// registered may be granted scope: a function only if registered lists it,
// a well-formed narrowing always (it only takes away). It is the
// authorization server's scope strategy.
func ScopeRegistered(registered []string, scope string) bool {
	sc, err := ParseScope(scope)
	if err != nil {
		return false
	}
	if sc.Kind != "" {
		return true
	}
	for _, r := range registered {
		if r == scope {
			return true
		}
	}
	return false
}

// CheckRegistrable returns EINVALID unless scopes may be registered for a
// client: each a function, at least one, at most MaxScopes, none twice.
func CheckRegistrable(scopes []string) error {
	if len(scopes) == 0 {
		return hearth.Errorf(hearth.EINVALID, "a client needs at least one scope")
	}
	if len(scopes) > MaxScopes {
		return hearth.Errorf(hearth.EINVALID, "a client has at most %d scopes", MaxScopes)
	}
	seen := map[string]bool{}
	for _, s := range scopes {
		sc, err := ParseScope(s)
		if err != nil {
			return err
		}
		if sc.Kind != "" {
			return hearth.Errorf(hearth.EINVALID, "scope %q narrows: register functions only; a client may ask for a narrowing when it asks for access", s)
		}
		if seen[s] {
			return hearth.Errorf(hearth.EINVALID, "scope %q is listed twice", s)
		}
		seen[s] = true
	}
	return nil
}

// Grant is what a person granted a client: its functions and narrowings.
type Grant struct {
	Functions  map[string]bool
	Households []string // empty: every household the person may reach
	Devices    []string
	Purposes   []string
}

// ParseGrant parses the scopes of a grant. It returns EINVALID for a scope
// ParseScope refuses and for more than MaxScopes scopes.
func ParseGrant(scopes []string) (Grant, error) {
	if len(scopes) > MaxScopes {
		return Grant{}, hearth.Errorf(hearth.EINVALID, "at most %d scopes may be granted at once", MaxScopes)
	}
	g := Grant{Functions: map[string]bool{}}
	for _, s := range scopes {
		sc, err := ParseScope(s)
		if err != nil {
			return Grant{}, err
		}
		switch sc.Kind {
		case "":
			g.Functions[sc.Name] = true
		case NarrowHousehold:
			g.Households = append(g.Households, sc.Name)
		case NarrowDevice:
			g.Devices = append(g.Devices, sc.Name)
		case NarrowPurpose:
			g.Purposes = append(g.Purposes, sc.Name)
		}
	}
	return g, nil
}

// ClientCall is a call a client makes with a grant: the function its route
// needs ("" for a route no client may call) and what it touches. An ID is
// "" when the route names none; Spans* is set when the route reaches every
// household (device, purpose) of the person at once, as a list does.
type ClientCall struct {
	Function        string
	HouseholdID     string
	DeviceID        string
	Purpose         string
	SpansHouseholds bool
	SpansDevices    bool
	SpansPurposes   bool
}

// ScopeDecision is the decision on a client's call: allowed, or refused
// with a sentence saying why.
type ScopeDecision struct {
	Allow  bool
	Reason string
}

// Err returns nil for an allowing decision and otherwise an EFORBIDDEN
// error with the reason.
func (d ScopeDecision) Err() error {
	if d.Allow {
		return nil
	}
	return hearth.Errorf(hearth.EFORBIDDEN, "%s", d.Reason)
}

// DecideClientCall decides whether grant g covers call c: the grant holds
// c's function, and each narrowing kind the grant has names what c
// touches. It decides only the client's part: the person's own right to
// the household, device or purpose is decided as for their own calls.
func DecideClientCall(g Grant, c ClientCall) ScopeDecision {
	if c.Function == "" {
		return ScopeDecision{Reason: "this route is not open to third-party clients: use Hearth's own pages"}
	}
	if !g.Functions[c.Function] {
		return ScopeDecision{Reason: fmt.Sprintf("this client was not granted the scope %q this route needs", c.Function)}
	}
	if d := narrowed(NarrowHousehold, g.Households, c.HouseholdID, c.SpansHouseholds); !d.Allow {
		return d
	}
	if d := narrowed(NarrowDevice, g.Devices, c.DeviceID, c.SpansDevices); !d.Allow {
		return d
	}
	return narrowed(NarrowPurpose, g.Purposes, c.Purpose, c.SpansPurposes)
}

// narrowed decides one narrowing kind: no narrowing allows; otherwise a
// call spanning every one is refused, and a call naming one is allowed
// only if it is named.
func narrowed(kind string, allowed []string, id string, spans bool) ScopeDecision {
	if len(allowed) == 0 {
		return ScopeDecision{Allow: true}
	}
	if spans {
		return ScopeDecision{Reason: fmt.Sprintf("this client may reach only some of your %ss, and this route reaches all of them: name the %s", kind, kind)}
	}
	if id == "" {
		return ScopeDecision{Allow: true}
	}
	for _, a := range allowed {
		if a == id {
			return ScopeDecision{Allow: true}
		}
	}
	return ScopeDecision{Reason: fmt.Sprintf("this client was not granted access to %s %s", kind, id)}
}

// Package household provides the Service that manages households, their
// members and profiles, their devices (provisioning, claiming, credentials)
// and the readings members may see.
//
// Every method that acts for a person takes the caller's person ID and
// checks membership first (SEC-AUTHZ): a caller who is not a member of the
// household gets ENOTFOUND, so a household's existence is never revealed;
// a member whose role does not allow the action gets EFORBIDDEN.
package household

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
	"github.com/hearth-iot/hearth/subject"
)

// Lifetimes of one-time codes.
const (
	InviteTTL = 7 * 24 * time.Hour
	ClaimTTL  = 72 * time.Hour
	// ClaimFailures wrong claim codes per account are allowed before
	// redemption is locked, for longer with each further one, up to
	// ClaimFailureWindow (SEC-BRUTE).
	ClaimFailures      = 10
	ClaimFailureWindow = 15 * time.Minute
	MaxNameLen         = 100
	MaxFirmware        = 64
	msgNoHH            = "no such household"
	msgNoDevice        = "no such device"
	msgOwnersOnly      = "only the household's owners may do this"
)

// Opener opens sealed reading values; *seal.Keyring satisfies it.
type Opener interface {
	Open(ctx context.Context, sealed, aad []byte) ([]byte, error)
}

// Config configures a Service. Store, Manifest and Opener are required;
// Now defaults to time.Now.
type Config struct {
	Store    hearth.Store
	Manifest *manifest.Manifest
	Opener   Opener
	Now      func() time.Time
	// CredentialChanged, when set, is called with a device's ID after its
	// credential is revoked or reissued, so the transport can end the
	// device's current session (the broker's Disconnect).
	CredentialChanged func(deviceID string)
	// MembershipChanged, when set, is called with a household and person
	// after the person joins it, is added to it, leaves it or changes role,
	// so that caches of memberships and policy subjects drop them (and the
	// household's own state, which folds every member's) at once (the
	// subject cache's Invalidate).
	MembershipChanged func(householdID, personID string)
	// Policy decides every read (Readings); nil means an engine compiled
	// from Manifest, and NewService panics if that fails.
	Policy *policy.Engine
	// Subjects gives the policy state of a reading's subject; nil means a
	// subject.Cache on Store that knows no consents (every consent-based
	// purpose off).
	Subjects ReadSubjects
}

// ReadSubjects gives what decides a read of a stored reading: its
// subject's policy state, the parties to the read (policy.MayRead) and the
// categories a person shared with another, each with the time it was
// granted; *subject.Cache satisfies it.
type ReadSubjects interface {
	ForReading(ctx context.Context, r *hearth.Reading) (policy.Subject, error)
	Party(ctx context.Context, householdID, personID string) (policy.Party, error)
	SharedWith(ctx context.Context, subject, reader string) (map[string]time.Time, error)
}

// Service manages households, people and devices. It is safe for
// concurrent use.
type Service struct {
	store    hearth.Store
	manifest *manifest.Manifest
	opener   Opener
	now      func() time.Time
	changed  func(deviceID string)
	policy   *policy.Engine
	subjects ReadSubjects

	// memberChanged is Config.MembershipChanged, never nil.
	memberChanged func(householdID, personID string)
	// claimFailures counts wrong claim codes per calling account.
	claimFailures *auth.Limiter
}

// NewService returns a Service using cfg.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CredentialChanged == nil {
		cfg.CredentialChanged = func(string) {}
	}
	if cfg.MembershipChanged == nil {
		cfg.MembershipChanged = func(string, string) {}
	}
	if cfg.Policy == nil {
		e, err := policy.Compile(cfg.Manifest)
		if err != nil {
			panic(fmt.Sprintf("household: compile the manifest's policy: %v", err))
		}
		cfg.Policy = e
	}
	if cfg.Subjects == nil {
		c, err := subject.New(subject.Config{Store: cfg.Store, Manifest: cfg.Manifest, Policy: cfg.Policy, Now: cfg.Now})
		if err != nil {
			panic(fmt.Sprintf("household: subject cache: %v", err))
		}
		cfg.Subjects = c
	}
	return &Service{store: cfg.Store, manifest: cfg.Manifest, opener: cfg.Opener, now: cfg.Now, changed: cfg.CredentialChanged,
		memberChanged: cfg.MembershipChanged, policy: cfg.Policy, subjects: cfg.Subjects,
		claimFailures: auth.NewLimiter(ClaimFailures, ClaimFailureWindow, cfg.Now)}
}

func (s *Service) clock() time.Time { return s.now().UTC() }

// member returns the caller's membership of hhID, or ENOTFOUND "no such
// household" if there is none (SEC-AUTHZ: existence is not revealed).
func (s *Service) member(ctx context.Context, caller, hhID string) (*hearth.Member, error) {
	if caller == "" || hhID == "" {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoHH)
	}
	m, err := s.store.Member(ctx, hhID, caller)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoHH)
	}
	if err != nil {
		return nil, fmt.Errorf("check membership: %w", err)
	}
	return m, nil
}

// withRole returns the caller's membership if their role is one of roles,
// ENOTFOUND if they are not a member and EFORBIDDEN otherwise.
func (s *Service) withRole(ctx context.Context, caller, hhID, msg string, roles ...hearth.Role) (*hearth.Member, error) {
	m, err := s.member(ctx, caller, hhID)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if m.Role == r {
			return m, nil
		}
	}
	return nil, hearth.Errorf(hearth.EFORBIDDEN, "%s", msg)
}

// CreateHousehold creates a household named name with the caller as its
// owner. It returns EINVALID (Field "name") for an empty or overlong name.
func (s *Service) CreateHousehold(ctx context.Context, caller, name string) (*hearth.Household, error) {
	name, err := checkName("name", name)
	if err != nil {
		return nil, err
	}
	now := s.clock()
	h := &hearth.Household{ID: hearth.NewID("hh_"), Name: name, Created: now}
	owner := &hearth.Member{HouseholdID: h.ID, PersonID: caller, Role: hearth.RoleOwner, Added: now}
	if err := s.store.CreateHousehold(ctx, h, owner); err != nil {
		return nil, fmt.Errorf("create household: %w", err)
	}
	return h, nil
}

// Households lists the households the caller is a member of, oldest first.
func (s *Service) Households(ctx context.Context, caller string) ([]hearth.Household, error) {
	hs, err := s.store.HouseholdsOf(ctx, caller)
	if err != nil {
		return nil, fmt.Errorf("list households: %w", err)
	}
	return hs, nil
}

// Household returns a household the caller is a member of, or ENOTFOUND.
func (s *Service) Household(ctx context.Context, caller, hhID string) (*hearth.Household, error) {
	if _, err := s.member(ctx, caller, hhID); err != nil {
		return nil, err
	}
	h, err := s.store.Household(ctx, hhID)
	if err != nil {
		return nil, fmt.Errorf("get household: %w", err)
	}
	return h, nil
}

// MemberView is a household member as shown to the other members, with
// what their role lets them control (CONSENT-MULTIUSER).
type MemberView struct {
	PersonID    string      `json:"person_id"`
	DisplayName string      `json:"display_name"`
	Role        hearth.Role `json:"role"`
	Controls    string      `json:"controls"`
	HasAccount  bool        `json:"has_account"`
	GuardianID  string      `json:"guardian_id,omitempty"`
	Added       time.Time   `json:"added"`
}

// Members lists a household's members, oldest first, each with their
// role's controls stated in plain language. Any member may list them.
func (s *Service) Members(ctx context.Context, caller, hhID string) ([]MemberView, error) {
	if _, err := s.member(ctx, caller, hhID); err != nil {
		return nil, err
	}
	ms, err := s.store.Members(ctx, hhID)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	out := make([]MemberView, 0, len(ms))
	for _, m := range ms {
		p, err := s.store.Person(ctx, m.PersonID)
		if err != nil {
			return nil, fmt.Errorf("list members: %w", err)
		}
		out = append(out, MemberView{PersonID: m.PersonID, DisplayName: p.DisplayName, Role: m.Role,
			Controls: hearth.RoleControls(m.Role), HasAccount: p.AccountID != "", GuardianID: m.GuardianID, Added: m.Added})
	}
	return out, nil
}

// checkName trims a name and checks it is 1 to MaxNameLen printable
// characters, returning EINVALID for field otherwise.
func checkName(field, name string) (string, error) {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return "", hearth.FieldError(field, "enter a name")
	case n > MaxNameLen:
		return "", hearth.FieldError(field, "the name is too long: use at most %d characters", MaxNameLen)
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return "", hearth.FieldError(field, "the name contains characters that cannot be shown")
	}
	return name, nil
}

// Invite creates a one-time invitation to hhID with role, expiring after
// InviteTTL, and returns its token (shown once). Only owners may invite:
// others get EFORBIDDEN. A child is added as a profile with a guardian
// (AddPerson), not invited: role child gives EINVALID.
func (s *Service) Invite(ctx context.Context, caller, hhID string, role hearth.Role) (string, *hearth.Invite, error) {
	if _, err := s.withRole(ctx, caller, hhID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		return "", nil, err
	}
	if !role.Valid() {
		return "", nil, hearth.FieldError("role", "choose a role: owner, adult or guest")
	}
	if role == hearth.RoleChild {
		return "", nil, hearth.FieldError("role", "a child is added as a profile with a guardian, not invited")
	}
	token, hash := auth.NewToken()
	now := s.clock()
	inv := &hearth.Invite{TokenHash: hash, HouseholdID: hhID, Role: role, InvitedBy: caller, Expires: now.Add(InviteTTL), Created: now}
	if err := s.store.CreateInvite(ctx, inv); err != nil {
		return "", nil, fmt.Errorf("create invite: %w", err)
	}
	return token, inv, nil
}

// Join redeems an invitation token, making the caller a member. It returns
// EINVALID (Field "token") for an unknown token, ECONFLICT if the
// invitation was used or the caller is a member already, EGONE if expired.
func (s *Service) Join(ctx context.Context, caller, token string) (*hearth.Member, error) {
	m, err := s.store.RedeemInvite(ctx, auth.HashToken(token), caller, s.clock())
	switch hearth.ErrorCode(err) {
	case "":
		s.memberChanged(m.HouseholdID, caller) // the household's own data now needs their consent too
		return m, nil
	case hearth.ENOTFOUND:
		return nil, &hearth.Error{Code: hearth.EINVALID, Field: "token", Message: "this invitation is not valid: check the link", Err: err}
	case hearth.ECONFLICT:
		return nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "token", Message: "this invitation has been used, or you are a member already", Err: err}
	case hearth.EGONE:
		return nil, &hearth.Error{Code: hearth.EGONE, Field: "token", Message: "this invitation has expired: ask for a new one", Err: err}
	}
	return nil, fmt.Errorf("join household: %w", err)
}

// AddPerson adds a profile without an account to hhID (RIGHT-UNREGISTERED):
// a household member or a guest. role is adult, child or guest; a child
// needs guardianID, an owner or adult member of the household. Only owners
// may add people. It returns EINVALID (Fields display_name, role,
// guardian_id) for bad input.
func (s *Service) AddPerson(ctx context.Context, caller, hhID, displayName string, role hearth.Role, guardianID string) (*hearth.Person, error) {
	if _, err := s.withRole(ctx, caller, hhID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		return nil, err
	}
	name, err := checkName("display_name", displayName)
	if err != nil {
		return nil, err
	}
	if err := s.checkProfileRole(ctx, hhID, role, guardianID); err != nil {
		return nil, err
	}
	now := s.clock()
	p := &hearth.Person{ID: hearth.NewID("per_"), HouseholdID: hhID, DisplayName: name, Created: now}
	m := &hearth.Member{HouseholdID: hhID, PersonID: p.ID, Role: role, GuardianID: guardianID, Added: now}
	if err := s.store.CreatePerson(ctx, p, m); err != nil {
		return nil, fmt.Errorf("add person: %w", err)
	}
	s.memberChanged(hhID, p.ID) // the household's own data now needs their consent too
	return p, nil
}

func (s *Service) checkProfileRole(ctx context.Context, hhID string, role hearth.Role, guardianID string) error {
	switch role {
	case hearth.RoleAdult, hearth.RoleGuest:
		if guardianID != "" {
			return hearth.FieldError("guardian_id", "only a child has a guardian")
		}
		return nil
	case hearth.RoleChild:
	default:
		return hearth.FieldError("role", "choose a role for the profile: adult, child or guest")
	}
	if guardianID == "" {
		return hearth.FieldError("guardian_id", "a child needs a guardian: choose an owner or adult of the household")
	}
	g, err := s.store.Member(ctx, hhID, guardianID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND || (err == nil && g.Role != hearth.RoleOwner && g.Role != hearth.RoleAdult) {
		return hearth.FieldError("guardian_id", "the guardian must be an owner or adult of this household")
	}
	if err != nil {
		return fmt.Errorf("check guardian: %w", err)
	}
	return nil
}

// Me returns the caller's own person: their profile with its display
// name, for the pages' greeting and the API's view of the account.
func (s *Service) Me(ctx context.Context, caller string) (*hearth.Person, error) {
	p, err := s.store.Person(ctx, caller)
	if err != nil {
		return nil, fmt.Errorf("household: me: %w", err)
	}
	return p, nil
}

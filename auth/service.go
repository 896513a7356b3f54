package auth

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/metrics"
)

// Defaults for Config and the sign-in limits (SEC-BRUTE).
const (
	DefaultSessionTTL  = 30 * 24 * time.Hour
	SignInWindow       = 15 * time.Minute
	SignInPerAccount   = 5  // failures per e-mail address and client address pair before a lock
	SignInPerAddress   = 20 // failures per client address before a lock
	SignUpPerAddress   = 10 // sign-up attempts per client address before a lock
	MaxEmailLen        = 254
	MaxDisplayNameLen  = 100
	msgBadCredentials  = "wrong e-mail address or password"
	msgSignInThrottled = "too many failed sign-ins: wait before trying again"
)

// Config configures a Service. A zero field takes its default.
type Config struct {
	Store      hearth.Store
	Now        func() time.Time // default time.Now
	SessionTTL time.Duration    // default DefaultSessionTTL
	Metrics    *metrics.Metrics // default: counted in an unregistered set
	// HashSlots bounds the argon2id hashes (19 MiB each) run at once;
	// default one per CPU, at most 8. HashWait is how long a request waits
	// for a free slot before EUNAVAILABLE; default DefaultHashWait.
	HashSlots int
	HashWait  time.Duration
	// Issuer names the service in authenticator apps; default DefaultIssuer.
	Issuer string
	// WebAuthn is the passkey relying party (NewWebAuthn); nil turns
	// passkeys off (their methods return EUNAVAILABLE).
	WebAuthn *webauthn.WebAuthn
}

// Service signs people up, in and out, and authenticates sessions. It is
// safe for concurrent use.
type Service struct {
	store      hearth.Store
	now        func() time.Time
	ttl        time.Duration
	metrics    *metrics.Metrics
	perAccount *Limiter // per subject and client address pair (see Throttled)
	perAddress *Limiter // per client address
	signUps    *Limiter // sign-up attempts per client address
	hashSlots  chan struct{}
	hashWait   time.Duration
	mfaState
}

// mfaState is how second factors (mfa.go) are set up. Their pending
// state (second steps, passkey registrations) is in the store, so that
// any node sharing it can finish what another began (secondstep.go).
type mfaState struct {
	issuer   string
	webauthn *webauthn.WebAuthn
	maxSteps int // second steps held at most: MaxPendingSecondSteps (tests lower it)
}

// NewService returns a Service using cfg.
func NewService(cfg Config) *Service {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SessionTTL <= 0 {
		cfg.SessionTTL = DefaultSessionTTL
	}
	if cfg.Metrics == nil {
		cfg.Metrics = metrics.NewUnregistered()
	}
	if cfg.HashSlots <= 0 {
		cfg.HashSlots = defaultHashSlots()
	}
	if cfg.HashWait <= 0 {
		cfg.HashWait = DefaultHashWait
	}
	if cfg.Issuer == "" {
		cfg.Issuer = DefaultIssuer
	}
	return &Service{
		store: cfg.Store, now: cfg.Now, ttl: cfg.SessionTTL, metrics: cfg.Metrics,
		perAccount: NewLimiter(SignInPerAccount, SignInWindow, cfg.Now),
		perAddress: NewLimiter(SignInPerAddress, SignInWindow, cfg.Now),
		signUps:    NewLimiter(SignUpPerAddress, SignInWindow, cfg.Now),
		hashSlots:  make(chan struct{}, cfg.HashSlots),
		hashWait:   cfg.HashWait,
		mfaState:   mfaState{issuer: cfg.Issuer, webauthn: cfg.WebAuthn, maxSteps: MaxPendingSecondSteps},
	}
}

// RetryAfterError is the cause inside an ETOOMANY *hearth.Error: how long
// until the caller may try again. The http package turns it into a
// Retry-After header.
type RetryAfterError struct{ After time.Duration }

// Error implements the error interface.
func (e *RetryAfterError) Error() string { return fmt.Sprintf("retry after %v", e.After) }

// RetryAfter returns how long until the caller may try again.
func (e *RetryAfterError) RetryAfter() time.Duration { return e.After }

// SignUp creates an account and its person. The e-mail address is
// lower-cased; the password must pass CheckPassword and must not be the
// e-mail address. It returns EINVALID (with Field email, password or
// display_name) for bad input and ECONFLICT if an account with the address
// exists.
func (s *Service) SignUp(ctx context.Context, email, password, displayName string) (*hearth.Account, *hearth.Person, error) {
	email, err := NormalizeEmail(email)
	if err != nil {
		return nil, nil, err
	}
	if err := checkDisplayName(displayName); err != nil {
		return nil, nil, err
	}
	if err := checkAccountPassword(password, email); err != nil {
		return nil, nil, err
	}
	var hash string
	if err := s.withHashSlot(ctx, func() { hash, _ = HashPassword(password) }); err != nil {
		return nil, nil, err
	}
	return s.createAccount(ctx, email, displayName, hash)
}

// createAccount stores a new account and its person with the password
// hash given; ECONFLICT (Field "email") if the address has an account.
func (s *Service) createAccount(ctx context.Context, email, displayName, hash string) (*hearth.Account, *hearth.Person, error) {
	now := s.now().UTC()
	p := &hearth.Person{ID: hearth.NewID("per_"), DisplayName: strings.TrimSpace(displayName), Created: now}
	a := &hearth.Account{ID: hearth.NewID("acc_"), Email: hearth.Email(email), PasswordHash: hash, PersonID: p.ID, Created: now}
	p.AccountID = a.ID
	if err := s.store.CreateAccount(ctx, a, p); err != nil {
		if hearth.ErrorCode(err) == hearth.ECONFLICT {
			return nil, nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "email", Message: "an account with this e-mail address exists", Err: err}
		}
		return nil, nil, fmt.Errorf("sign up: %w", err)
	}
	return a, p, nil
}

// NormalizeEmail checks the shape of an e-mail address (a bare address such
// as name@example.org, at most MaxEmailLen characters, a domain with a dot)
// and returns it trimmed and lower-cased. It returns an EINVALID
// *hearth.Error with Field "email".
func NormalizeEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	bad := hearth.FieldError("email", "enter an e-mail address such as name@example.org")
	if email == "" || len(email) > MaxEmailLen {
		return "", bad
	}
	addr, err := mail.ParseAddress(email)
	if err != nil || addr.Address != email || addr.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(email, '@')
	if at < 1 || !strings.Contains(email[at+1:], ".") || strings.HasSuffix(email, ".") {
		return "", bad
	}
	return email, nil
}

func checkDisplayName(name string) error {
	name = strings.TrimSpace(name)
	switch n := utf8.RuneCountInString(name); {
	case n == 0:
		return hearth.FieldError("display_name", "enter a name to show to the household")
	case n > MaxDisplayNameLen:
		return hearth.FieldError("display_name", "the name is too long: use at most %d characters", MaxDisplayNameLen)
	case !utf8.ValidString(name) || strings.IndexFunc(name, unicode.IsControl) >= 0:
		return hearth.FieldError("display_name", "the name contains characters that cannot be shown")
	}
	return nil
}

// checkAccountPassword adds NIST's context-specific check to CheckPassword:
// the password must not be the e-mail address or its local part.
func checkAccountPassword(pw, email string) error {
	if err := CheckPassword(pw); err != nil {
		return err
	}
	lower := strings.ToLower(pw)
	if lower == email || lower == email[:strings.LastIndexByte(email, '@')] {
		return hearth.FieldError("password", "the password must not be your e-mail address: choose something harder to guess")
	}
	return nil
}

// dummyHash is verified against when an account does not exist, so a
// failed sign-in costs the same work either way (SEC-BRUTE).
var dummyHash = sync.OnceValue(func() string {
	h, _ := HashPassword("not a password: timing equaliser")
	return h
})

// SignIn checks an e-mail address and password and starts a session,
// returning its token (shown once) and the stored session. clientAddr is
// the client's network address, used only for rate limiting.
//
// A wrong password and an unknown address both give EUNAUTHORIZED "wrong
// e-mail address or password" after the same argon2id work, so neither the
// message nor the timing reveals whether an account exists. Failures are
// throttled per e-mail address and client address pair and per client
// address (see Throttled): after SignInPerAccount failures from one address
// for one e-mail address, or SignInPerAddress from one address, it returns
// ETOOMANY wrapping a *RetryAfterError, while the account's owner signing
// in from another address is not held up (SEC-BRUTE). An e-mail address
// that is not one (see NormalizeEmail) is refused as a wrong one without
// any hashing. When every hashing slot stays busy it returns EUNAVAILABLE
// wrapping a *RetryAfterError.
//
// An account with a second factor gets no session from the password: the
// error is EUNAUTHORIZED wrapping a *SecondFactorRequired whose token
// finishes the sign-in (CompleteSignIn, FinishPasskeySignIn; SEC-MFA).
func (s *Service) SignIn(ctx context.Context, email, password, clientAddr string) (string, *hearth.Session, error) {
	key, err := NormalizeEmail(email)
	if err != nil || len(password) > 4*MaxPasswordLen {
		if err := s.Throttled("sign_in", "", clientAddr); err != nil {
			return "", nil, err
		}
		s.Failed("sign_in", "", clientAddr)
		return "", nil, hearth.Errorf(hearth.EUNAUTHORIZED, msgBadCredentials)
	}
	if err := s.Throttled("sign_in", key, clientAddr); err != nil {
		return "", nil, err
	}
	acct, err := s.verify(ctx, key, password)
	if err != nil {
		return "", nil, err
	}
	if acct == nil {
		s.Failed("sign_in", key, clientAddr)
		return "", nil, hearth.Errorf(hearth.EUNAUTHORIZED, msgBadCredentials)
	}
	s.Succeeded("sign_in", key, clientAddr)
	return s.afterPassword(ctx, acct)
}

// verify returns the account if the password matches, nil if the account
// is missing or the password is wrong, doing the same work in both cases.
func (s *Service) verify(ctx context.Context, email, password string) (*hearth.Account, error) {
	acct, err := s.store.AccountByEmail(ctx, hearth.Email(email))
	if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	encoded := dummyHash()
	if acct != nil {
		encoded = acct.PasswordHash
	}
	var ok bool
	if err := s.withHashSlot(ctx, func() { ok, err = VerifyPassword(encoded, password) }); err != nil {
		return nil, err
	}
	if err != nil {
		return nil, fmt.Errorf("sign in: %w", err)
	}
	if !ok || acct == nil {
		return nil, nil
	}
	return acct, nil
}

func (s *Service) startSession(ctx context.Context, accountID string) (string, *hearth.Session, error) {
	token, hash := NewToken()
	now := s.now().UTC()
	sess := &hearth.Session{TokenHash: hash, AccountID: accountID, Created: now, Expires: now.Add(s.ttl)}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("start session: %w", err)
	}
	return token, sess, nil
}

// SignOut ends the session with that token. Ending an unknown or expired
// session is not an error.
func (s *Service) SignOut(ctx context.Context, token string) error {
	if err := s.store.DeleteSession(ctx, HashToken(token)); err != nil {
		return fmt.Errorf("sign out: %w", err)
	}
	return nil
}

// Authenticate returns the account of the unexpired session with that
// token, or EUNAUTHORIZED.
func (s *Service) Authenticate(ctx context.Context, token string) (*hearth.Account, error) {
	acct, _, err := s.AuthenticateSession(ctx, token)
	return acct, err
}

// IsRetryAfter returns the retry delay carried in err's chain, if any.
func IsRetryAfter(err error) (time.Duration, bool) {
	var r interface{ RetryAfter() time.Duration }
	if errors.As(err, &r) {
		return r.RetryAfter(), true
	}
	return 0, false
}

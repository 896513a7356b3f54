// Package lifecycle provides a device's life after its first claim, the
// backend's side of it (OWN-TRANSFER, OWN-CLEAN, FACTORY-RESET,
// LOCAL-ONLY): an owner transfers a device to another household with a
// one-time code, resets it from their account, or switches its link to the
// backend off and on; a device announces its own factory reset and the
// commands it refused (package events hands it those events).
//
// Every change and every refused attempt is recorded in the device log
// (hearth.DeviceLogEntry): IDs, codes and times only.
package lifecycle

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/policy"
)

// TransferTTL is how long a transfer code can be accepted.
const TransferTTL = 72 * time.Hour

// LogRetention is how long a device log entry is kept: as long as the
// server keeps its own security records (policy.SecurityRecordRetention,
// 90 days, SEC-MONITOR). PruneLog deletes older ones.
const LogRetention = policy.SecurityRecordRetention

// Failed transfer acceptances (SEC-BRUTE): after AcceptFailures refused
// ones from one account, its acceptances are refused with ETOOMANY, with
// progressive locks up to AcceptFailureWindow.
const (
	AcceptFailures      = 10
	AcceptFailureWindow = 15 * time.Minute
)

// Messages safe to show.
const (
	msgNoDevice   = "no such device in a household you own"
	msgOwnersOnly = "only the household's owners may do this"
)

// What an owner chooses for the readings the device sent to their
// household, when it is transferred or reset.
const (
	KeepReadings  = "keep"  // kept for the household's members to export or erase
	EraseReadings = "erase" // erased now: the household's own and the owner's own
)

// Eraser erases a device's readings in a household, the household's own
// and those about person, as journalled erasures; *erasure.Service
// satisfies it.
type Eraser interface {
	EraseDeviceReadings(ctx context.Context, hh, person, deviceID string) (int64, error)
}

// Reauthenticator checks a signed-in account's password again;
// *auth.Service satisfies it.
type Reauthenticator interface {
	Reauthenticate(ctx context.Context, accountID, password string) error
}

// Config configures a Service. Store, Eraser and Auth are required.
type Config struct {
	Store  hearth.Store
	Eraser Eraser
	Auth   Reauthenticator
	// Commander sends commands to devices; nil means no device is ever
	// connected (every command is "not delivered").
	Commander hearth.DeviceCommander
	// CredentialChanged, when set, is called with a device's ID after its
	// binding, credential or mode changed, so the transport ends its
	// session (the broker's Disconnect).
	CredentialChanged func(deviceID string)
	// Now is the clock; default time.Now.
	Now func() time.Time
}

// Service carries out transfers, resets and mode changes. It is safe for
// concurrent use.
type Service struct {
	cfg Config
	// acceptFailures counts refused transfer acceptances per account.
	acceptFailures *auth.Limiter
}

// NewService returns a Service configured by cfg. It returns an error if
// Store, Eraser or Auth is missing.
func NewService(cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.Eraser == nil || cfg.Auth == nil {
		return nil, fmt.Errorf("lifecycle: Config needs Store, Eraser and Auth")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CredentialChanged == nil {
		cfg.CredentialChanged = func(string) {}
	}
	return &Service{cfg: cfg, acceptFailures: auth.NewLimiter(AcceptFailures, AcceptFailureWindow, cfg.Now)}, nil
}

// PruneLog deletes the device log entries older than LogRetention, and
// the transfers (which name the owner who started them) that expired more
// than LogRetention ago, and returns how many log entries it deleted. The
// server runs it at start and daily.
func (s *Service) PruneLog(ctx context.Context) (int, error) {
	before := s.now().Add(-LogRetention)
	if _, err := s.cfg.Store.DeleteTransfersExpiredBefore(ctx, before); err != nil {
		return 0, fmt.Errorf("prune transfers: %w", err)
	}
	n, err := s.cfg.Store.DeleteDeviceLogBefore(ctx, before)
	if err != nil {
		return n, fmt.Errorf("prune device log: %w", err)
	}
	return n, nil
}

func (s *Service) now() time.Time { return s.cfg.Now().UTC() }

// ownedDevice returns a device if caller owns its household, as owner
// does. A refusal is recorded in the device log as action, with outcome
// "not-owner", when the device exists.
func (s *Service) ownedDevice(ctx context.Context, caller, deviceID, action string) (*hearth.Device, error) {
	dev, err := s.owner(ctx, caller, deviceID)
	var r *refusal
	if errors.As(err, &r) {
		if err := s.log(ctx, r.dev.ID, "", caller, action, "not-owner", ""); err != nil {
			return nil, err
		}
		return nil, r.err
	}
	return dev, err
}

// refusal is owner's refusal of a device that exists: err is what the
// caller is told.
type refusal struct {
	dev *hearth.Device
	err error
}

func (r *refusal) Error() string { return r.err.Error() }
func (r *refusal) Unwrap() error { return r.err }

// owner returns a device if caller owns its household. A device that is
// unknown, unclaimed or in a household the caller is not a member of is
// ENOTFOUND (its existence is not revealed); a member who is not an owner
// gets EFORBIDDEN. When the device exists, the refusal is a *refusal
// naming it.
func (s *Service) owner(ctx context.Context, caller, deviceID string) (*hearth.Device, error) {
	dev, err := s.cfg.Store.Device(ctx, deviceID)
	if hearth.ErrorCode(err) == hearth.ENOTFOUND {
		return nil, hearth.Errorf(hearth.ENOTFOUND, msgNoDevice)
	} else if err != nil {
		return nil, fmt.Errorf("get device: %w", err)
	}
	refuse := func(code, msg string) error {
		return &refusal{dev: dev, err: hearth.Errorf(code, "%s", msg)}
	}
	if dev.HouseholdID == "" {
		return nil, refuse(hearth.ENOTFOUND, msgNoDevice)
	}
	m, err := s.cfg.Store.Member(ctx, dev.HouseholdID, caller)
	switch {
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return nil, refuse(hearth.ENOTFOUND, msgNoDevice)
	case err != nil:
		return nil, fmt.Errorf("get membership: %w", err)
	case m.Role != hearth.RoleOwner:
		return nil, refuse(hearth.EFORBIDDEN, msgOwnersOnly)
	}
	return dev, nil
}

// checkReadings checks an owner's choice for a device's readings; erasing
// them needs the owner's password (as every erasure does).
func (s *Service) checkReadings(ctx context.Context, caller, readings, password string) error {
	switch readings {
	case KeepReadings:
		return nil
	case EraseReadings:
	default:
		return hearth.FieldError("readings", "choose what happens to the readings the device sent to your household: %q (kept for its members to export or erase) or %q", KeepReadings, EraseReadings)
	}
	if password == "" {
		return hearth.FieldError("password", "erasing readings needs your password again")
	}
	p, err := s.cfg.Store.Person(ctx, caller)
	if err != nil {
		return fmt.Errorf("re-authenticate: %w", err)
	}
	return s.cfg.Auth.Reauthenticate(ctx, p.AccountID, password)
}

// log appends an entry to the device log.
func (s *Service) log(ctx context.Context, deviceID, hh, person, action, outcome, command string) error {
	e := &hearth.DeviceLogEntry{DeviceID: deviceID, HouseholdID: hh, PersonID: person, Action: action,
		Outcome: outcome, CommandID: command, Time: s.now()}
	if err := s.cfg.Store.AppendDeviceLog(ctx, e); err != nil {
		return fmt.Errorf("device log: %w", err)
	}
	return nil
}

// Command is a command sent to a device, as the owner's answer shows it.
type Command struct {
	ID        string `json:"id"`
	Type      string `json:"type"`
	Delivered bool   `json:"delivered"` // handed to the device's open connection; false: it was not connected
}

// command sends a command to a device: fields are added to its ID and
// type. Delivered is false when the device is not connected; the command
// is then not kept for later.
func (s *Service) command(ctx context.Context, deviceID, typ string, fields map[string]string) Command {
	c := Command{ID: hearth.NewID("cmd_"), Type: typ}
	body := map[string]string{"id": c.ID, "type": typ}
	for k, v := range fields {
		body[k] = v
	}
	payload, _ := json.Marshal(body) // strings only: never fails
	if s.cfg.Commander != nil {
		c.Delivered = s.cfg.Commander.Command(ctx, deviceID, payload) == nil
	}
	return c
}

// outcome is a command's outcome in the device log.
func (c Command) outcome() string {
	if c.Delivered {
		return "sent"
	}
	return "not-delivered"
}

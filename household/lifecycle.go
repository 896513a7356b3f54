package household

import (
	"context"
	"errors"
	"fmt"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
)

// Messages of the lifecycle rules, safe to show.
const (
	msgNoMember    = "no such person in the household"
	msgLastOwner   = "the household needs an owner while it has members: make another member an owner first"
	msgGuardianOf  = "this person is the guardian of a child in the household: choose another guardian for the child first"
	msgOwnGuardian = "a child needs a guardian other than themselves: choose an owner or adult of the household"
)

// RemoveMember ends personID's membership of hhID. Owners may remove any
// member; removing yourself is leaving (Leave), which any member may do.
// Access ends at once: the person's next request about the household gets
// ENOTFOUND, and readings attributed to them are refused from the next one
// (Config.MembershipChanged drops cached memberships). Nothing is erased:
// the person and the readings about them stay theirs. A profile without an
// account is not removed this way, since nobody could then reach its data:
// erasing everything about it removes it (package erasure).
//
// Errors: ENOTFOUND for a caller who is not a member, and (Field "person")
// for a person who is not; EFORBIDDEN for a caller who is not an owner;
// ECONFLICT when the person is the last owner of a household with other
// members, a child's guardian, or a profile without an account.
func (s *Service) RemoveMember(ctx context.Context, caller, hhID, personID string) error {
	if personID == caller {
		return s.Leave(ctx, caller, hhID)
	}
	if _, err := s.withRole(ctx, caller, hhID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		return err
	}
	p, err := s.store.Person(ctx, personID)
	if err != nil && hearth.ErrorCode(err) != hearth.ENOTFOUND {
		return fmt.Errorf("remove member: %w", err)
	}
	if err == nil && p.AccountID == "" {
		return &hearth.Error{Code: hearth.ECONFLICT, Field: "person",
			Message: "a profile without an account is removed by erasing it, so that its data goes with it: POST .../people/{person}/erasures with {\"everything\": true}"}
	}
	return s.endMembership(ctx, hhID, personID)
}

// Leave ends the caller's own membership of hhID; any member may leave. The
// last owner may leave only as the last member, and a guardian only once
// their children have another guardian (ECONFLICT otherwise). When the
// last member leaves, the household's unused invitations are deleted and
// its devices removed as by RemoveDevice: nobody is left to hold them. The caller's data is not
// erased. ENOTFOUND for a non-member.
func (s *Service) Leave(ctx context.Context, caller, hhID string) error {
	if _, err := s.member(ctx, caller, hhID); err != nil {
		return err
	}
	if err := s.endMembership(ctx, hhID, caller); err != nil {
		return err
	}
	_, err := s.endIfEmpty(ctx, hhID)
	return err
}

// LeaveAll ends every household membership of person at once, all or
// nothing, under the rules of Leave; closing an account uses it (package
// erasure, which re-authenticates the person first: LeaveAll checks no
// caller). Each household it leaves without members ends as by Leave: its
// unused invitations are deleted and its devices removed, their MQTT
// sessions ended. It returns those households, whose own data is still
// there. The person's data is not erased.
//
// Errors: ECONFLICT (Field "household", the message naming it) when the
// person is the last owner of a household with other members or a child's
// guardian there; then no membership ends.
func (s *Service) LeaveAll(ctx context.Context, person string) (emptied []string, err error) {
	left, err := s.store.RemoveMemberships(ctx, person)
	if err != nil {
		var he *hearth.HouseholdError
		if errors.As(err, &he) {
			if e, ok := lifecycleError(he.Err).(*hearth.Error); ok && e.Code == hearth.ECONFLICT {
				return nil, &hearth.Error{Code: hearth.ECONFLICT, Field: "household",
					Message: "household " + he.HouseholdID + ": " + e.Message, Err: err}
			}
		}
		return nil, fmt.Errorf("leave households: %w", err)
	}
	for _, hh := range left {
		s.memberChanged(hh, person)
	}
	for _, hh := range left {
		empty, err := s.endIfEmpty(ctx, hh)
		if err != nil {
			return emptied, err
		}
		if empty {
			emptied = append(emptied, hh)
		}
	}
	return emptied, nil
}

// endIfEmpty ends hhID if no member is left: its unused invitations are
// deleted and its devices removed as by RemoveDevice. It reports whether
// the household was empty.
func (s *Service) endIfEmpty(ctx context.Context, hhID string) (bool, error) {
	ms, err := s.store.Members(ctx, hhID)
	if err != nil {
		return false, fmt.Errorf("leave household: %w", err)
	}
	if len(ms) > 0 {
		return false, nil
	}
	if _, err := s.store.DeleteInvites(ctx, hhID); err != nil {
		return true, fmt.Errorf("leave household: %w", err)
	}
	devs, err := s.store.DevicesIn(ctx, hhID)
	if err != nil {
		return true, fmt.Errorf("leave household: %w", err)
	}
	for _, d := range devs {
		if err := s.unbind(ctx, hhID, d.ID); err != nil {
			return true, fmt.Errorf("leave household: %w", err)
		}
	}
	return true, nil
}

// endMembership removes a membership and tells the caches.
func (s *Service) endMembership(ctx context.Context, hhID, personID string) error {
	if err := lifecycleError(s.store.RemoveMember(ctx, hhID, personID)); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	s.memberChanged(hhID, personID)
	return nil
}

// lifecycleError gives the store's membership errors a message a person can
// act on.
func lifecycleError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, hearth.ErrLastOwner):
		return &hearth.Error{Code: hearth.ECONFLICT, Message: msgLastOwner, Err: err}
	case errors.Is(err, hearth.ErrGuardian):
		return &hearth.Error{Code: hearth.ECONFLICT, Message: msgGuardianOf, Err: err}
	case hearth.ErrorCode(err) == hearth.ENOTFOUND:
		return &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: msgNoMember, Err: err}
	}
	return err
}

// SetRole changes personID's role in hhID to role; a child needs
// guardianID, an owner or adult of the household other than the child,
// other roles take no guardian, and only a person with an account can be
// an owner. Only owners may change roles, their own
// included. The change applies to the next reading and request
// (Config.MembershipChanged). It returns the changed membership.
//
// Errors: ENOTFOUND for a caller who is not a member, and (Field "person")
// for a person who is not; EFORBIDDEN for a caller who is not an owner;
// EINVALID (Fields role, guardian_id) for bad input; ECONFLICT when it
// would demote the last owner, or make a child's guardian a child or guest.
func (s *Service) SetRole(ctx context.Context, caller, hhID, personID string, role hearth.Role, guardianID string) (*hearth.Member, error) {
	if _, err := s.withRole(ctx, caller, hhID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		return nil, err
	}
	if err := s.checkRole(ctx, hhID, personID, role, guardianID); err != nil {
		return nil, err
	}
	m := &hearth.Member{HouseholdID: hhID, PersonID: personID, Role: role, GuardianID: guardianID}
	if err := lifecycleError(s.store.SetRole(ctx, m)); err != nil {
		return nil, fmt.Errorf("set role: %w", err)
	}
	s.memberChanged(hhID, personID)
	got, err := s.store.Member(ctx, hhID, personID)
	if err != nil {
		return nil, fmt.Errorf("set role: %w", err)
	}
	return got, nil
}

// checkRole checks a role and guardian for personID in hhID.
func (s *Service) checkRole(ctx context.Context, hhID, personID string, role hearth.Role, guardianID string) error {
	switch {
	case !role.Valid():
		return hearth.FieldError("role", "choose a role: owner, adult, child or guest")
	case role != hearth.RoleChild && guardianID != "":
		return hearth.FieldError("guardian_id", "only a child has a guardian")
	case role == hearth.RoleChild && guardianID == personID:
		return hearth.FieldError("guardian_id", msgOwnGuardian)
	case role == hearth.RoleChild:
		return s.checkProfileRole(ctx, hhID, role, guardianID)
	case role == hearth.RoleOwner:
		p, err := s.store.Person(ctx, personID)
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: msgNoMember, Err: err}
		} else if err != nil {
			return fmt.Errorf("check role: %w", err)
		}
		if p.AccountID == "" {
			return hearth.FieldError("role", "only a person with an account can be an owner: a profile cannot sign in to manage the household")
		}
	}
	return nil
}

// RemoveDevice takes a device out of hhID: it is left unclaimed, its
// credential is revoked, and its open MQTT session ends at once
// (Config.CredentialChanged), so it can neither send nor reconnect. The
// readings it sent stay with the household. Only owners may remove
// devices. ENOTFOUND for a caller who is not a member and for a device not
// in the household; EFORBIDDEN for a member who is not an owner.
func (s *Service) RemoveDevice(ctx context.Context, caller, hhID, deviceID string) error {
	if _, err := s.withRole(ctx, caller, hhID, msgOwnersOnly, hearth.RoleOwner); err != nil {
		return err
	}
	if err := s.unbind(ctx, hhID, deviceID); err != nil {
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			return &hearth.Error{Code: hearth.ENOTFOUND, Message: msgNoDevice, Err: err}
		}
		return fmt.Errorf("remove device: %w", err)
	}
	return nil
}

// unbind unbinds a device of hhID with a credential no secret matches, and
// ends its session.
func (s *Service) unbind(ctx context.Context, hhID, deviceID string) error {
	_, hash := auth.NewDeviceSecret() // the secret is dropped: nothing matches the hash
	if err := s.store.UnbindDevice(ctx, deviceID, hhID, hash); err != nil {
		return err
	}
	s.changed(deviceID)
	return nil
}

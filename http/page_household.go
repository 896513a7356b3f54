package http

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/household"
	"github.com/hearth-iot/hearth/http/web"
)

// householdPages registers the household pages: setting one up, its
// members, roles, profiles, children and devices, invitations, removing a
// member and leaving. Each calls the household.Service method its API
// route calls, with the same arguments (INT-SAME-SCOPE).
func (s *server) householdPages(handle func(pattern string, h http.Handler)) {
	handle("GET /households/new", s.page("home", s.pageNewHousehold()))
	handle("POST /households", s.page("home", s.pageNewHouseholdPost()))
	handle("GET /households/{hh}", s.page("home", s.pageHousehold()))
	handle("POST /households/{hh}/invites", s.page("home", s.pageInvitePost()))
	handle("POST /households/{hh}/people", s.page("home", s.pageAddPersonPost()))
	handle("GET /households/{hh}/members/{person}", s.page("home", s.pageMember()))
	handle("POST /households/{hh}/members/{person}/role", s.page("home", s.pageSetRolePost()))
	handle("POST /households/{hh}/members/{person}/remove", s.page("home", s.pageRemoveMemberPost()))
	handle("GET /households/{hh}/leave", s.page("home", s.pageLeave()))
	handle("POST /households/{hh}/leave", s.page("home", s.pageLeavePost()))
	handle("GET /invites/accept", s.page("home", s.pageAcceptInvite()))
	handle("POST /invites/accept", s.page("home", s.pageAcceptInvitePost()))
}

// consentsAt is the consent page of person in hh, opened at a consent
// moment (CONSENT-MOMENTS): momentSetup or momentJoin.
func consentsAt(hh, person, moment string) string {
	return "/households/" + url.PathEscape(hh) + "/people/" + url.PathEscape(person) + "/consents?moment=" + moment
}

// pageNewHousehold shows the form that sets up a household.
func (s *server) pageNewHousehold() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Set up a household"
		return s.render(w, r, http.StatusOK, "household_new", p)
	}
}

// pageNewHouseholdPost creates the household, as POST /v1/households does,
// and opens the creator's consent page: setting up is a consent moment
// (CONSENT-MOMENTS).
func (s *server) pageNewHouseholdPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Set up a household"
		if hs := p.Households; sentAfter(r.PostForm.Get("had"), len(hs)) && hs[len(hs)-1].Name == strings.TrimSpace(r.PostForm.Get("name")) {
			last := hs[len(hs)-1]
			s.redirect(w, r, "/households/"+url.PathEscape(last.ID), "This form was sent already: "+last.Name+" is set up. Nothing more was changed.")
			return nil
		}
		h, err := s.Households.CreateHousehold(r.Context(), caller(r), r.PostForm.Get("name"))
		if err != nil {
			return s.formFailed(w, r, p, "household_new", err)
		}
		s.redirect(w, r, consentsAt(h.ID, caller(r), momentSetup),
			"Your household "+h.Name+" is set up. Nothing that needs your consent is switched on: decide below what your data may be used for.")
		return nil
	}
}

// householdPage is the content of a household's page.
type householdPage struct {
	ID, Name  string
	Me        memberRow // the caller
	Members   []memberRow
	Roles     []roleRow // every role and what it controls, stated to every member
	Devices   []hearth.Device
	Guardians []memberRow // who may be a child's guardian: owners and adults
	Invite    *inviteShown
}

// Owner reports whether the caller is an owner, to offer the owners'
// forms; the service checks again on every one.
func (h householdPage) Owner() bool { return h.Me.Role == hearth.RoleOwner }

// ClaimsDevices reports whether the caller's role may claim devices
// (household.Service.ClaimDevice: owners and adults).
func (h householdPage) ClaimsDevices() bool {
	return h.Me.Role == hearth.RoleOwner || h.Me.Role == hearth.RoleAdult
}

// memberRow is a member as the household page shows them.
type memberRow struct {
	household.MemberView
	GuardianName string // a child's guardian
	ActFor       bool   // the caller decides this person's consents (subject.Authorize)
	Rights       bool   // the caller exercises this person's rights: export, erasure… (rights.Service.Authorize)
	Self         bool
}

// roleRow is a role and what it controls.
type roleRow struct {
	Role     hearth.Role
	Controls string
}

// inviteShown is an invitation just created: its token is shown once.
// RoleName names its role.
type inviteShown struct {
	Token   string
	Link    string
	Role    hearth.Role
	Expires time.Time
	Valid   time.Duration
}

// householdData gathers what the household page shows: the caller must
// be a member (ENOTFOUND otherwise, as the API's GET /v1/households/{hh}).
func (s *server) householdData(r *http.Request, hh string) (*householdPage, error) {
	ctx := r.Context()
	h, err := s.Households.Household(ctx, caller(r), hh)
	if err != nil {
		return nil, err
	}
	ms, err := s.Households.Members(ctx, caller(r), hh)
	if err != nil {
		return nil, err
	}
	ds, err := s.Households.Devices(ctx, caller(r), hh)
	if err != nil {
		return nil, err
	}
	d := &householdPage{ID: h.ID, Name: h.Name, Devices: ds}
	for _, role := range []hearth.Role{hearth.RoleOwner, hearth.RoleAdult, hearth.RoleChild, hearth.RoleGuest} {
		d.Roles = append(d.Roles, roleRow{Role: role, Controls: hearth.RoleControls(role)})
	}
	names := map[string]string{}
	for _, m := range ms {
		names[m.PersonID] = m.DisplayName
	}
	for _, m := range ms {
		row := memberRow{MemberView: m, GuardianName: names[m.GuardianID], Self: m.PersonID == caller(r)}
		row.ActFor, row.Rights = s.mayActFor(r, hh, m.PersonID)
		if row.Self {
			d.Me = row
		}
		if m.Role == hearth.RoleOwner || m.Role == hearth.RoleAdult {
			d.Guardians = append(d.Guardians, row)
		}
		d.Members = append(d.Members, row)
	}
	return d, nil
}

// mayActFor reports whether the caller decides person's consents and
// whether they exercise person's rights, asking what the API's routes
// ask: subject.Authorize (policy.MayConsent) and rights.Service.Authorize
// (policy.MayExerciseRights: an owner, too, for a profile without an
// account).
func (s *server) mayActFor(r *http.Request, hh, person string) (consents, rights bool) {
	if s.Subjects != nil {
		_, _, err := s.Subjects.Authorize(r.Context(), caller(r), hh, person)
		consents = err == nil
	}
	if s.Rights != nil {
		_, err := s.Rights.Authorize(r.Context(), caller(r), hh, person)
		rights = err == nil
	}
	return consents, rights
}

// showHousehold renders the household page with status, its data loaded.
func (s *server) showHousehold(w http.ResponseWriter, r *http.Request, p *web.Page, status int, invite *inviteShown) error {
	d, err := s.householdData(r, r.PathValue("hh"))
	if err != nil {
		return err
	}
	d.Invite = invite
	p.Title = d.Name
	p.Data = d
	return s.render(w, r, status, "household", p)
}

// pageHousehold shows a household to any of its members: who is in it,
// with their role and what every role controls (CONSENT-MULTIUSER),
// profiles without accounts, children and their guardians, the devices,
// and the forms owners use.
func (s *server) pageHousehold() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.showHousehold(w, r, p, http.StatusOK, nil)
	}
}

// householdFailed shows the household page again after one of its forms
// failed; the invitation form's role is named invite_role on the page, so
// its error is not shown beside the profile form's role.
func (s *server) householdFailed(w http.ResponseWriter, r *http.Request, p *web.Page, err error, prefix string) error {
	d, derr := s.householdData(r, r.PathValue("hh"))
	if derr != nil {
		return derr
	}
	if f := hearth.ErrorField(err); prefix != "" && f != "" {
		err = renameField(err, prefix+f)
	}
	p.Title = d.Name
	p.Data = d
	return s.formFailed(w, r, p, "household", onForm(err, "invite_role", "display_name", "role", "guardian_id"))
}

// pageInvitePost creates an invitation, as POST
// /v1/households/{hh}/invites does, and shows its token this once: only
// its hash is kept.
func (s *server) pageInvitePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		role := hearth.Role(r.PostForm.Get("invite_role"))
		if role == "" {
			return s.householdFailed(w, r, p, hearth.FieldError("role", "choose the role the person will have"), "invite_")
		}
		token, inv, err := s.Households.Invite(r.Context(), caller(r), r.PathValue("hh"), role)
		if err != nil {
			return s.householdFailed(w, r, p, err, "invite_")
		}
		// The site's address as people reach it, as the notice's QR code has it.
		site := strings.TrimSuffix(s.noticeURL(r), "/privacy")
		link := site + "/invites/accept?token=" + url.QueryEscape(token)
		return s.showHousehold(w, r, p, http.StatusCreated, &inviteShown{Token: token, Link: link, Role: inv.Role, Expires: inv.Expires, Valid: household.InviteTTL})
	}
}

// pageAddPersonPost adds a profile without an account, or a child with
// their guardian, as POST /v1/households/{hh}/people does.
func (s *server) pageAddPersonPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		if f.Get("role") == "" {
			return s.householdFailed(w, r, p, hearth.FieldError("role", "choose a role for the profile"), "")
		}
		if name, ok := s.addedAlready(r); ok {
			s.redirect(w, r, "/households/"+url.PathEscape(r.PathValue("hh")), "This form was sent already: "+name+" is added. Nothing more was changed.")
			return nil
		}
		person, err := s.Households.AddPerson(r.Context(), caller(r), r.PathValue("hh"), f.Get("display_name"),
			hearth.Role(f.Get("role")), f.Get("guardian_id"))
		if err != nil {
			return s.householdFailed(w, r, p, err, "")
		}
		s.redirect(w, r, "/households/"+url.PathEscape(r.PathValue("hh")),
			person.DisplayName+" is added. Nothing that needs their consent is switched on.")
		return nil
	}
}

// sentAfter reports whether a form that counted had things when it was
// shown (its hidden field) was sent after n of them existed: a form sent
// twice finds the first sending's result.
func sentAfter(had string, n int) bool {
	k, err := strconv.Atoi(had)
	return err == nil && k >= 0 && k < n
}

// addedAlready reports whether the profile form was sent twice: a profile
// with its name joined the household after the form was shown (its hidden
// field "had", the number of members then). It returns the name.
func (s *server) addedAlready(r *http.Request) (string, bool) {
	ms, err := s.Households.Members(r.Context(), caller(r), r.PathValue("hh"))
	if err != nil || !sentAfter(r.PostForm.Get("had"), len(ms)) {
		return "", false // the service answers the form
	}
	had, _ := strconv.Atoi(r.PostForm.Get("had"))
	name := strings.TrimSpace(r.PostForm.Get("display_name"))
	for _, m := range ms[had:] {
		if !m.HasAccount && m.DisplayName == name {
			return name, true
		}
	}
	return "", false
}

// memberPage is the content of one member's page.
type memberPage struct {
	Household householdPage
	Member    memberRow
	Guardians []memberRow // who may be the member's guardian: the other owners and adults
}

// memberData loads the household and the member {person} of it;
// ENOTFOUND "no such person in the household" when they are not one.
func (s *server) memberData(r *http.Request) (*memberPage, error) {
	d, err := s.householdData(r, r.PathValue("hh"))
	if err != nil {
		return nil, err
	}
	for _, m := range d.Members {
		if m.PersonID != r.PathValue("person") {
			continue
		}
		mp := &memberPage{Household: *d, Member: m}
		for _, g := range d.Guardians {
			if g.PersonID != m.PersonID {
				mp.Guardians = append(mp.Guardians, g)
			}
		}
		return mp, nil
	}
	return nil, &hearth.Error{Code: hearth.ENOTFOUND, Field: "person", Message: "no such person in the household"}
}

// showMember renders a member's page, or its form again after err.
func (s *server) showMember(w http.ResponseWriter, r *http.Request, p *web.Page, err error) error {
	d, derr := s.memberData(r)
	if derr != nil {
		return derr
	}
	p.Title = d.Member.DisplayName
	p.Data = d
	if err != nil {
		return s.formFailed(w, r, p, "household_member", onForm(err, "role", "guardian_id"))
	}
	p.Form = url.Values{"role": {string(d.Member.Role)}, "guardian_id": {d.Member.GuardianID}}
	return s.render(w, r, http.StatusOK, "household_member", p)
}

// pageMember shows one member: their role and what it controls and, to
// owners, the role form (their own role too) and what removing them does
// before the form that removes them; one's own page links to leaving
// instead.
func (s *server) pageMember() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.showMember(w, r, p, nil)
	}
}

// pageSetRolePost changes a member's role, as PATCH
// /v1/households/{hh}/members/{person} does.
func (s *server) pageSetRolePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		f := r.PostForm
		if f.Get("role") == "" {
			return s.showMember(w, r, p, hearth.FieldError("role", "choose a role"))
		}
		m, err := s.Households.SetRole(r.Context(), caller(r), r.PathValue("hh"), r.PathValue("person"),
			hearth.Role(f.Get("role")), f.Get("guardian_id"))
		if err != nil {
			return s.showMember(w, r, p, err)
		}
		s.redirect(w, r, "/households/"+url.PathEscape(r.PathValue("hh")),
			"The role is changed to "+roleLabel(m.Role)+". It applies from their next request.")
		return nil
	}
}

// pageRemoveMemberPost removes a member, as DELETE
// /v1/households/{hh}/members/{person} does. Removing again what is
// already removed says so.
func (s *server) pageRemoveMemberPost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		hh := r.PathValue("hh")
		err := s.Households.RemoveMember(r.Context(), caller(r), hh, r.PathValue("person"))
		if hearth.ErrorCode(err) == hearth.ENOTFOUND && hearth.ErrorField(err) == "person" {
			s.redirect(w, r, "/households/"+url.PathEscape(hh), "That person is not a member of this household (any more): nothing was changed.")
			return nil
		}
		if err != nil {
			return s.showMember(w, r, p, err)
		}
		s.redirect(w, r, "/households/"+url.PathEscape(hh), "The member is removed. Nothing about them was erased.")
		return nil
	}
}

// leavePage is the content of the page that explains leaving.
type leavePage struct {
	Household householdPage
}

// showLeave renders the leave page, or its form again after err.
func (s *server) showLeave(w http.ResponseWriter, r *http.Request, p *web.Page, err error) error {
	d, derr := s.householdData(r, r.PathValue("hh"))
	if derr != nil {
		return derr
	}
	p.Title = "Leave " + d.Name
	p.Data = leavePage{Household: *d}
	if err != nil {
		return s.formFailed(w, r, p, "household_leave", onForm(err))
	}
	return s.render(w, r, http.StatusOK, "household_leave", p)
}

// pageLeave explains what leaving a household does, then offers it.
func (s *server) pageLeave() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		return s.showLeave(w, r, p, nil)
	}
}

// pageLeavePost leaves the household: DELETE
// /v1/households/{hh}/members/{me}, the same call.
func (s *server) pageLeavePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		err := s.Households.RemoveMember(r.Context(), caller(r), r.PathValue("hh"), caller(r))
		if hearth.ErrorCode(err) == hearth.ENOTFOUND {
			s.redirect(w, r, "/", "You are not a member of that household: nothing was changed.")
			return nil
		}
		if err != nil {
			return s.showLeave(w, r, p, err)
		}
		s.redirect(w, r, "/", "You have left the household. Nothing about you was erased.")
		return nil
	}
}

// invitePage is the content of the page that redeems an invitation.
type invitePage struct {
	Valid time.Duration // how long an invitation lasts
}

// pageAcceptInvite shows the form that redeems an invitation; the link an
// owner passes on fills it in (?token=).
func (s *server) pageAcceptInvite() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Join a household"
		p.Data = invitePage{Valid: household.InviteTTL}
		if t := r.URL.Query().Get("token"); t != "" {
			p.Form = url.Values{"token": {t}}
		}
		return s.render(w, r, http.StatusOK, "invite_accept", p)
	}
}

// pageAcceptInvitePost joins the household, as POST /v1/invites/accept
// does, and opens the joiner's consent page: joining is a consent moment
// (CONSENT-MOMENTS).
func (s *server) pageAcceptInvitePost() pageFunc {
	return func(w http.ResponseWriter, r *http.Request, p *web.Page) error {
		p.Title = "Join a household"
		p.Data = invitePage{Valid: household.InviteTTL}
		token := strings.TrimSpace(r.PostForm.Get("token"))
		if token == "" {
			return s.formFailed(w, r, p, "invite_accept", hearth.FieldError("token", "paste the invitation code you were given"))
		}
		m, err := s.Households.Join(r.Context(), caller(r), token)
		if err != nil {
			return s.formFailed(w, r, p, "invite_accept", onForm(err, "token"))
		}
		s.redirect(w, r, consentsAt(m.HouseholdID, caller(r), momentJoin),
			"You have joined the household as "+roleLabel(m.Role)+". Nothing that needs your consent is switched on: decide below what your data may be used for.")
		return nil
	}
}

// roleNames are each role's name for people, alone and in a sentence.
var roleNames = map[hearth.Role][2]string{
	hearth.RoleOwner: {"Owner", "an owner"},
	hearth.RoleAdult: {"Adult", "an adult"},
	hearth.RoleChild: {"Child", "a child"},
	hearth.RoleGuest: {"Guest", "a guest"},
}

// roleLabel names a role in a sentence ("an owner").
func roleLabel(r hearth.Role) string {
	if n, ok := roleNames[r]; ok {
		return n[1]
	}
	return string(r)
}

// RoleName names the invitation's role for people ("Owner").
func (i inviteShown) RoleName() string { return roleNames[i.Role][0] }

// RoleName names the role for people ("Owner").
func (r roleRow) RoleName() string { return roleNames[r.Role][0] }

// RoleName names the member's role for people ("Owner").
func (m memberRow) RoleName() string { return roleNames[m.Role][0] }

// onForm returns err with its field kept only if it is one of fields, the
// inputs of the form shown again; any other field's error is shown above
// the form, so that it is never lost.
func onForm(err error, fields ...string) error {
	f := hearth.ErrorField(err)
	for _, name := range fields {
		if f == name {
			return err
		}
	}
	if f == "" {
		return err
	}
	return renameField(err, "")
}

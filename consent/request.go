package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/auth"
	"github.com/hearth-iot/hearth/manifest"
	"github.com/hearth-iot/hearth/policy"
)

// withdrawText says how to withdraw; the same API and page that give
// consent withdraw it (CONSENT-WITHDRAW).
const withdrawText = "You can withdraw this consent at any time, in the same place and with one action, as easily as you gave it. Processing for this purpose then stops with the next message from your devices; it does not affect processing done before."

// householdText says how a consent covers the household's shared data
// (policy.Engine.HouseholdOf) and the history kept before it.
const householdText = "This consent covers data about you. Data about the household as a whole (not about one person, such as room temperatures) is used for this purpose only while every adult in the household has consented and switched the feature on, and a guardian has for each child; it then covers the household's data already kept, within its retention period, as well as new data. When any one of them withdraws or switches the feature off, household data stops being used for it. Data about you already kept for other purposes, within its retention period, is covered too."

// RequestView is a consent request as shown to a person (CONSENT-GRANULAR):
// one purpose, who asks (the controller and any third-party controllers),
// why, what data, who receives it and how to withdraw.
type RequestView struct {
	Subject               string         `json:"subject"` // person IDs, never names
	Actor                 string         `json:"actor"`
	Purpose               PurposeView    `json:"purpose"`
	Controller            ControllerView `json:"controller"`
	ThirdPartyControllers []Recipient    `json:"third_party_controllers"`
	Data                  []Category     `json:"data"`
	Recipients            []Recipient    `json:"recipients"`
	// Explicit says the purpose needs explicit consent: giving it means
	// confirming Statement, which is recorded verbatim (CONSENT-EXPLICIT).
	Explicit  bool   `json:"explicit"`
	Statement string `json:"statement,omitempty"`
	Withdraw  string `json:"withdraw"`
	// HouseholdData says how the consent covers the household's shared
	// data, and whether it covers data kept before it (it does).
	HouseholdData   string    `json:"household_data"`
	ManifestVersion string    `json:"manifest_version"`
	NoticeVersion   string    `json:"notice_version"`
	Time            time.Time `json:"time"`
}

// PurposeView is why: the purpose and what it does.
type PurposeView struct {
	ID          string `json:"id"`
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
}

// ControllerView is who is responsible, and how to reach them.
type ControllerView struct {
	Name    string `json:"name"`
	Contact string `json:"contact,omitempty"`
	Address string `json:"address,omitempty"`
}

// Category is a kind of data the purpose uses.
type Category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Kind string `json:"kind"`
}

// Recipient is an organisation that receives data for the purpose, with
// its role (processor, joint-controller or independent-controller).
type Recipient struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	Role string `json:"role"`
}

// Preview returns the consent request for purpose that actor is about to
// be shown about subject's data, recording nothing: reading it (GET) has no
// effect, so a link, a prefetch or a crawler cannot write to the ledger.
// Once the request is shown, the client calls Request to record it. It has
// the errors of Request except the rate limit.
func (s *Service) Preview(ctx context.Context, actor, subject, purpose string, method hearth.Method) (RequestView, error) {
	c, err := s.requestable(ctx, actor, subject, purpose, method)
	if err != nil {
		return RequestView{}, err
	}
	v := s.view(c.purpose)
	v.Subject, v.Actor, v.Time = subject, actor, s.cfg.Now().UTC()
	return v, nil
}

// Request records that actor was shown the consent request for purpose
// about subject's data: a consent-requested and a notice-shown entry in one
// unit; it returns the request shown. It has the errors of Give, and also
// ETOOMANY when the request was refused within the manifest's cool-off
// (CONSENT-NO-NAG: suppressed, nothing recorded), ECONFLICT when consent is
// given already, and ETOOMANY wrapping an *auth.RetryAfterError once the
// same actor recorded the same request RequestsRecorded times (then with
// progressive locks up to RequestsWindow), so the ledger cannot be flooded
// (SEC-BRUTE).
func (s *Service) Request(ctx context.Context, actor, subject, purpose string, method hearth.Method) (RequestView, error) {
	key := actor + "\x00" + subject + "\x00" + purpose
	if ok, after := s.recorded.Allowed(key); !ok {
		return RequestView{}, &hearth.Error{Code: hearth.ETOOMANY, Message: "this consent request was recorded as shown many times just now: wait before recording it again",
			Err: &auth.RetryAfterError{After: after}}
	}
	c, err := s.requestable(ctx, actor, subject, purpose, method)
	if err != nil {
		return RequestView{}, err
	}
	es, err := s.cfg.Ledger.Append(ctx, s.entry(c, hearth.EntryConsentRequested, ""), s.entry(c, hearth.EntryNoticeShown, ""))
	if err != nil {
		return RequestView{}, fmt.Errorf("record consent request: %w", err)
	}
	s.recorded.Fail(key)
	v := s.view(c.purpose)
	v.Subject, v.Actor, v.Time = subject, actor, es[0].Time
	return v, nil
}

// requestable checks that the request for purpose may be shown: the
// checks of Give, consent not given already, and no refusal within the
// cool-off.
func (s *Service) requestable(ctx context.Context, actor, subject, purpose string, method hearth.Method) (*call, error) {
	c, err := s.check(ctx, actor, subject, purpose, method)
	if err != nil {
		return nil, err
	}
	folded, err := s.fold(ctx, subject)
	if err != nil {
		return nil, err
	}
	cur := folded[purpose]
	if cur.Status == StatusGiven {
		return nil, hearth.Errorf(hearth.ECONFLICT, "consent for this purpose is given already")
	}
	now := s.cfg.Now()
	if d := policy.ConsentRequestAllowed(cur.LastRefused, s.cfg.Policy.CoolOff(), now); !d.Allow {
		return nil, hearth.Errorf(hearth.ETOOMANY, "this request was declined recently; it will not be asked again before %s",
			cur.LastRefused.Add(s.cfg.Policy.CoolOff()).UTC().Format(time.DateOnly))
	}
	return c, nil
}

// view builds the parts of a request that come from the manifest.
func (s *Service) view(p *manifest.Purpose) RequestView {
	m := s.cfg.Manifest
	v := RequestView{
		Purpose:         PurposeView{ID: p.ID, Name: p.Name, Description: p.Description},
		Controller:      ControllerView{Name: m.Controller.Name, Contact: m.Controller.Contact, Address: m.Controller.Address},
		Withdraw:        withdrawText,
		HouseholdData:   householdText,
		ManifestVersion: m.Version,
		NoticeVersion:   s.cfg.NoticeVersion,
	}
	v.Statement, v.Explicit = s.cfg.Policy.Explicit(p.ID)
	for _, id := range p.Categories {
		if c, ok := m.Category(id); ok {
			v.Data = append(v.Data, Category{ID: c.ID, Name: c.Name, Kind: c.Kind})
		}
	}
	v.Recipients, v.ThirdPartyControllers = recipients(m, p), nil
	for _, r := range v.Recipients {
		if r.Role == manifest.RoleJointController || r.Role == manifest.RoleIndependentController {
			v.ThirdPartyControllers = append(v.ThirdPartyControllers, r)
		}
	}
	return v
}

// recipients lists the declared recipients of purpose p.
func recipients(m *manifest.Manifest, p *manifest.Purpose) []Recipient {
	var out []Recipient
	for _, id := range p.Recipients {
		if r, ok := m.Recipient(id); ok {
			out = append(out, Recipient{ID: r.ID, Name: r.Name, Role: r.Role})
		}
	}
	return out
}

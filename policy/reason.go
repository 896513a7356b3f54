package policy

import (
	"fmt"

	"github.com/hearth-iot/hearth"
)

// Reason says why a decision was made. Its String is a sentence a person can
// read; it never contains personal data.
type Reason uint8

// The reasons. The first group allows, the rest deny.
const (
	ReasonActive              Reason = iota // a purpose with an active lawful basis uses the data
	ReasonSelf                              // a person consents for their own data
	ReasonGuardian                          // a guardian consents for their child
	ReasonMayAsk                            // a consent request may be made
	ReasonConsentable                       // the purpose can be consented to
	ReasonObjectable                        // the purpose can be objected to
	ReasonUndeclaredCategory                // the category is not in the manifest
	ReasonUnknownPurpose                    // the purpose is not in the manifest
	ReasonNotUsedByPurpose                  // the purpose does not use the category
	ReasonNoActivePurpose                   // no purpose uses the category
	ReasonNoConsent                         // consent has not been given
	ReasonConsentRefused                    // consent was refused or withdrawn
	ReasonFeatureOff                        // no feature switching the purpose on is on
	ReasonSwitchedOff                       // the optional purpose is off in the settings
	ReasonRestrictedAll                     // all processing is restricted
	ReasonRestricted                        // processing for the purpose is restricted
	ReasonObjectedMarketing                 // the person objected to marketing
	ReasonObjected                          // the person objected to the purpose
	ReasonADMOptOut                         // the person opted out of the automated decision
	ReasonChildHighPrivacy                  // profiling, marketing and ads are off for children
	ReasonLocalOnly                         // the device is in local-only mode
	ReasonLocationOff                       // location sharing is off
	ReasonNotYourData                       // a person consents for their own data only
	ReasonChildNeedsGuardian                // a child's consent comes from their guardian
	ReasonUnknownParty                      // a party to a consent is not identified
	ReasonCoolOff                           // a refused request may not be asked again yet
	ReasonNotConsentBased                   // the purpose does not rely on consent
	ReasonNoExplicitStatement               // explicit consent is needed but no statement is declared
	ReasonNotObjectable                     // the purpose's basis gives no right to object
	ReasonOwnData                           // a person reads their own data
	ReasonHouseholdData                     // an adult member reads the household's own data
	ReasonChildData                         // a guardian reads their child's data
	ReasonManagedProfile                    // the owner or guardian reads a profile without an account
	ReasonShared                            // the person shared this kind of data with the reader
	ReasonNotShared                         // another adult's data, not shared with the reader
	ReasonNotMember                         // the reader is not a member of the data's household
	ReasonPastRetention                     // the reading is already past its category's retention
	ReasonUndeclaredField                   // a value field the category does not declare
	ReasonWrongType                         // a value of another type than the category declares
	ReasonOwnerForProfile                   // the owner acts for a profile without an account
	ReasonNotYourRights                     // a person exercises rights over their own data only
	ReasonOwnersOnly                        // only the household's owners may do this
	ReasonNotAutomated                      // the purpose makes no solely automated decision
	ReasonOwnerForHousehold                 // the owner corrects the household's own data
	ReasonModelCategory                     // the device's model does not produce the category
	ReasonBadLocation                       // a location outside -90..90 and -180..180 degrees
	ReasonNoStatistics                      // the manifest declares no analytics purpose
	numReasons
)

var reasonText = [numReasons]string{
	ReasonActive:              "a purpose with an active lawful basis uses this data",
	ReasonSelf:                "you may give or refuse consent for your own data",
	ReasonGuardian:            "a guardian may give or refuse consent for their child",
	ReasonMayAsk:              "consent may be asked for",
	ReasonConsentable:         "this purpose relies on consent, which you may give or refuse",
	ReasonObjectable:          "you may object to this purpose",
	ReasonUndeclaredCategory:  "this kind of data is not declared in the product's privacy manifest",
	ReasonUnknownPurpose:      "this purpose is not declared in the product's privacy manifest",
	ReasonNotUsedByPurpose:    "this purpose does not use this kind of data",
	ReasonNoActivePurpose:     "no purpose with an active lawful basis uses this category",
	ReasonNoConsent:           "consent for this purpose has not been given",
	ReasonConsentRefused:      "consent for this purpose was refused or withdrawn",
	ReasonFeatureOff:          "the feature that uses this data is switched off",
	ReasonSwitchedOff:         "this purpose is switched off in your settings",
	ReasonRestrictedAll:       "processing is restricted",
	ReasonRestricted:          "processing for this purpose is restricted",
	ReasonObjectedMarketing:   "you objected to marketing",
	ReasonObjected:            "you objected to this processing",
	ReasonADMOptOut:           "you opted out of automated decisions",
	ReasonChildHighPrivacy:    "profiling, marketing and advertising are off for children",
	ReasonLocalOnly:           "the device is in local-only mode",
	ReasonLocationOff:         "location sharing is off",
	ReasonNotYourData:         "each person gives consent for their own data only",
	ReasonChildNeedsGuardian:  "a child's consent comes from their guardian",
	ReasonUnknownParty:        "the person giving or receiving consent is not identified",
	ReasonCoolOff:             "this request was refused recently and is not asked again before the cool-off period ends",
	ReasonNotConsentBased:     "this purpose does not rely on consent",
	ReasonNoExplicitStatement: "this purpose needs explicit consent, but the manifest declares no consent statement",
	ReasonNotObjectable:       "this purpose's lawful basis gives no right to object; you may restrict it or ask for erasure",
	ReasonOwnData:             "this is your own data",
	ReasonHouseholdData:       "adult members read the household's own data",
	ReasonChildData:           "a guardian reads their child's data",
	ReasonManagedProfile:      "the household's owner or the guardian reads a profile without an account",
	ReasonShared:              "this person shared this kind of data with you",
	ReasonNotShared:           "this is another person's data, and they have not shared it with you",
	ReasonNotMember:           "you are not a member of this data's household",
	ReasonPastRetention:       "this reading is older than its category's retention period, so it is not kept",
	ReasonUndeclaredField:     "the values hold a field this kind of data does not declare",
	ReasonWrongType:           "a value's type is not the one this kind of data declares",
	ReasonOwnerForProfile:     "the household's owner acts for a profile without an account",
	ReasonOwnersOnly:          "only the household's owners may do this",
	ReasonNotYourRights:       "each person exercises the rights over their own data; a guardian for their child, the household's owner for a profile without an account",
	ReasonNotAutomated:        "this purpose makes no solely automated decision about you, so there is nothing to opt out of",
	ReasonOwnerForHousehold:   "the household's owner corrects the household's own data",
	ReasonModelCategory:       "this device model does not declare this kind of data",
	ReasonBadLocation:         "a location's lat must be -90 to 90 and lon -180 to 180 degrees",
	ReasonNoStatistics:        "the product's privacy manifest declares no purpose for statistics",
}

// purposeText holds, for reasons about one purpose, a sentence naming it:
// Engine.Explain fills in the purpose's ID.
var purposeText = [numReasons]string{
	ReasonNoConsent:        "consent for %s has not been given",
	ReasonConsentRefused:   "consent for %s was refused or withdrawn",
	ReasonFeatureOff:       "the feature that switches on %s is off",
	ReasonSwitchedOff:      "%s is switched off in your settings",
	ReasonRestricted:       "processing for %s is restricted",
	ReasonObjected:         "you objected to %s",
	ReasonADMOptOut:        "you opted out of the automated decisions made by %s",
	ReasonNotUsedByPurpose: "%s does not use this kind of data",
	ReasonNotConsentBased:  "%s does not rely on consent",
	ReasonNotObjectable:    "the lawful basis of %s gives no right to object; you may restrict it, withdraw a consent it relies on, or ask for erasure",
	ReasonNotAutomated:     "%s makes no solely automated decision about you, so there is nothing to opt out of",
}

var reasonCodes = [numReasons]string{
	ReasonActive:              "active",
	ReasonSelf:                "self",
	ReasonGuardian:            "guardian",
	ReasonMayAsk:              "may_ask",
	ReasonConsentable:         "consentable",
	ReasonObjectable:          "objectable",
	ReasonUndeclaredCategory:  "undeclared_category",
	ReasonUnknownPurpose:      "unknown_purpose",
	ReasonNotUsedByPurpose:    "not_used_by_purpose",
	ReasonNoActivePurpose:     "no_active_purpose",
	ReasonNoConsent:           "no_consent",
	ReasonConsentRefused:      "consent_refused",
	ReasonFeatureOff:          "feature_off",
	ReasonSwitchedOff:         "switched_off",
	ReasonRestrictedAll:       "restricted_all",
	ReasonRestricted:          "restricted",
	ReasonObjectedMarketing:   "objected_marketing",
	ReasonObjected:            "objected",
	ReasonADMOptOut:           "adm_opt_out",
	ReasonChildHighPrivacy:    "child_high_privacy",
	ReasonLocalOnly:           "local_only",
	ReasonLocationOff:         "location_off",
	ReasonNotYourData:         "not_your_data",
	ReasonChildNeedsGuardian:  "child_needs_guardian",
	ReasonUnknownParty:        "unknown_party",
	ReasonCoolOff:             "cool_off",
	ReasonNotConsentBased:     "not_consent_based",
	ReasonNoExplicitStatement: "no_explicit_statement",
	ReasonNotObjectable:       "not_objectable",
	ReasonOwnData:             "own_data",
	ReasonHouseholdData:       "household_data",
	ReasonChildData:           "child_data",
	ReasonManagedProfile:      "managed_profile",
	ReasonShared:              "shared",
	ReasonNotShared:           "not_shared",
	ReasonNotMember:           "not_member",
	ReasonPastRetention:       "past_retention",
	ReasonUndeclaredField:     "undeclared_field",
	ReasonWrongType:           "wrong_type",
	ReasonOwnerForProfile:     "owner_for_profile",
	ReasonNotYourRights:       "not_your_rights",
	ReasonOwnersOnly:          "owners_only",
	ReasonNotAutomated:        "not_automated",
	ReasonOwnerForHousehold:   "owner_for_household",
	ReasonModelCategory:       "model_category",
	ReasonBadLocation:         "bad_location",
	ReasonNoStatistics:        "no_statistics",
}

// Code returns a short stable label for the reason, such as "no_consent",
// for metrics and API problem documents. It does not allocate.
func (r Reason) Code() string {
	if r < numReasons {
		return reasonCodes[r]
	}
	return "unknown"
}

// String returns a sentence a person can read. It does not allocate.
func (r Reason) String() string {
	if r < numReasons {
		return reasonText[r]
	}
	return "unknown reason"
}

// Decision is the outcome of one privacy decision. The zero Decision allows
// nothing: check Allow.
type Decision struct {
	Allow  bool
	Reason Reason
	// Purpose is the Engine's index of the purpose the decision is about:
	// the purpose that allows, or the one whose state denies; -1 if none.
	Purpose int
}

// Err returns nil for an allowing decision, and otherwise an *hearth.Error
// with code EREFUSED whose message is the reason's sentence.
func (d Decision) Err() error {
	if d.Allow {
		return nil
	}
	return &hearth.Error{Code: hearth.EREFUSED, Message: d.Reason.String()}
}

func allow(r Reason, purpose int) Decision { return Decision{Allow: true, Reason: r, Purpose: purpose} }

func deny(r Reason, purpose int) Decision { return Decision{Reason: r, Purpose: purpose} }

// Explain returns the decision's reason as a sentence that names its
// purpose when it is about one, such as "consent for energy-insights has not
// been given". Unlike Reason.String it allocates: use it for messages, not
// on the hot path.
func (e *Engine) Explain(d Decision) string {
	if d.Reason >= numReasons {
		return d.Reason.String()
	}
	if t := purposeText[d.Reason]; t != "" && d.Purpose >= 0 && d.Purpose < len(e.purposes) {
		return fmt.Sprintf(t, e.purposes[d.Purpose].id)
	}
	return d.Reason.String()
}

package http

import (
	"net/http"

	"github.com/hearth-iot/hearth/policy"
)

// clientRoute is what a /v1 route needs of an OAuth grant (INT-SAME-SCOPE):
// the functional scope ("" for a route no client may call, with why), and
// how to find what it touches. The household is always the path value
// "hh" and a purpose the path value "purpose".
type clientRoute struct {
	scope string
	// device is the path value naming a device, if any.
	device string
	// spans marks a route that reaches every household (device, purpose)
	// of the person at once.
	spans span
	// query: the device and purpose come from the query (the reading
	// list), and without a device it spans devices.
	query bool
	// why a route takes no scope.
	why string
}

type span uint8

const (
	spansHouseholds span = 1 << iota
	spansDevices
	spansPurposes
)

// Why some routes take no scope.
const (
	whyAccount = "the account's own sign-in, password, second factors and closing are managed on Hearth's pages only"
	whyGrants  = "the clients a person connected are managed by the person only"
	whyTerms   = "accepting the terms is the person's own act"
)

// clientRoutes maps every signed-in /v1 route pattern a person can call to
// what it needs of an OAuth grant. A route missing from it is refused to
// every client, and so are operator routes (they are never listed): see
// TestClientRoutesComplete.
var clientRoutes = map[string]clientRoute{
	"DELETE /v1/sessions/current": {why: whyAccount},
	"GET /v1/me":                  {scope: policy.ScopeProfile},

	"POST /v1/households":                                   {scope: policy.ScopeHouseholdsWrite, spans: spansHouseholds},
	"GET /v1/households":                                    {scope: policy.ScopeHouseholdsRead, spans: spansHouseholds},
	"GET /v1/households/{hh}":                               {scope: policy.ScopeHouseholdsRead},
	"GET /v1/households/{hh}/members":                       {scope: policy.ScopeHouseholdsRead},
	"POST /v1/households/{hh}/invites":                      {scope: policy.ScopeHouseholdsWrite},
	"POST /v1/invites/accept":                               {scope: policy.ScopeHouseholdsWrite, spans: spansHouseholds},
	"POST /v1/households/{hh}/people":                       {scope: policy.ScopeHouseholdsWrite},
	"POST /v1/households/{hh}/devices":                      {scope: policy.ScopeDevicesWrite, spans: spansDevices},
	"GET /v1/households/{hh}/devices":                       {scope: policy.ScopeDevicesRead, spans: spansDevices},
	"POST /v1/devices/{id}/credential":                      {scope: policy.ScopeDevicesWrite, device: "id"},
	"DELETE /v1/devices/{id}/credential":                    {scope: policy.ScopeDevicesWrite, device: "id"},
	"GET /v1/households/{hh}/readings":                      {scope: policy.ScopeReadingsRead, query: true},
	"GET /v1/me/notifications":                              {scope: policy.ScopeProfile},
	"POST /v1/me/notifications/{id}/read":                   {scope: policy.ScopeProfile},
	"GET /v1/me/terms":                                      {scope: policy.ScopeProfile},
	"POST /v1/me/terms":                                     {why: whyTerms},
	"GET /v1/households/{hh}/people/{person}/notifications": {scope: policy.ScopeHouseholdsRead},

	"GET /v1/households/{hh}/people/{person}/consents":                    {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"GET /v1/households/{hh}/people/{person}/consents/receipts":           {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"GET /v1/households/{hh}/people/{person}/consents/history":            {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"GET /v1/households/{hh}/people/{person}/consents/{purpose}/request":  {scope: policy.ScopeConsentsRead},
	"POST /v1/households/{hh}/people/{person}/consents/{purpose}/request": {scope: policy.ScopeConsentsWrite},
	"POST /v1/households/{hh}/people/{person}/consents/{purpose}":         {scope: policy.ScopeConsentsWrite},
	"GET /v1/households/{hh}/people/{person}/settings":                    {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"PUT /v1/households/{hh}/people/{person}/settings":                    {scope: policy.ScopeConsentsWrite, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/features/{feature}":         {scope: policy.ScopeConsentsWrite, spans: spansPurposes},
	"GET /v1/households/{hh}/people/{person}/privacy":                     {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"GET /v1/households/{hh}/people/{person}/features/{feature}":          {scope: policy.ScopeConsentsRead, spans: spansPurposes},

	"POST /v1/households/{hh}/people/{person}/exports":                      {scope: policy.ScopeRights, spans: spansDevices | spansPurposes},
	"GET /v1/exports/{token}":                                               {scope: policy.ScopeRights, spans: spansHouseholds | spansDevices | spansPurposes},
	"POST /v1/households/{hh}/imports":                                      {scope: policy.ScopeRights, spans: spansDevices | spansPurposes},
	"POST /v1/households/{hh}/people/{person}/erasure/preview":              {scope: policy.ScopeRights, spans: spansDevices | spansPurposes},
	"POST /v1/households/{hh}/people/{person}/erasures":                     {scope: policy.ScopeRights, spans: spansDevices | spansPurposes},
	"GET /v1/households/{hh}/people/{person}/erasure-notices":               {scope: policy.ScopeRights},
	"GET /v1/households/{hh}/people/{person}/deletion-schedules":            {scope: policy.ScopeConsentsRead},
	"PUT /v1/households/{hh}/people/{person}/deletion-schedules/{category}": {scope: policy.ScopeConsentsWrite},
	"POST /v1/me/close": {why: whyAccount},
	"GET /v1/households/{hh}/people/{person}/shares":                                {scope: policy.ScopeConsentsRead},
	"POST /v1/households/{hh}/people/{person}/shares":                               {scope: policy.ScopeConsentsWrite},
	"DELETE /v1/households/{hh}/people/{person}/shares":                             {scope: policy.ScopeConsentsWrite},
	"GET /v1/households/{hh}/people/{person}/readers":                               {scope: policy.ScopeConsentsRead, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/requests":                             {scope: policy.ScopeRights},
	"GET /v1/households/{hh}/people/{person}/requests":                              {scope: policy.ScopeRights},
	"GET /v1/households/{hh}/people/{person}/requests/{id}":                         {scope: policy.ScopeRights},
	"GET /v1/households/{hh}/people/{person}/controls":                              {scope: policy.ScopeRights, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/restrictions":                         {scope: policy.ScopeRights, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/objections":                           {scope: policy.ScopeRights, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/objections/marketing":                 {scope: policy.ScopeRights, spans: spansPurposes},
	"POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}":        {scope: policy.ScopeRights},
	"POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}/review": {scope: policy.ScopeRights},
	"PUT /v1/households/{hh}/people/{person}/display-name":                          {scope: policy.ScopeRights},
	"POST /v1/households/{hh}/readings/{id}/rectification":                          {scope: policy.ScopeRights, spans: spansDevices | spansPurposes},
	"POST /v1/me/exports":         {scope: policy.ScopeRights, spans: spansHouseholds | spansDevices | spansPurposes},
	"POST /v1/me/erasure/preview": {scope: policy.ScopeRights, spans: spansHouseholds | spansDevices | spansPurposes},
	"POST /v1/me/erasures":        {scope: policy.ScopeRights, spans: spansHouseholds | spansDevices | spansPurposes},
	"GET /v1/me/requests":         {scope: policy.ScopeRights, spans: spansHouseholds},
	// Who accessed the person's data (audit_access.go): entries of every
	// household, device and purpose at once.
	"GET /v1/households/{hh}/people/{person}/accesses": {scope: policy.ScopeConsentsRead, spans: spansHouseholds | spansDevices | spansPurposes},
	"GET /v1/me/accesses":                              {scope: policy.ScopeConsentsRead, spans: spansHouseholds | spansDevices | spansPurposes},

	"POST /v1/me/password":                        {why: whyAccount},
	"DELETE /v1/sessions":                         {why: whyAccount},
	"DELETE /v1/households/{hh}/members/{person}": {scope: policy.ScopeHouseholdsWrite},
	"PATCH /v1/households/{hh}/members/{person}":  {scope: policy.ScopeHouseholdsWrite},
	"DELETE /v1/households/{hh}/devices/{id}":     {scope: policy.ScopeDevicesWrite, device: "id"},

	"POST /v1/devices/{id}/firmware/update": {scope: policy.ScopeDevicesWrite, device: "id"},
	"GET /v1/devices/{id}/firmware":         {scope: policy.ScopeDevicesRead, device: "id"},

	"POST /v1/devices/{id}/transfer":                {scope: policy.ScopeDevicesWrite, device: "id"},
	"DELETE /v1/devices/{id}/transfer":              {scope: policy.ScopeDevicesWrite, device: "id"},
	"POST /v1/households/{hh}/transfers":            {scope: policy.ScopeDevicesWrite, spans: spansDevices},
	"POST /v1/devices/{id}/reset":                   {scope: policy.ScopeDevicesWrite, device: "id"},
	"PUT /v1/devices/{id}/mode":                     {scope: policy.ScopeDevicesWrite, device: "id"},
	"POST /v1/households/{hh}/devices/{id}/erasure": {scope: policy.ScopeRights, device: "id", spans: spansPurposes},
	"GET /v1/devices/{id}/log":                      {scope: policy.ScopeDevicesRead, device: "id"},

	"GET /v1/me/second-factor":                 {why: whyAccount},
	"POST /v1/me/second-factor/totp":           {why: whyAccount},
	"POST /v1/me/second-factor/totp/confirm":   {why: whyAccount},
	"POST /v1/me/second-factor/disable":        {why: whyAccount},
	"POST /v1/me/second-factor/recovery-codes": {why: whyAccount},
	"POST /v1/me/passkeys/options":             {why: whyAccount},
	"POST /v1/me/passkeys":                     {why: whyAccount},
	"GET /v1/me/clients":                       {why: whyGrants},
	"DELETE /v1/me/clients/{client}":           {why: whyGrants},
}

// clientCall is what the request r to a route of cr touches, for the
// policy decision; deviceHousehold finds the household of a device the
// route names without its household.
func clientCall(cr clientRoute, r *http.Request, deviceHousehold func(deviceID string) string) policy.ClientCall {
	c := policy.ClientCall{Function: cr.scope, HouseholdID: r.PathValue("hh"), Purpose: r.PathValue("purpose"),
		SpansHouseholds: cr.spans&spansHouseholds != 0, SpansDevices: cr.spans&spansDevices != 0,
		SpansPurposes: cr.spans&spansPurposes != 0}
	if cr.device != "" {
		c.DeviceID = r.PathValue(cr.device)
	}
	if cr.query {
		q := r.URL.Query()
		c.DeviceID, c.Purpose = q.Get("device"), q.Get("purpose")
		c.SpansDevices = c.DeviceID == ""
	}
	if c.HouseholdID == "" && c.DeviceID != "" && !c.SpansHouseholds {
		c.HouseholdID = deviceHousehold(c.DeviceID)
	}
	return c
}

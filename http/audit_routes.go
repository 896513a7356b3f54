package http

// auditTable says, for every route, how a successful call is recorded in
// the audit log (see audited): personalData (an access to the data of the
// person in the path, or of the people the handler names with
// auditSubjects, or of the household), ownData (the caller's own data),
// adminAction (an operator route) or noPersonalData (not recorded: public
// documents, signing in, devices sending their own data, static files).
// TestAuditRoutesComplete fails for a route missing here.
var auditTable = map[string]auditRule{
	"GET /account":                                                                       ownData,
	"POST /account/password":                                                             ownData,
	"POST /account/signout-everywhere":                                                   ownData,
	"POST /account/totp":                                                                 ownData,
	"POST /account/totp/confirm":                                                         ownData,
	"POST /account/recovery-codes":                                                       ownData,
	"POST /account/second-factor/off":                                                    ownData,
	"GET /account/close":                                                                 ownData,
	"POST /account/close":                                                                ownData,
	"GET /households/{hh}/people/{person}/consents":                                      personalData,
	"POST /households/{hh}/people/{person}/consents/{purpose}":                           personalData,
	"GET /households/{hh}/people/{person}/privacy":                                       personalData,
	"GET /households/{hh}/people/{person}/features/{feature}":                            personalData,
	"POST /households/{hh}/people/{person}/features/{feature}":                           personalData,
	"POST /households/{hh}/people/{person}/privacy/location":                             personalData,
	"POST /households/{hh}/people/{person}/privacy/restrictions":                         personalData,
	"POST /households/{hh}/people/{person}/privacy/objections":                           personalData,
	"POST /households/{hh}/people/{person}/privacy/objections/marketing":                 personalData,
	"POST /households/{hh}/people/{person}/privacy/automated-decisions/{purpose}":        personalData,
	"POST /households/{hh}/people/{person}/privacy/automated-decisions/{purpose}/review": personalData,
	"POST /households/{hh}/people/{person}/privacy/deletion-schedules/{category}":        personalData,
	"GET /households/{hh}/people/{person}/data":                                          personalData,
	"POST /households/{hh}/people/{person}/data/export":                                  personalData,
	"POST /households/{hh}/people/{person}/data/import":                                  personalData,
	"POST /households/{hh}/people/{person}/data/name":                                    personalData,
	"POST /households/{hh}/people/{person}/data/readings/{id}/correct":                   personalData,
	"POST /households/{hh}/people/{person}/data/readings/{id}/dispute":                   personalData,
	"POST /households/{hh}/people/{person}/data/erase/preview":                           personalData,
	"POST /households/{hh}/people/{person}/data/erase":                                   personalData,
	"POST /households/{hh}/people/{person}/data/shares":                                  personalData,
	"POST /households/{hh}/people/{person}/data/requests":                                personalData,
	"GET /households/{hh}/devices":                                                       personalData,
	"GET /households/{hh}/devices/new":                                                   personalData,
	"POST /households/{hh}/devices/new":                                                  personalData,
	"GET /households/{hh}/devices/{id}":                                                  personalData,
	"POST /households/{hh}/devices/{id}/firmware":                                        personalData,
	"POST /households/{hh}/devices/{id}/transfer":                                        personalData,
	"POST /households/{hh}/devices/{id}/transfer/cancel":                                 personalData,
	"POST /households/{hh}/devices/{id}/mode":                                            personalData,
	"POST /households/{hh}/devices/{id}/reset":                                           personalData,
	"POST /households/{hh}/devices/{id}/remove":                                          personalData,
	"POST /households/{hh}/devices/{id}/credential":                                      personalData,
	"POST /households/{hh}/devices/{id}/credential/revoke":                               personalData,
	"POST /households/{hh}/devices/{id}/erasure":                                         personalData,
	"GET /households/{hh}/transfers":                                                     personalData,
	"POST /households/{hh}/transfers":                                                    personalData,
	"GET /households/new":                                                                noPersonalData, // a form
	"POST /households":                                                                   ownData,
	"GET /households/{hh}":                                                               personalData,
	"POST /households/{hh}/invites":                                                      personalData,
	"POST /households/{hh}/people":                                                       personalData,
	"GET /households/{hh}/members/{person}":                                              personalData,
	"POST /households/{hh}/members/{person}/role":                                        personalData,
	"POST /households/{hh}/members/{person}/remove":                                      personalData,
	"GET /households/{hh}/leave":                                                         personalData,
	"POST /households/{hh}/leave":                                                        personalData,
	"GET /invites/accept":                                                                noPersonalData, // a form
	"POST /invites/accept":                                                               ownData,
	"GET /notifications":                                                                 ownData,
	"POST /notifications/{id}/read":                                                      ownData,
	"GET /terms/accept":                                                                  noPersonalData, // the terms
	"POST /terms/accept":                                                                 ownData,
	"GET /operator":                                                                      noPersonalData, // the console's links
	"GET /operator/requests":                                                             adminAction,
	"GET /operator/requests/{id}":                                                        adminAction,
	"POST /operator/requests/{id}":                                                       adminAction,
	"GET /operator/firmware":                                                             adminAction,
	"POST /operator/firmware/releases":                                                   adminAction,
	"POST /operator/firmware/rollouts":                                                   adminAction,
	"GET /operator/ledger":                                                               adminAction,
	"GET /{$}":                                                                           noPersonalData, // the home page
	"GET /signup":                                                                        noPersonalData, // a form
	"POST /signup":                                                                       noPersonalData, // signing up
	"GET /signin":                                                                        noPersonalData, // a form
	"POST /signin":                                                                       noPersonalData, // signing in
	"POST /signin/second-factor":                                                         noPersonalData, // signing in
	"POST /signout":                                                                      noPersonalData, // ending the own session
	"GET /privacy/hub":                                                                   noPersonalData, // public notice
	"GET /privacy/qr.svg":                                                                noPersonalData, // public notice
	"GET /households/{hh}/people/{person}/access":                                        personalData,
	"POST /v1/accounts":                                                                  noPersonalData, // signing up
	"POST /v1/sessions":                                                                  noPersonalData, // signing in
	"DELETE /v1/sessions/current":                                                        noPersonalData, // ending the own session
	"GET /v1/me":                                                                         ownData,
	"POST /v1/households":                                                                ownData,
	"GET /v1/households":                                                                 ownData,
	"GET /v1/households/{hh}":                                                            personalData,
	"GET /v1/households/{hh}/members":                                                    personalData,
	"POST /v1/households/{hh}/invites":                                                   personalData,
	"POST /v1/invites/accept":                                                            ownData,
	"POST /v1/households/{hh}/people":                                                    personalData,
	"POST /v1/households/{hh}/devices":                                                   personalData,
	"GET /v1/households/{hh}/devices":                                                    personalData,
	"POST /v1/devices/{id}/credential":                                                   personalData,
	"DELETE /v1/devices/{id}/credential":                                                 personalData,
	"GET /v1/households/{hh}/readings":                                                   personalData,
	"POST /v1/devices/{id}/readings":                                                     noPersonalData, // a device sending its readings (collection, decided by policy at ingestion)
	"GET /v1/me/notifications":                                                           ownData,
	"POST /v1/me/notifications/{id}/read":                                                ownData,
	"GET /v1/households/{hh}/people/{person}/notifications":                              personalData,
	"GET /v1/terms":                                                                      noPersonalData, // public terms
	"GET /v1/me/terms":                                                                   ownData,
	"POST /v1/me/terms":                                                                  ownData,
	"GET /privacy":                                                                       noPersonalData, // public notice
	"GET /privacy.json":                                                                  noPersonalData, // public notice
	"GET /privacy.txt":                                                                   noPersonalData, // public notice
	"GET /privacy/children":                                                              noPersonalData, // public notice
	"GET /terms":                                                                         noPersonalData, // public terms
	"GET /.well-known/security.txt":                                                      noPersonalData, // public
	"GET /security/policy":                                                               noPersonalData, // public
	"GET /v1/households/{hh}/people/{person}/consents":                                   personalData,
	"GET /v1/households/{hh}/people/{person}/consents/receipts":                          personalData,
	"GET /v1/households/{hh}/people/{person}/consents/history":                           personalData,
	"GET /v1/households/{hh}/people/{person}/consents/{purpose}/request":                 personalData,
	"POST /v1/households/{hh}/people/{person}/consents/{purpose}/request":                personalData,
	"POST /v1/households/{hh}/people/{person}/consents/{purpose}":                        personalData,
	"GET /v1/households/{hh}/people/{person}/settings":                                   personalData,
	"PUT /v1/households/{hh}/people/{person}/settings":                                   personalData,
	"POST /v1/households/{hh}/people/{person}/features/{feature}":                        personalData,
	"GET /v1/households/{hh}/people/{person}/privacy":                                    personalData,
	"GET /v1/households/{hh}/people/{person}/features/{feature}":                         personalData,
	"POST /v1/households/{hh}/people/{person}/exports":                                   personalData,
	"GET /v1/exports/{token}":                                                            personalData,
	"POST /v1/households/{hh}/imports":                                                   personalData,
	"POST /v1/households/{hh}/people/{person}/erasure/preview":                           personalData,
	"POST /v1/households/{hh}/people/{person}/erasures":                                  personalData,
	"GET /v1/households/{hh}/people/{person}/erasure-notices":                            personalData,
	"GET /v1/households/{hh}/people/{person}/deletion-schedules":                         personalData,
	"PUT /v1/households/{hh}/people/{person}/deletion-schedules/{category}":              personalData,
	"POST /v1/me/close":                                                                  ownData,
	"GET /v1/households/{hh}/people/{person}/shares":                                     personalData,
	"POST /v1/households/{hh}/people/{person}/shares":                                    personalData,
	"DELETE /v1/households/{hh}/people/{person}/shares":                                  personalData,
	"GET /v1/households/{hh}/people/{person}/readers":                                    personalData,
	"POST /v1/households/{hh}/people/{person}/requests":                                  personalData,
	"GET /v1/households/{hh}/people/{person}/requests":                                   personalData,
	"GET /v1/households/{hh}/people/{person}/requests/{id}":                              personalData,
	"GET /v1/households/{hh}/people/{person}/controls":                                   personalData,
	"POST /v1/households/{hh}/people/{person}/restrictions":                              personalData,
	"POST /v1/households/{hh}/people/{person}/objections":                                personalData,
	"POST /v1/households/{hh}/people/{person}/objections/marketing":                      personalData,
	"POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}":             personalData,
	"POST /v1/households/{hh}/people/{person}/automated-decisions/{purpose}/review":      personalData,
	"PUT /v1/households/{hh}/people/{person}/display-name":                               personalData,
	"POST /v1/households/{hh}/readings/{id}/rectification":                               personalData,
	"POST /v1/me/exports":                                                                ownData,
	"POST /v1/me/erasure/preview":                                                        ownData,
	"POST /v1/me/erasures":                                                               ownData,
	"GET /v1/me/requests":                                                                ownData,
	"POST /v1/me/password":                                                               ownData,
	"DELETE /v1/sessions":                                                                ownData,
	"DELETE /v1/households/{hh}/members/{person}":                                        personalData,
	"PATCH /v1/households/{hh}/members/{person}":                                         personalData,
	"DELETE /v1/households/{hh}/devices/{id}":                                            personalData,
	"GET /v1/devices/{id}/firmware/{version}/image":                                      noPersonalData, // a firmware image
	"POST /v1/devices/{id}/firmware/update":                                              personalData,
	"GET /v1/devices/{id}/firmware":                                                      personalData,
	"POST /v1/operator/firmware/releases":                                                adminAction,
	"GET /v1/operator/firmware/releases":                                                 adminAction,
	"POST /v1/operator/firmware/rollouts":                                                adminAction,
	"POST /v1/devices/{id}/events":                                                       noPersonalData, // a device reporting about itself
	"POST /v1/devices/{id}/transfer":                                                     personalData,
	"DELETE /v1/devices/{id}/transfer":                                                   personalData,
	"POST /v1/households/{hh}/transfers":                                                 personalData,
	"POST /v1/devices/{id}/reset":                                                        personalData,
	"PUT /v1/devices/{id}/mode":                                                          personalData,
	"POST /v1/households/{hh}/devices/{id}/erasure":                                      personalData,
	"GET /v1/devices/{id}/log":                                                           personalData,
	"POST /v1/sessions/second-factor":                                                    noPersonalData, // signing in
	"POST /v1/sessions/second-factor/passkey/options":                                    noPersonalData, // signing in
	"POST /v1/sessions/second-factor/passkey":                                            noPersonalData, // signing in
	"GET /v1/me/second-factor":                                                           ownData,
	"POST /v1/me/second-factor/totp":                                                     ownData,
	"POST /v1/me/second-factor/totp/confirm":                                             ownData,
	"POST /v1/me/second-factor/disable":                                                  ownData,
	"POST /v1/me/second-factor/recovery-codes":                                           ownData,
	"POST /v1/me/passkeys/options":                                                       ownData,
	"POST /v1/me/passkeys":                                                               ownData,
	"GET /v1/operator/me":                                                                noPersonalData, // the operator's own account
	"GET /v1/operator/manifest":                                                          noPersonalData, // the manifest
	"GET /v1/operator/requests":                                                          adminAction,
	"POST /v1/operator/requests/{id}":                                                    adminAction,
	"GET /v1/operator/ledger":                                                            adminAction,
	"GET /assets/":                                                                       noPersonalData, // static files
	"GET /healthz":                                                                       noPersonalData, // health
	"GET /v1/operator/clients":                                                           adminAction,
	"DELETE /v1/operator/clients/{client}":                                               adminAction,
	"GET /operator/clients":                                                              adminAction,
	"POST /v1/operator/clients":                                                          adminAction,
	"POST /operator/clients":                                                             adminAction,
	"POST /operator/clients/{client}/remove":                                             adminAction,
	"GET /oauth/authorize":                                                               ownData,
	"POST /oauth/authorize":                                                              ownData,
	"DELETE /v1/me/clients/{client}":                                                     ownData,
	"GET /v1/me/clients":                                                                 ownData,
	"GET /account/clients":                                                               ownData,
	"POST /account/clients/{client}/revoke":                                              ownData,
	"POST /oauth/token":                                                                  noPersonalData, // a client exchanging a code or refresh token (its calls with the token are recorded)
	"POST /oauth/revoke":                                                                 noPersonalData, // a client giving a token back
	"GET /.well-known/oauth-authorization-server":                                        noPersonalData, // public metadata
	"POST /v1/operator/analytics":                                                        adminAction,
	"GET /v1/operator/analytics/budget":                                                  adminAction,
	"GET /operator/analytics":                                                            adminAction,
	"POST /operator/analytics":                                                           adminAction,
	"GET /v1/operator/report":                                                            adminAction,
	"GET /operator/report":                                                               adminAction,
	"GET /api/openapi.json":                                                              noPersonalData, // the API's description
	"GET /metrics":                                                                       noPersonalData, // counters without personal data (not audited: served outside the route table)
	"GET /v1/households/{hh}/people/{person}/accesses":                                   personalData,
	"GET /v1/me/accesses":                                                                ownData,
}

package http

import "testing"

// AUDIT, SEC-AUTHZ: every route is in auditTable: recorded (personal data,
// the caller's own data, an operator action) or explicitly marked as
// touching no personal data; and the table names no route that is gone.
func TestAuditRoutesComplete(t *testing.T) {
	api, pages := Patterns()
	registered := map[string]bool{}
	for _, p := range append(api, pages...) {
		registered[p] = true
	}
	for p := range registered {
		if _, ok := auditTable[p]; !ok {
			t.Errorf("route %q is not in auditTable (http/audit_routes.go): say how it is audited, or mark it noPersonalData", p)
		}
	}
	for p := range auditTable {
		if !registered[p] {
			t.Errorf("auditTable names %q, which is not a route", p)
		}
	}
}

package manifest

import (
	"fmt"
	"strings"
	"time"
)

// MaxSecurityRetention is the longest a category of the security purpose
// may be kept (SEC-MONITOR): 180 days, written 6mo or 180d. Security
// monitoring needs recent data: a device's current firmware and health,
// and failures recent enough to act on. The bound is the short end of the
// six months to a year the CNIL recommends for security logs (its 2021
// recommendation on logging), since Hearth's security data is about homes.
const MaxSecurityRetention = 180 * 24 * time.Hour

// security applies the rules of the security-monitoring purpose
// (SEC-MONITOR): it exists, and it collects the minimum, for security
// only. Its categories are technical, no other purpose uses them, and
// they are kept at most MaxSecurityRetention; it is not marketing,
// advertising, profiling or an automated decision. A manifest without a
// security purpose gets a warning: the server collects authentication
// failures and firmware versions whatever the manifest says.
func (l linter) security() {
	found := false
	for i := range l.m.Purposes {
		u := &l.m.Purposes[i]
		if !u.Security {
			continue
		}
		found = true
		p := fmt.Sprintf("purposes[%d]", i)
		l.securityFlags(p, u)
		for j, id := range u.Categories {
			l.securityCategory(fmt.Sprintf("%s.categories[%d]", p, j), u, id)
		}
	}
	if !found && len(l.m.Purposes) > 0 {
		l.v.ps = append(l.v.ps, Problem{File: l.v.file, Line: l.v.lines.line("purposes"), Field: "purposes", Warning: true,
			Message: "no purpose has security: true: declare what devices and the server collect for security (firmware versions, device health, authentication failures) as a purpose of its own (SEC-MONITOR)"})
	}
}

// securityFlags: security data serves security only, so the purpose is
// none of the purposes that use data about people for other ends.
func (l linter) securityFlags(p string, u *Purpose) {
	var what []string
	for _, f := range []struct {
		on   bool
		name string
	}{{u.Marketing, "marketing"}, {u.Advertising, "advertising"}, {u.Profiling, "profiling"}, {u.AutomatedDecision, "automated_decision"}} {
		if f.on {
			what = append(what, f.name)
		}
	}
	if len(what) > 0 {
		l.add(p+".security", "a security purpose serves security only: remove %s, or declare that use as a purpose of its own (SEC-MONITOR)", strings.Join(what, ", "))
	}
}

// securityCategory: one category of the security purpose is technical,
// used by no other purpose, and kept at most MaxSecurityRetention.
func (l linter) securityCategory(p string, u *Purpose, id string) {
	c, ok := l.m.Category(id)
	if !ok {
		return // Parse reports the reference
	}
	var others []string
	for _, o := range l.m.PurposesUsing(id) {
		if o.ID != u.ID {
			others = append(others, o.ID)
		}
	}
	if len(others) > 0 {
		l.add(p, "category %q of the security purpose is also used by %s: security data serves security only; declare a separate category for the other use (SEC-MONITOR)", id, strings.Join(others, ", "))
	}
	if c.Kind != KindTechnical {
		l.add(p, "category %q of the security purpose is %s data: security monitoring collects technical data only, such as firmware version and battery (SEC-MONITOR)", id, c.Kind)
	}
	if d := c.RetentionPeriod(); d > MaxSecurityRetention {
		l.add(p, "category %q of the security purpose is kept %s: security data is kept at most 180 days (6mo) (SEC-MONITOR)", id, c.Retention)
	}
}

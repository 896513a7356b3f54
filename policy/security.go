package policy

import "time"

// SecurityRecordRetention is how long the server keeps its own records of
// refused attempts that name an account (such as a replayed second
// factor): 90 days (SEC-MONITOR). They are there for the account holder to
// notice an attack on their account, which needs recent records only; it
// is half manifest.MaxSecurityRetention, the bound for the security data
// a manifest declares.
const SecurityRecordRetention = 90 * 24 * time.Hour

// SecurityRecordCutoff returns the instant before which such records are
// erased at now.
func SecurityRecordCutoff(now time.Time) time.Time { return now.Add(-SecurityRecordRetention) }

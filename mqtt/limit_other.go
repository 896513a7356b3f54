//go:build !unix

package mqtt

// openFileLimit returns a limit on open files where the system has none to
// ask: the default MaxConnections is then 10,000.
func openFileLimit() int { return 10000 + reservedFiles }

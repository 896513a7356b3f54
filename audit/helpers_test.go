package audit_test

import (
	"os"

	"github.com/hearth-iot/hearth"
	"github.com/hearth-iot/hearth/audit"
	"github.com/hearth-iot/hearth/sqlite"
)

// auditLog is the store the tests keep the audit log in.
func auditLog(db *sqlite.DB) hearth.LedgerStore { return db.AuditLog() }

func readAnchors(path string) ([]audit.Anchor, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return audit.ParseAnchors(f)
}

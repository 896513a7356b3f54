//go:build !unix

package sqlite

import (
	"fmt"
	"os"
)

// lockDir opens the directory dir. Systems without flock get no lock: there
// a restore cannot tell whether a server uses the directory.
func lockDir(dir string, exclusive bool) (*os.File, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock data directory: %w", err)
	}
	return f, nil
}

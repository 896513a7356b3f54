package main

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// cred is one device's MQTT identity: client ID and username are the device
// ID, the password is its secret ("" for an anonymous broker).
type cred struct {
	ID     string
	Secret string
}

// loadCreds reads devices skip+1 to skip+n from a CSV file of
// device_id,secret,claim_code rows (an optional header row starting with
// "device_id" is skipped). It fails if the file holds fewer devices.
func loadCreds(path string, skip, n int) ([]cred, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open credentials: %w", err)
	}
	defer f.Close()
	cs, err := parseCreds(f, skip+n)
	if err != nil {
		return nil, fmt.Errorf("read credentials %s: %w", path, err)
	}
	return cs[skip:], nil
}

// parseCreds reads up to n credentials from r; see loadCreds.
func parseCreds(r io.Reader, n int) ([]cred, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cs := make([]cred, 0, n)
	for len(cs) < n {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%d devices, want at least %d", len(cs), n)
		}
		if err != nil {
			return nil, err
		}
		if len(cs) == 0 && strings.EqualFold(strings.TrimSpace(rec[0]), "device_id") {
			continue
		}
		if len(rec) < 2 || rec[0] == "" || rec[1] == "" {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("line %d: want device_id,secret,claim_code", line)
		}
		cs = append(cs, cred{ID: rec[0], Secret: rec[1]})
	}
	return cs, nil
}

// anonymousCreds returns n client IDs dev-NNNNNN from dev-(skip+1) on,
// without passwords, for brokers that allow anonymous clients (Mosquitto).
func anonymousCreds(skip, n int) []cred {
	cs := make([]cred, n)
	for i := range cs {
		cs[i] = cred{ID: fmt.Sprintf("dev-%06d", skip+i+1)}
	}
	return cs
}

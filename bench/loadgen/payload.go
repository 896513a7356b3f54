package main

import (
	"crypto/rand"
	"encoding/base32"
	"strconv"
	"strings"
	"time"
)

// payloadGen builds reading payloads per the device protocol. It is safe for
// concurrent use: build only reads its fields.
type payloadGen struct {
	runID    string
	category string
	size     int          // target payload size; the bare reading if smaller
	values   *synthValues // values drawn from package synth; nil: a temperature from seq
}

// build appends to dst the payload of message seq, scheduled at t: one JSON
// object with a unique "id" (runID.seq), "time" (RFC 3339), "category" and
// "values". The values carry a temperature (or, with values, synthetic
// values for t's time of day) and, when the target size asks for it, a
// "pad" string that brings the payload to size bytes (bench/manifest.yaml
// declares both fields for room-temperature).
func (p *payloadGen) build(dst []byte, seq uint64, t time.Time) []byte {
	start := len(dst)
	dst = append(dst, `{"id":"`...)
	dst = append(dst, p.runID...)
	dst = append(dst, '.')
	dst = strconv.AppendUint(dst, seq, 10)
	dst = append(dst, `","time":"`...)
	dst = t.UTC().AppendFormat(dst, time.RFC3339Nano)
	dst = append(dst, `","category":"`...)
	dst = append(dst, p.category...)
	if p.values != nil {
		dst = append(dst, `","values":{`...)
		dst = append(dst, p.values.at(seq, t)...)
	} else {
		dst = append(dst, `","values":{"celsius":`...)
		dst = strconv.AppendFloat(dst, 18+float64(seq%70)/10, 'f', 1, 64)
	}
	const padOpen, tail = `,"pad":"`, `"}}`
	if n := p.size - (len(dst) - start) - len(padOpen) - len(tail); n > 0 {
		dst = append(dst, padOpen...)
		for range n {
			dst = append(dst, 'x')
		}
		dst = append(dst, '"')
	}
	return append(dst, "}}"...)
}

// validMsgID reports whether s is a valid device message ID: 1-64
// characters of [A-Za-z0-9._:-].
func validMsgID(s string) bool {
	if len(s) < 1 || len(s) > 64 {
		return false
	}
	for _, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("._:-", r)
		if !ok {
			return false
		}
	}
	return true
}

var runIDEncoding = base32.NewEncoding("abcdefghijklmnopqrstuvwxyz234567").WithPadding(base32.NoPadding)

// randomRunID returns 40 random bits as 8 lower-case base32 characters, so
// that message IDs of separate runs against one store never collide.
func randomRunID() string {
	var b [5]byte
	rand.Read(b[:])
	return runIDEncoding.EncodeToString(b[:])
}

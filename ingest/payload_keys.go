package ingest

import (
	"bytes"
	"encoding/json"
	"slices"
)

// maxScanKeys is how many keys of one object duplicateKey compares pairwise;
// past it, it indexes them in a map.
const maxScanKeys = 16

// duplicateKey reports the first key that appears twice in one object
// anywhere in data, which must be valid JSON (json.Valid). Keys are
// compared as decoded, so "a" and "\u0061" are the same key. It allocates
// only for keys with escapes and for objects of more than maxScanKeys keys.
func duplicateKey(data []byte) (string, bool) {
	s := keyScanner{b: data}
	s.value()
	return s.dup, s.dup != ""
}

// keyScanner walks valid JSON, looking for a repeated key.
type keyScanner struct {
	b   []byte
	i   int
	dup string
}

func (s *keyScanner) space() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// value skips one value, checking the objects in it; it stops early once
// a duplicate is found.
func (s *keyScanner) value() {
	s.space()
	if s.i >= len(s.b) || s.dup != "" {
		return
	}
	switch s.b[s.i] {
	case '{':
		s.object()
	case '[':
		s.i++
		for s.dup == "" {
			s.space()
			if s.i >= len(s.b) || s.b[s.i] == ']' {
				s.i++
				return
			}
			if s.b[s.i] == ',' {
				s.i++
			}
			s.value()
		}
	case '"':
		s.str()
	default:
		for s.i < len(s.b) && !bytes.ContainsRune([]byte(",]} \t\r\n"), rune(s.b[s.i])) {
			s.i++
		}
	}
}

// str skips a string and returns its raw contents, without the quotes.
func (s *keyScanner) str() []byte {
	s.i++ // the opening quote
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case '\\':
			s.i += 2
			continue
		case '"':
			s.i++
			return s.b[start : s.i-1]
		}
		s.i++
	}
	return s.b[start:]
}

// object checks one object's keys and its values.
func (s *keyScanner) object() {
	s.i++ // {
	var small [maxScanKeys][]byte
	keys := small[:0]
	var many map[string]bool
	for s.dup == "" {
		s.space()
		if s.i >= len(s.b) || s.b[s.i] == '}' {
			s.i++
			return
		}
		if s.b[s.i] == ',' {
			s.i++
			s.space()
		}
		k := decodeKey(s.str())
		switch {
		case many != nil:
			if many[string(k)] {
				s.dup = string(k)
			}
			many[string(k)] = true
		case slices.ContainsFunc(keys, func(o []byte) bool { return bytes.Equal(o, k) }):
			s.dup = string(k)
		case len(keys) == maxScanKeys:
			many = make(map[string]bool, 2*maxScanKeys)
			for _, o := range keys {
				many[string(o)] = true
			}
			many[string(k)] = true
		default:
			keys = append(keys, k)
		}
		s.space()
		s.i++ // :
		s.value()
	}
}

// decodeKey returns a raw key with its escapes decoded.
func decodeKey(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	var k string
	if err := json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &k); err != nil {
		return raw
	}
	return []byte(k)
}

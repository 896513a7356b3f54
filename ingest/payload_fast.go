package ingest

import "encoding/json"

// decodeFast decodes the common, plain form of a payload without
// reflection: one object whose keys are exactly the known field names,
// each at most once; id, time, category and person as strings of
// printable ASCII without escapes; inferred as true or false; values as
// a valid JSON object. On
// anything else it reports false and decodeWire, which gives precise
// errors, decides. For every input it accepts, it returns what decodeWire
// returns (FuzzDecodeFast checks that).
func decodeFast(data []byte) (*wirePayload, bool) {
	d := fastDecoder{data: data}
	var w wirePayload
	if !d.byte('{') {
		return nil, false
	}
	for first := true; ; first = false {
		if d.byte('}') {
			break
		}
		if !first && !d.byte(',') {
			return nil, false
		}
		key, ok := d.plainString()
		if !ok || !d.byte(':') || !d.field(&w, key) {
			return nil, false
		}
	}
	d.space()
	return &w, d.i == len(d.data)
}

// fastDecoder is decodeFast's cursor over the payload.
type fastDecoder struct {
	data []byte
	i    int
}

// space skips JSON whitespace.
func (d *fastDecoder) space() {
	for d.i < len(d.data) {
		switch d.data[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// byte skips whitespace and then c, reporting whether c was there.
func (d *fastDecoder) byte(c byte) bool {
	d.space()
	if d.i < len(d.data) && d.data[d.i] == c {
		d.i++
		return true
	}
	return false
}

// plainString reads a string of printable ASCII without escapes.
func (d *fastDecoder) plainString() (string, bool) {
	if !d.byte('"') {
		return "", false
	}
	start := d.i
	for ; d.i < len(d.data); d.i++ {
		switch c := d.data[d.i]; {
		case c == '"':
			d.i++
			return string(d.data[start : d.i-1]), true
		case c < 0x20 || c >= 0x7f || c == '\\':
			return "", false
		}
	}
	return "", false
}

// field reads the value of key into w; a repeated or unknown key fails.
func (d *fastDecoder) field(w *wirePayload, key string) bool {
	var dst **string
	switch key {
	case "id":
		dst = &w.ID
	case "time":
		dst = &w.Time
	case "category":
		dst = &w.Category
	case "person":
		dst = &w.Person
	case "inferred":
		return w.Inferred == nil && d.boolean(w)
	case "values":
		return w.Values == nil && d.object(w)
	default:
		return false
	}
	if *dst != nil {
		return false
	}
	s, ok := d.plainString()
	*dst = &s
	return ok
}

// boolean reads true or false into w.Inferred.
func (d *fastDecoder) boolean(w *wirePayload) bool {
	d.space()
	for _, lit := range []string{"true", "false"} {
		if len(d.data)-d.i >= len(lit) && string(d.data[d.i:d.i+len(lit)]) == lit {
			d.i += len(lit)
			v := lit == "true"
			w.Inferred = &v
			return true
		}
	}
	return false
}

// object reads a valid JSON object into w.Values, delimiting it while
// minding strings and escapes.
func (d *fastDecoder) object(w *wirePayload) bool {
	d.space()
	if d.i >= len(d.data) || d.data[d.i] != '{' {
		return false
	}
	start, depth, inString := d.i, 0, false
	for ; d.i < len(d.data); d.i++ {
		c := d.data[d.i]
		switch {
		case inString && c == '\\':
			d.i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
			if depth == 0 {
				d.i++
				w.Values = d.data[start:d.i:d.i]
				return json.Valid(w.Values) // else decodeJSON reports where
			}
		}
	}
	return false
}

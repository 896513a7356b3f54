package policy

import "github.com/hearth-iot/hearth/manifest"

// valueType is a declared type of a value field.
type valueType uint8

const (
	typeNumber valueType = iota + 1
	typeInteger
	typeString
	typeBoolean
)

var valueTypes = map[string]valueType{
	manifest.TypeNumber: typeNumber, manifest.TypeInteger: typeInteger,
	manifest.TypeString: typeString, manifest.TypeBoolean: typeBoolean,
}

// shape is a category's compiled value shape: the declared fields and
// their types, or free-form. A location category's shape is {lat, lon},
// both numbers. Fields are few, so a linear scan beats a map's hashing.
type shape struct {
	fields   []field
	freeForm bool
}

// field is one declared value field.
type field struct {
	name string
	typ  valueType
}

// lookup returns the declared type of key, or false.
func (sh *shape) lookup(key []byte) (valueType, bool) {
	for i := range sh.fields {
		if sh.fields[i].name == string(key) {
			return sh.fields[i].typ, true
		}
	}
	return 0, false
}

// compileShape compiles a category's declared values.
func compileShape(c *manifest.Category) shape {
	if c.Kind == manifest.KindLocation {
		return shape{fields: []field{{"lat", typeNumber}, {"lon", typeNumber}}}
	}
	s := shape{fields: make([]field, 0, len(c.Values)), freeForm: c.FreeForm}
	for _, f := range c.Values {
		s.fields = append(s.fields, field{f.Field, valueTypes[f.Type]})
	}
	return s
}

// check returns ReasonActive if values, a JSON object, holds only declared
// fields of their declared types; otherwise ReasonUndeclaredField or
// ReasonWrongType. A key written with escapes is compared as written, so
// it matches no declared field. A number is an integer when it has no
// fraction and no exponent. null, objects and arrays match no declared
// type. It expects valid JSON (the payload parser's guarantee) and
// refuses anything else; it does not allocate.
func (sh *shape) check(values []byte) Reason {
	if sh.freeForm {
		return ReasonActive
	}
	v := jsonCursor{b: values}
	if !v.consume('{') {
		return ReasonWrongType
	}
	if v.consume('}') {
		return ReasonActive
	}
	for {
		key, ok := v.key()
		if !ok {
			return ReasonUndeclaredField
		}
		want, declared := sh.lookup(key)
		if !declared {
			return ReasonUndeclaredField
		}
		if v.value() != want && !(want == typeNumber && v.last == typeInteger) {
			return ReasonWrongType
		}
		if v.consume('}') {
			return ReasonActive
		}
		if !v.consume(',') {
			return ReasonWrongType
		}
	}
}

// jsonCursor walks the members of one flat JSON object.
type jsonCursor struct {
	b    []byte
	i    int
	last valueType
}

func (c *jsonCursor) space() {
	for c.i < len(c.b) && (c.b[c.i] == ' ' || c.b[c.i] == '\t' || c.b[c.i] == '\n' || c.b[c.i] == '\r') {
		c.i++
	}
}

// consume skips whitespace and then ch, reporting whether it was there.
func (c *jsonCursor) consume(ch byte) bool {
	c.space()
	if c.i < len(c.b) && c.b[c.i] == ch {
		c.i++
		return true
	}
	return false
}

// key reads a member's key and its colon. A key with an escape is
// returned raw, with its backslash: it matches no declared field.
func (c *jsonCursor) key() ([]byte, bool) {
	if !c.consume('"') {
		return nil, false
	}
	start := c.i
	for c.i < len(c.b) {
		switch c.b[c.i] {
		case '\\':
			c.i += 2
			continue
		case '"':
			k := c.b[start:c.i]
			c.i++
			return k, c.consume(':')
		}
		c.i++
	}
	return nil, false
}

// value reads a scalar value and returns its type, 0 for null, an object,
// an array or anything malformed.
func (c *jsonCursor) value() valueType {
	c.space()
	c.last = 0
	if c.i >= len(c.b) {
		return 0
	}
	switch ch := c.b[c.i]; {
	case ch == '"':
		c.i++
		for c.i < len(c.b) {
			switch c.b[c.i] {
			case '\\':
				c.i += 2
				continue
			case '"':
				c.i++
				c.last = typeString
				return typeString
			}
			c.i++
		}
		return 0
	case ch == 't' || ch == 'f':
		if c.literal("true") || c.literal("false") {
			c.last = typeBoolean
		}
		return c.last
	case ch == '-' || ch >= '0' && ch <= '9':
		c.last = c.number()
		return c.last
	}
	return 0
}

func (c *jsonCursor) literal(lit string) bool {
	if len(c.b)-c.i >= len(lit) && string(c.b[c.i:c.i+len(lit)]) == lit {
		c.i += len(lit)
		return true
	}
	return false
}

// number skips a number, reporting typeInteger without fraction or
// exponent, else typeNumber.
func (c *jsonCursor) number() valueType {
	t := typeInteger
	for ; c.i < len(c.b); c.i++ {
		switch ch := c.b[c.i]; {
		case ch >= '0' && ch <= '9' || ch == '-' || ch == '+':
		case ch == '.' || ch == 'e' || ch == 'E':
			t = typeNumber
		default:
			return t
		}
	}
	return t
}

package policy

import "math/bits"

// MaxPurposes is the largest number of purposes, and of features, a manifest
// may declare for Compile to accept it: the size of Bits.
const MaxPurposes = 128

// Bits is a fixed-size set of purpose (or feature) indexes, 0 to
// MaxPurposes-1, as assigned by an Engine. The zero value is the empty set.
// Bits is a value type: copying it copies the set, and no operation on it
// allocates.
type Bits [MaxPurposes / 64]uint64

// Has reports whether i is in the set. It returns false for an index out of
// range.
func (b Bits) Has(i int) bool {
	if i < 0 || i >= MaxPurposes {
		return false
	}
	return b[i>>6]&(1<<(uint(i)&63)) != 0
}

// Set adds i to the set; an index out of range is ignored.
func (b *Bits) Set(i int) {
	if i >= 0 && i < MaxPurposes {
		b[i>>6] |= 1 << (uint(i) & 63)
	}
}

// Clear removes i from the set; an index out of range is ignored.
func (b *Bits) Clear(i int) {
	if i >= 0 && i < MaxPurposes {
		b[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// IsZero reports whether the set is empty.
func (b Bits) IsZero() bool { return b[0]|b[1] == 0 }

// Count returns the number of indexes in the set.
func (b Bits) Count() int { return bits.OnesCount64(b[0]) + bits.OnesCount64(b[1]) }

// Union returns the indexes in b or c.
func (b Bits) Union(c Bits) Bits { return Bits{b[0] | c[0], b[1] | c[1]} }

// Intersect returns the indexes in both b and c.
func (b Bits) Intersect(c Bits) Bits { return Bits{b[0] & c[0], b[1] & c[1]} }

// Minus returns the indexes in b but not in c.
func (b Bits) Minus(c Bits) Bits { return Bits{b[0] &^ c[0], b[1] &^ c[1]} }

// First returns the lowest index in the set, or -1 if it is empty.
func (b Bits) First() int {
	if b[0] != 0 {
		return bits.TrailingZeros64(b[0])
	}
	if b[1] != 0 {
		return 64 + bits.TrailingZeros64(b[1])
	}
	return -1
}

// Next returns the lowest index in the set greater than i, or -1 if there is
// none. Iterate with `for i := b.First(); i >= 0; i = b.Next(i)`.
func (b Bits) Next(i int) int {
	i++
	if i < 0 {
		i = 0
	}
	for w := i >> 6; w < len(b); w++ {
		word := b[w]
		if w == i>>6 {
			word &^= 1<<(uint(i)&63) - 1
		}
		if word != 0 {
			return w<<6 + bits.TrailingZeros64(word)
		}
	}
	return -1
}

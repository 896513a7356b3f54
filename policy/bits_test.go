package policy_test

import (
	"slices"
	"testing"

	"github.com/hearth-iot/hearth/policy"
)

func TestBits(t *testing.T) {
	var b policy.Bits
	if !b.IsZero() || b.First() != -1 {
		t.Fatalf("zero Bits: IsZero %v, First %d; want true, -1", b.IsZero(), b.First())
	}
	in := []int{0, 5, 63, 64, 100, 127}
	for _, i := range in {
		b.Set(i)
	}
	b.Set(-1)
	b.Set(policy.MaxPurposes)
	var got []int
	for i := b.First(); i >= 0; i = b.Next(i) {
		got = append(got, i)
	}
	if !slices.Equal(got, in) {
		t.Errorf("iteration = %v, want %v", got, in)
	}
	if b.Count() != len(in) || b.Has(1) || !b.Has(64) || b.Has(-1) || b.Has(128) {
		t.Errorf("Count %d, Has(1) %v, Has(64) %v, Has(-1) %v, Has(128) %v; want %d, false, true, false, false",
			b.Count(), b.Has(1), b.Has(64), b.Has(-1), b.Has(128), len(in))
	}
	b.Clear(64)
	var c policy.Bits
	c.Set(5)
	c.Set(64)
	tests := []struct {
		name string
		got  policy.Bits
		want []int
	}{
		{"Clear", b, []int{0, 5, 63, 100, 127}},
		{"Union", b.Union(c), []int{0, 5, 63, 64, 100, 127}},
		{"Intersect", b.Intersect(c), []int{5}},
		{"Minus", b.Minus(c), []int{0, 63, 100, 127}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int
			for i := tt.got.First(); i >= 0; i = tt.got.Next(i) {
				got = append(got, i)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("%s = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

package main

import (
	"math"
	"testing"
	"time"
)

func TestHistogramQuantiles(t *testing.T) {
	tests := []struct {
		name   string
		values []time.Duration
		q      float64
		want   time.Duration
	}{
		{"empty", nil, 0.5, 0},
		{"bucket middle", []time.Duration{3 * time.Millisecond}, 0.99, 2992 * time.Microsecond}, // [2976, 3008) µs
		{"capped at max", []time.Duration{4096 * time.Microsecond}, 0.99, 4096 * time.Microsecond},
		{"small exact", []time.Duration{10 * time.Microsecond, 20 * time.Microsecond, 30 * time.Microsecond}, 0.5, 20 * time.Microsecond},
		{"max caps bucket", []time.Duration{time.Second}, 1, time.Second},
		{"negative is zero", []time.Duration{-time.Millisecond}, 0.5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h histogram
			for _, v := range tt.values {
				h.record(v)
			}
			if got := h.quantile(tt.q); got != tt.want {
				t.Errorf("quantile(%v) = %v, want %v", tt.q, got, tt.want)
			}
		})
	}
}

// TestHistogramRelativeError checks every quantile of 1..100,000 µs against
// the exact value, within the bucket precision of 2^-subBits.
func TestHistogramRelativeError(t *testing.T) {
	var h histogram
	const n = 100000
	for v := 1; v <= n; v++ {
		h.record(time.Duration(v) * time.Microsecond)
	}
	if got, want := h.count(), int64(n); got != want {
		t.Fatalf("count = %d, want %d", got, want)
	}
	if got, want := h.maxValue(), n*time.Microsecond; got != want {
		t.Errorf("max = %v, want %v", got, want)
	}
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999} {
		exact := math.Ceil(q * n)
		got := float64(h.quantile(q).Microseconds())
		if rel := math.Abs(got-exact) / exact; rel > 1.0/subCount {
			t.Errorf("quantile(%v) = %vµs, want %vµs within %.2f%%", q, got, exact, 100.0/subCount)
		}
	}
}

func TestBucketOfIsMonotonic(t *testing.T) {
	prev := -1
	for v := int64(0); v < 1<<22; v += 1 + v/512 {
		b := bucketOf(v)
		if b < prev {
			t.Fatalf("bucketOf(%d) = %d, below bucketOf of a smaller value (%d)", v, b, prev)
		}
		if low := bucketValue(b); math.Abs(float64(low-v)) > float64(v)/subCount+1 {
			t.Fatalf("bucketValue(bucketOf(%d)) = %d, too far from the value", v, low)
		}
		prev = b
	}
	if got, want := bucketOf(math.MaxInt64), numBuckets-1; got != want {
		t.Errorf("bucketOf(MaxInt64) = %d, want the last bucket %d", got, want)
	}
}

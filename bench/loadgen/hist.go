package main

import (
	"math"
	"math/bits"
	"sync/atomic"
	"time"
)

// histogram records durations in microseconds in log-linear buckets, in the
// manner of HdrHistogram: values below 2^subBits µs exactly, larger ones
// with a relative error below 2^-subBits (about 1.6%). Its memory is fixed
// (about 18 KiB) however many values it records, and it is safe for
// concurrent use: record is lock-free.
type histogram struct {
	counts [numBuckets]atomic.Int64
	total  atomic.Int64
	max    atomic.Int64
}

const (
	subBits    = 6
	subCount   = 1 << subBits
	maxExp     = 40 // values up to 2^(maxExp+subBits) µs, far beyond any run
	numBuckets = subCount + maxExp*subCount
)

// record adds one duration; negative durations count as zero.
func (h *histogram) record(d time.Duration) {
	v := max(d.Microseconds(), 0)
	h.counts[bucketOf(v)].Add(1)
	h.total.Add(1)
	for {
		m := h.max.Load()
		if v <= m || h.max.CompareAndSwap(m, v) {
			return
		}
	}
}

// bucketOf returns the bucket index of v µs.
func bucketOf(v int64) int {
	if v < subCount {
		return int(v)
	}
	exp := min(bits.Len64(uint64(v))-subBits-1, maxExp-1)
	sub := min(int(v>>exp)-subCount, subCount-1)
	return subCount + exp*subCount + sub
}

// bucketValue returns the middle of bucket i, in µs.
func bucketValue(i int) int64 {
	if i < subCount {
		return int64(i)
	}
	exp := (i - subCount) / subCount
	sub := (i - subCount) % subCount
	low := int64(subCount+sub) << exp
	return low + (int64(1)<<exp)/2
}

// count returns the number of values recorded.
func (h *histogram) count() int64 { return h.total.Load() }

// quantile returns the value at quantile q in [0, 1]: the smallest bucket
// value with at least q of the recorded values at or below it, capped at the
// exact maximum. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	n := h.total.Load()
	if n == 0 {
		return 0
	}
	rank := max(int64(math.Ceil(q*float64(n))), 1)
	var seen int64
	for i := range h.counts {
		seen += h.counts[i].Load()
		if seen >= rank {
			return time.Duration(min(bucketValue(i), h.max.Load())) * time.Microsecond
		}
	}
	return h.maxValue()
}

// maxValue returns the largest value recorded, exactly.
func (h *histogram) maxValue() time.Duration {
	return time.Duration(h.max.Load()) * time.Microsecond
}

package load

import (
	"math"
	"math/bits"
	"time"
)

// Histogram records latencies in log-linear buckets: each power of two
// of nanoseconds is split into subBuckets linear steps, so every recorded
// value is known to within 1/subBuckets (3%) of itself, from 1 ns to
// hours, in a fixed array — recording is an index computation and an
// increment, no allocation, no sorting.
type Histogram struct {
	counts [64 * subBuckets]uint64
	n      uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

// subBucketBits sets the precision: 2^5 = 32 steps per octave.
const (
	subBucketBits = 5
	subBuckets    = 1 << subBucketBits
)

// bucket maps a duration to its bucket index.
func bucket(d time.Duration) int {
	v := uint64(max(d, 0))
	if v < subBuckets {
		return int(v) // exact below 32 ns
	}
	exp := bits.Len64(v) - 1 - subBucketBits // how far v is shifted to fit the step
	return (exp+1)*subBuckets + int(v>>exp) - subBuckets
}

// bucketLow returns the smallest duration of bucket i.
func bucketLow(i int) time.Duration {
	if i < subBuckets {
		return time.Duration(i)
	}
	exp := i/subBuckets - 1
	return time.Duration(uint64(i%subBuckets+subBuckets) << exp)
}

// Record adds one observation.
func (h *Histogram) Record(d time.Duration) {
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.counts[bucket(d)]++
	h.n++
	h.sum += d
}

// Merge adds o's observations to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.sum += o.sum
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.n }

// Mean returns the average observation.
func (h *Histogram) Mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// Max returns the largest observation.
func (h *Histogram) Max() time.Duration { return h.max }

// Quantile returns the q-quantile (0 ≤ q ≤ 1): the midpoint of the bucket
// holding the observation of rank ceil(q·n), clamped to the observed
// minimum and maximum.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo, hi := bucketLow(i), bucketLow(i+1)
			mid := lo + (hi-lo)/2
			return min(max(mid, h.min), h.max)
		}
	}
	return h.max
}

package load

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// TestBuckets: buckets are contiguous, increasing, and each holds the
// values it is the bucket of.
func TestBuckets(t *testing.T) {
	for i := 0; i < 57*subBuckets; i++ { // up to 2^58 ns, past nine years
		lo, hi := bucketLow(i), bucketLow(i+1)
		if hi <= lo {
			t.Fatalf("bucket %d: [%d, %d)", i, lo, hi)
		}
		if bucket(lo) != i || bucket(hi-1) != i {
			t.Fatalf("bucket %d [%d, %d): bucket(lo)=%d bucket(hi-1)=%d", i, lo, hi, bucket(lo), bucket(hi-1))
		}
	}
}

// TestQuantiles: against the exact quantiles of sorted samples, within
// the histogram's resolution (one bucket: 1/32 of the value).
func TestQuantiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	var h Histogram
	var xs []time.Duration
	for i := 0; i < 100_000; i++ {
		// Log-normal-ish latencies from 20 µs to 50 ms.
		d := time.Duration(20_000 * (1 + rng.ExpFloat64()*rng.ExpFloat64()*30))
		xs = append(xs, d)
		h.Record(d)
	}
	slices.Sort(xs)
	for _, q := range []float64{0, 0.5, 0.9, 0.99, 0.999, 1} {
		rank := int(float64(len(xs))*q+0.999999) - 1
		want := xs[max(rank, 0)]
		got := h.Quantile(q)
		if diff := (got - want).Abs(); float64(diff) > float64(want)/subBuckets {
			t.Errorf("q%.3f: %v, exact %v", q, got, want)
		}
	}
	if h.Count() != uint64(len(xs)) || h.Max() != xs[len(xs)-1] {
		t.Errorf("count %d max %v", h.Count(), h.Max())
	}
	var a, b Histogram
	for i, x := range xs {
		if i%2 == 0 {
			a.Record(x)
		} else {
			b.Record(x)
		}
	}
	a.Merge(&b)
	if a.Quantile(0.99) != h.Quantile(0.99) || a.Count() != h.Count() || a.Mean() != h.Mean() {
		t.Errorf("merged %v/%d, whole %v/%d", a.Quantile(0.99), a.Count(), h.Quantile(0.99), h.Count())
	}
}

func TestRecordAllocs(t *testing.T) {
	var h Histogram
	if n := testing.AllocsPerRun(1000, func() { h.Record(123456) }); n != 0 {
		t.Fatalf("%v allocations", n)
	}
}

package benchreport

import (
	"fmt"
	"io"
	"regexp"
	"slices"
	"sort"
	"strings"

	"golang.org/x/perf/benchmath"
)

// DefaultThreshold is the slowdown beyond which a statistically
// significant change fails the gate: 10 %.
const DefaultThreshold = 0.10

// A Change is the comparison of one benchmark between a baseline and a new
// run.
type Change struct {
	Key string
	// OldNs and NewNs are the median ns/op; Delta is NewNs/OldNs - 1.
	OldNs, NewNs, Delta float64
	// P is the Mann-Whitney U test's p-value (benchmath.AssumeNothing, as
	// benchstat computes it) of the two samples of ns/op.
	P float64
	// OldAllocs and NewAllocs are the median allocs/op.
	OldAllocs, NewAllocs float64
	// Slower: P < alpha and Delta > threshold. MoreAllocs: NewAllocs
	// above the largest allocs/op of the baseline's runs by more than the
	// threshold and half an allocation.
	Slower, MoreAllocs bool
	// Warnings from benchmath (too few samples for significance, …).
	Warnings []error
}

// Failed reports whether the change fails the gate.
func (c Change) Failed() bool { return c.Slower || c.MoreAllocs }

// A Verdict is the result of Compare.
type Verdict struct {
	Changes []Change
	// Missing lists the baseline's benchmarks absent from the new run;
	// Added the new run's absent from the baseline. Neither fails the
	// gate, but both are printed: refresh the baseline.
	Missing, Added []string
	Threshold      float64
	Alpha          float64
}

// Failed reports whether any benchmark is slower beyond noise or
// allocates more.
func (v *Verdict) Failed() bool {
	for _, c := range v.Changes {
		if c.Failed() {
			return true
		}
	}
	return false
}

// Compare compares every benchmark of the new run with the baseline:
// slower when the two samples of ns/op differ at p < 0.05 (Mann-Whitney U
// test, as benchstat) and the median is more than threshold (a fraction,
// 0.10 for 10 %) above the baseline's; worse in memory when the median
// allocs/op exceeds every run of the baseline by more than the threshold
// and half an allocation (0 → 1 fails, 16 → 17 does not).
func Compare(base, fresh *Set, threshold float64) *Verdict {
	thr := benchmath.DefaultThresholds
	v := &Verdict{Threshold: threshold, Alpha: thr.CompareAlpha}
	for _, nb := range fresh.Benches {
		ob := base.Lookup(nb.Key())
		if ob == nil {
			v.Added = append(v.Added, nb.Key())
			continue
		}
		c := Change{Key: nb.Key(), OldNs: Median(ob.NsOp), NewNs: Median(nb.NsOp), OldAllocs: Median(ob.AllocsOp), NewAllocs: Median(nb.AllocsOp)}
		if c.OldNs > 0 {
			c.Delta = c.NewNs/c.OldNs - 1
		}
		so, sn := benchmath.NewSample(ob.NsOp, &thr), benchmath.NewSample(nb.NsOp, &thr)
		cmp := benchmath.AssumeNothing.Compare(so, sn)
		c.P = cmp.P
		c.Warnings = append(c.Warnings, so.Warnings...)
		c.Warnings = append(c.Warnings, sn.Warnings...)
		c.Warnings = append(c.Warnings, cmp.Warnings...)
		c.Slower = cmp.P < cmp.Alpha && c.Delta > threshold
		// More allocations: the new median above the largest baseline run
		// by more than the threshold and half an allocation. Codec paths
		// allocate exactly 0, and 0 → 1 fails; paths that allocate vary by
		// a unit or so between runs (pools, GC, go test's truncated
		// allocs/op), which this absorbs.
		c.MoreAllocs = len(nb.AllocsOp) > 0 && len(ob.AllocsOp) > 0 &&
			c.NewAllocs > slices.Max(ob.AllocsOp)*(1+threshold)+0.5
		v.Changes = append(v.Changes, c)
	}
	for _, ob := range base.Benches {
		if fresh.Lookup(ob.Key()) == nil {
			v.Missing = append(v.Missing, ob.Key())
		}
	}
	sort.Strings(v.Missing)
	return v
}

// Write prints the verdict: every failing benchmark, then a one-line
// count; with all, every benchmark.
func (v *Verdict) Write(w io.Writer, all bool) error {
	ew := &errWriter{w: w}
	failed := 0
	for _, c := range v.Changes {
		if c.Failed() {
			failed++
		}
		if !all && !c.Failed() {
			continue
		}
		mark := "ok  "
		switch {
		case c.Slower && c.MoreAllocs:
			mark = "FAIL slower, more allocs"
		case c.Slower:
			mark = "FAIL slower"
		case c.MoreAllocs:
			mark = "FAIL more allocs"
		}
		fmt.Fprintf(ew, "%s %s: %s → %s (%+.1f%%, p=%.3f), allocs %.4g → %.4g\n", mark, c.Key, Duration(c.OldNs), Duration(c.NewNs), 100*c.Delta, c.P, c.OldAllocs, c.NewAllocs)
		for _, w := range c.Warnings {
			fmt.Fprintf(ew, "     note: %v\n", w)
		}
	}
	for _, k := range v.Missing {
		fmt.Fprintf(ew, "note: %s is in the baseline but not in this run (make bench-baseline)\n", k)
	}
	for _, k := range v.Added {
		fmt.Fprintf(ew, "note: %s is not in the baseline (make bench-baseline)\n", k)
	}
	verdict := "PASS"
	if failed > 0 {
		verdict = "FAIL"
	}
	fmt.Fprintf(ew, "%s: %d of %d benchmarks slower by more than %.0f%% at p < %.2f or allocating more than the baseline\n",
		verdict, failed, len(v.Changes), 100*v.Threshold, v.Alpha)
	return ew.err
}

// FailedNames returns the names of the failing benchmarks, in order.
func (v *Verdict) FailedNames() []string {
	var out []string
	for _, c := range v.Changes {
		if c.Failed() {
			_, name, _ := strings.Cut(c.Key, ".Benchmark")
			out = append(out, "Benchmark"+name)
		}
	}
	return out
}

// Only returns the benchmarks of s whose name is in names.
func (s *Set) Only(names []string) *Set {
	out := &Set{Config: s.Config, byName: map[string]*Bench{}}
	for _, b := range s.Benches {
		if slices.Contains(names, b.Name) {
			out.Benches = append(out.Benches, b)
			out.byName[b.Key()] = b
		}
	}
	return out
}

// BenchRegex returns a -bench pattern for go test that selects at least
// the named benchmarks: per level of the names ("/"-separated), the
// anchored alternation of the values found at that level. Names of
// different depths select by their top level only.
func BenchRegex(names []string) string {
	if len(names) == 0 {
		return "^$"
	}
	depth := strings.Count(names[0], "/") + 1
	for _, n := range names {
		if strings.Count(n, "/")+1 != depth {
			depth = 1
			break
		}
	}
	levels := make([][]string, depth)
	for _, n := range names {
		parts := strings.Split(n, "/")[:depth]
		for i, p := range parts {
			if !slices.Contains(levels[i], p) {
				levels[i] = append(levels[i], p)
			}
		}
	}
	var b strings.Builder
	for i, alts := range levels {
		if i > 0 {
			b.WriteByte('/')
		}
		b.WriteString("^(")
		for j, a := range alts {
			if j > 0 {
				b.WriteByte('|')
			}
			b.WriteString(regexp.QuoteMeta(a))
		}
		b.WriteString(")$")
	}
	return b.String()
}

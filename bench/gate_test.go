package bench

import (
	"flag"
	"fmt"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/bench/internal/benchreport"
)

// TestGateCatchesSlowdown proves the regression gate of make bench-check
// on real measurements: the walk path over the 100-item batch is
// benchmarked as it is and deliberately slowed (the message walked three
// times per operation), and the gate must fail the slowed run against the
// normal one as baseline — and pass the normal run against itself.
func TestGateCatchesSlowdown(t *testing.T) {
	if testing.Short() {
		t.Skip("SKIP: runs benchmarks")
	}
	if raceEnabled {
		t.Skip("SKIP: timings under -race say nothing about the code; make test runs this without -race")
	}
	// Short runs, as make bench-check's: restored when the test ends.
	old := flag.Lookup("test.benchtime").Value.String()
	if err := flag.Set("test.benchtime", "100ms"); err != nil {
		t.Fatal(err)
	}
	defer flag.Set("test.benchtime", old)
	corpus, paths := suite(t)
	var walk path
	for _, p := range paths {
		if p.name == "walk" {
			walk = p
		}
	}
	var msg *message
	for _, m := range walk.messages(corpus) {
		if m.Name == "get-batch-100" {
			msg = m
		}
	}
	if msg == nil {
		t.Fatal("no walk path over get-batch-100 in the suite")
	}
	op, size := walk.prepare(msg)
	slowed := threefold(op) // the injected slowdown
	const samples = 6       // as make bench-check (CHECKCOUNT)
	// The two sides alternate, sample by sample, as bench/check.sh runs
	// them: a load that comes and goes on a shared machine then lands on
	// both instead of on whichever side ran while it lasted.
	sample := func(w *strings.Builder, f func() error) {
		r := testing.Benchmark(func(b *testing.B) {
			b.SetBytes(int64(size))
			b.ReportAllocs()
			for b.Loop() {
				if err := f(); err != nil {
					b.Fatal(err)
				}
			}
		})
		// r.String() is "N\tns/op\tMB/s", as go test prints it.
		fmt.Fprintf(w, "BenchmarkCodec/path=walk/msg=get-batch-100-2\t%s\t%s\n", r.String(), r.MemString())
	}
	parse := func(out string) *benchreport.Set {
		s, err := benchreport.Parse(strings.NewReader(out), "run")
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		return s
	}
	// A machine busy with other work can put a stall into a few base
	// samples and leave the rank test short of p < 0.05 even for a
	// threefold slowdown; a gate that works catches it within three
	// attempts, a broken one in none.
	const attempts = 3
	var base *benchreport.Set
	for attempt := 1; ; attempt++ {
		var baseOut, slowOut strings.Builder
		for _, w := range []*strings.Builder{&baseOut, &slowOut} {
			w.WriteString("pkg: github.com/kmipwire/kmipwire/bench\n")
		}
		for range samples {
			sample(&baseOut, op)
			sample(&slowOut, slowed)
		}
		var slow *benchreport.Set
		base, slow = parse(baseOut.String()), parse(slowOut.String())
		v := benchreport.Compare(base, slow, benchreport.DefaultThreshold)
		if len(v.Changes) != 1 {
			t.Fatalf("gate compared %d benchmarks, want 1: %+v", len(v.Changes), v.Changes)
		}
		c := v.Changes[0]
		if c.Failed() {
			t.Logf("slowed: %.0f ns/op → %.0f ns/op (%+.0f%%, p = %.4f): fails (attempt %d)", c.OldNs, c.NewNs, 100*c.Delta, c.P, attempt)
			break
		}
		if attempt == attempts {
			t.Fatalf("gate passed a walk slowed threefold in %d attempts; the last: %+v", attempts, c)
		}
		t.Logf("attempt %d: the gate missed the slowdown (%+.0f%%, p = %.4f); retrying", attempt, 100*c.Delta, c.P)
	}
	if v := benchreport.Compare(base, base, benchreport.DefaultThreshold); v.Changes[0].Failed() {
		t.Errorf("gate failed a run against itself: %+v", v.Changes[0])
	}
}

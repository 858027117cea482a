package bench

import (
	"os"
	"testing"
)

// BenchmarkCodec runs every path over every corpus message it applies to,
// as BenchmarkCodec/path=P/msg=M.
//
// KMIPWIRE_BENCH_SLOWDOWN=P injects a slowdown for checking the regression
// gate end to end: path P does its work three times per operation, so
// `make bench-check KMIPWIRE_BENCH_SLOWDOWN=walk` must fail.
func BenchmarkCodec(b *testing.B) {
	corpus, paths := suite(b)
	slowed := os.Getenv("KMIPWIRE_BENCH_SLOWDOWN")
	for _, p := range paths {
		b.Run("path="+p.name, func(b *testing.B) {
			for _, m := range p.messages(corpus) {
				b.Run("msg="+m.Name, func(b *testing.B) {
					op, size := p.prepare(m)
					if p.name == slowed {
						op = threefold(op)
					}
					if err := op(); err != nil {
						b.Fatal(err)
					}
					b.SetBytes(int64(size))
					b.ReportAllocs()
					for b.Loop() {
						if err := op(); err != nil {
							b.Fatal(err)
						}
					}
					if m.items > 0 {
						b.ReportMetric(float64(m.items), "items/op")
					}
					if p.aliases && m.aliased > 0 {
						b.ReportMetric(float64(m.aliased), "aliased-B/op")
					}
				})
			}
		})
	}
}

// TestZeroAllocs is the allocation gate CI runs: every codec path, once
// warm, allocates nothing per message, for every corpus message. The
// server's paths only run once, for their errors.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("SKIP: allocation counts are meaningless under -cover")
	}
	if raceEnabled {
		t.Skip("SKIP: sync.Pool drops items at random under -race; make test runs this test without it")
	}
	corpus, paths := suite(t)
	for _, p := range paths {
		for _, m := range p.messages(corpus) {
			op, _ := p.prepare(m)
			if err := op(); err != nil {
				t.Errorf("path=%s/msg=%s: %v", p.name, m.Name, err)
				continue
			}
			if p.allocates {
				continue
			}
			runs := 20
			if len(m.bin) > 64<<10 {
				runs = 3
			}
			var err error
			n := testing.AllocsPerRun(runs, func() {
				if e := op(); e != nil {
					err = e
				}
			})
			if err != nil {
				t.Errorf("path=%s/msg=%s: %v", p.name, m.Name, err)
			}
			if n != 0 {
				t.Errorf("path=%s/msg=%s: %v allocations per message, want 0", p.name, m.Name, n)
			}
		}
	}
}

// TestPathsCover: every path runs on every message it applies to, and the
// suite covers the messages and paths the report expects.
func TestPathsCover(t *testing.T) {
	corpus, paths := suite(t)
	if len(corpus) < 6 {
		t.Fatalf("corpus has %d messages, want at least 6", len(corpus))
	}
	total := 0
	for _, p := range paths {
		n := len(p.messages(corpus))
		if n == 0 {
			t.Errorf("path %s applies to no message", p.name)
		}
		total += n
	}
	t.Logf("%d benchmarks", total)
}

// threefold returns op run three times: the injected slowdown.
func threefold(op func() error) func() error {
	return func() error {
		for range 3 {
			if err := op(); err != nil {
				return err
			}
		}
		return nil
	}
}

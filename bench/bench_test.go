package bench

import (
	"testing"
)

// BenchmarkCodec runs every path over every corpus message it applies to,
// as BenchmarkCodec/path=P/msg=M.
func BenchmarkCodec(b *testing.B) {
	corpus := loadCorpus(b)
	for _, p := range paths() {
		b.Run("path="+p.name, func(b *testing.B) {
			for i := range corpus {
				m := &corpus[i]
				if !p.applies(m) {
					continue
				}
				b.Run("msg="+m.Name, func(b *testing.B) {
					op, size := p.prepare(m)
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
				})
			}
		})
	}
}

// TestZeroAllocs is the allocation gate CI runs: every path, once warm,
// allocates nothing per message, for every corpus message.
func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("SKIP: allocation counts are meaningless under -cover")
	}
	corpus := loadCorpus(t)
	for _, p := range paths() {
		for i := range corpus {
			m := &corpus[i]
			if !p.applies(m) {
				continue
			}
			op, _ := p.prepare(m)
			if err := op(); err != nil {
				t.Errorf("path=%s/msg=%s: %v", p.name, m.Name, err)
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
	corpus := loadCorpus(t)
	if len(corpus) < 6 {
		t.Fatalf("corpus has %d messages, want at least 6", len(corpus))
	}
	total := 0
	for _, p := range paths() {
		n := 0
		for i := range corpus {
			if p.applies(&corpus[i]) {
				n++
			}
		}
		if n == 0 {
			t.Errorf("path %s applies to no message", p.name)
		}
		total += n
	}
	t.Logf("%d benchmarks", total)
}

// Package benchreport reads `go test -bench` output (the Go benchmark
// format, through golang.org/x/perf/benchfmt) and turns it into what
// `make bench` prints and draws — one row per benchmark with the median
// ns/op, MB/s and allocs/op, and an SVG bar chart of MB/s — and into the
// regression gate of `make bench-check`, which compares a fresh run with a
// baseline using benchstat's statistics (golang.org/x/perf/benchmath,
// Mann-Whitney U test).
//
// Benchmarks named Name/path=P/msg=M (see package bench) are grouped by
// path and message; other names are kept whole.
package benchreport

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// A Bench is every sample of one benchmark, in input order.
type Bench struct {
	// Name is the benchmark name without the GOMAXPROCS suffix,
	// "BenchmarkCodec/path=walk/msg=get".
	Name string
	// Pkg is the package the benchmark ran in, from the "pkg:" line.
	Pkg string
	// Path, Msg and Codec are the values of the path=, msg= and codec=
	// name parts, "" when absent (BenchmarkLimit's path is "limit").
	Path, Msg, Codec string
	// Procs is the GOMAXPROCS of the run (the name's -N suffix), 1 when
	// absent.
	Procs int
	// NsOp, MBs, BOp and AllocsOp hold one value per sample; MBs and the
	// two memory series are empty when the benchmark did not report them.
	NsOp, MBs, BOp, AllocsOp []float64
	// Extra holds the benchmark's own metrics (b.ReportMetric), by unit:
	// "items/op", "aliased-B/op".
	Extra map[string][]float64
}

// A Set is the benchmarks of one file, in first-seen order.
type Set struct {
	Benches []*Bench
	// Config holds the file configuration lines (goos, goarch, cpu, pkg),
	// the last value seen for each.
	Config map[string]string
	byName map[string]*Bench
}

// Lookup returns the benchmark of that name (package-qualified when
// several packages define it), or nil.
func (s *Set) Lookup(key string) *Bench { return s.byName[key] }

// Key identifies b across files: its package and name.
func (b *Bench) Key() string { return b.Pkg + "." + b.Name }

// Parse reads the Go benchmark format from r. fileName is used in error
// messages.
func Parse(r io.Reader, fileName string) (*Set, error) {
	s := &Set{Config: map[string]string{}, byName: map[string]*Bench{}}
	rd := benchfmt.NewReader(r, fileName)
	for rd.Scan() {
		switch rec := rd.Result().(type) {
		case *benchfmt.SyntaxError:
			return nil, fmt.Errorf("benchreport: %w", rec)
		case *benchfmt.Result:
			s.add(rec)
		}
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("benchreport: reading %s: %w", fileName, err)
	}
	return s, nil
}

func (s *Set) add(r *benchfmt.Result) {
	for _, c := range r.Config {
		if c.File {
			s.Config[c.Key] = string(c.Value)
		}
	}
	// benchfmt drops the "Benchmark" prefix; keep names as go test prints them.
	name, procs := splitProcs("Benchmark" + r.Name.String())
	pkg := r.GetConfig("pkg")
	key := pkg + "." + name
	b := s.byName[key]
	if b == nil {
		b = &Bench{Name: name, Pkg: pkg, Procs: procs}
		b.Path, b.Msg, b.Codec = namePart(name, "path"), namePart(name, "msg"), namePart(name, "codec")
		if b.Path == "" && strings.HasPrefix(name, "BenchmarkLimit/") {
			b.Path = "limit"
		}
		s.byName[key] = b
		s.Benches = append(s.Benches, b)
	}
	for _, v := range r.Values {
		switch v.Unit {
		case "sec/op":
			b.NsOp = append(b.NsOp, math.Round(v.Value*1e12)/1e3) // to ns, without binary noise
		case "B/s":
			b.MBs = append(b.MBs, v.Value/1e6)
		case "B/op":
			b.BOp = append(b.BOp, v.Value)
		case "allocs/op":
			b.AllocsOp = append(b.AllocsOp, v.Value)
		default:
			if b.Extra == nil {
				b.Extra = map[string][]float64{}
			}
			b.Extra[v.Unit] = append(b.Extra[v.Unit], v.Value)
		}
	}
}

// splitProcs splits "Name-8" into "Name" and 8.
func splitProcs(full string) (string, int) {
	i := strings.LastIndexByte(full, '-')
	if i < 0 || i == len(full)-1 {
		return full, 1
	}
	n := 0
	for _, c := range full[i+1:] {
		if c < '0' || c > '9' {
			return full, 1
		}
		n = n*10 + int(c-'0')
	}
	return full[:i], n
}

// namePart returns the value of the key=value part of a benchmark name.
func namePart(name, key string) string {
	for _, p := range strings.Split(name, "/")[1:] {
		if k, v, ok := strings.Cut(p, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// Median returns the median of xs, 0 for none. xs is not modified.
func Median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

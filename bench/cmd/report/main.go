// Command report summarises `go test -bench` output for `make bench` and
// gates regressions for `make bench-check`.
//
// Usage:
//
//	report [-svg chart.svg] [-load kmipload.json] [-peers PEERS [-findings F]] [FILE]
//	report -peers PEERS [-findings F]
//	report -check bench/baseline.txt [-threshold 10] [-v] [-failed F] [-only F] [FILE]
//	report -regex F
//
// FILE (default bench/out/latest.txt, "-" for standard input) holds the raw
// output of go test -bench. The first form prints one row per benchmark
// (median ns/op, MB/s, allocs/op) under a machine line (CPU model and
// features from github.com/klauspost/cpuid/v2, Go version, GOMAXPROCS), the
// load generator's row when -load names its output, and writes the SVG bar
// chart of MB/s. With -peers (the go test output of bench/peers, see
// make bench-peers) it adds the peer comparison: one row per path and
// message, kmipwire against the best peer, and under it the findings of
// the peer module's equivalence tests (-findings, their -v output); the
// peer table alone when no FILE is given. The second form compares FILE with the baseline (see
// bench/internal/benchreport.Compare) and exits 1 when a benchmark is slower
// beyond noise by more than -threshold percent or allocates more; -failed
// writes the failing names, -only restricts the comparison to names, and
// -regex turns names into a go test -bench pattern, which make bench-check
// uses to confirm failures with a second run.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"

	"github.com/klauspost/cpuid/v2"
	"github.com/kmipwire/kmipwire/bench/internal/benchreport"
)

func main() {
	svg := flag.String("svg", "", "write the SVG bar chart of MB/s to this file")
	load := flag.String("load", "", "file holding the output of cmd/kmipload -json, one run a line, shown as one row each")
	check := flag.String("check", "", "compare with this baseline file and exit 1 on a regression")
	threshold := flag.Float64("threshold", 100*benchreport.DefaultThreshold, "with -check: the slowdown, in percent, beyond which a significant change fails")
	verbose := flag.Bool("v", false, "with -check: print every benchmark, not only failures")
	failedOut := flag.String("failed", "", "with -check: write the names of the failing benchmarks to this file, one per line")
	only := flag.String("only", "", "with -check: compare only the benchmarks named in this file (as -failed writes it)")
	regex := flag.String("regex", "", "print a go test -bench pattern selecting the benchmarks named in this file, and exit")
	peers := flag.String("peers", "", "file holding the go test -bench output of bench/peers: print the peer comparison")
	findings := flag.String("findings", "", "with -peers: file holding the -v output of bench/peers' TestEquivalence and TestInterop")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: report [-svg FILE] [-load FILE] [-peers FILE [-findings FILE]] [FILE]\n       report -check BASELINE [-threshold PCT] [-v] [-failed FILE] [-only FILE] [FILE]\n       report -regex FILE")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *regex != "" {
		names, err := readNames(*regex)
		if err != nil {
			fatal(err)
		}
		fmt.Println(benchreport.BenchRegex(names))
		return
	}
	file := "bench/out/latest.txt"
	if flag.NArg() > 1 {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() == 1 {
		file = flag.Arg(0)
	}
	var peerSet *benchreport.Set
	var peerFindings *benchreport.Findings
	if *peers != "" {
		var err error
		if peerSet, err = parseFile(*peers); err != nil {
			fatal(err)
		}
		if *findings != "" {
			f, err := os.Open(*findings)
			if err != nil {
				fatal(err)
			}
			peerFindings, err = benchreport.ParseFindings(f)
			f.Close()
			if err != nil {
				fatal(err)
			}
		}
		if flag.NArg() == 0 {
			// The peer table alone (make bench-peers).
			if err := benchreport.WritePeerTable(os.Stdout, peerSet, peerFindings); err != nil {
				fatal(err)
			}
			return
		}
	}
	fresh, err := parseFile(file)
	if err != nil {
		fatal(err)
	}
	if len(fresh.Benches) == 0 {
		fatal(fmt.Errorf("no benchmark results in %s", file))
	}
	if *check != "" {
		base, err := parseFile(*check)
		if err != nil {
			fatal(err)
		}
		if *only != "" {
			names, err := readNames(*only)
			if err != nil {
				fatal(err)
			}
			base, fresh = base.Only(names), fresh.Only(names)
		}
		v := benchreport.Compare(base, fresh, *threshold/100)
		if err := v.Write(os.Stdout, *verbose); err != nil {
			fatal(err)
		}
		if *failedOut != "" {
			names := v.FailedNames()
			out := strings.Join(names, "\n")
			if len(names) > 0 {
				out += "\n"
			}
			if err := os.WriteFile(*failedOut, []byte(out), 0o644); err != nil {
				fatal(err)
			}
		}
		if v.Failed() {
			os.Exit(1)
		}
		return
	}
	m := machine(fresh)
	var loads []benchreport.Load
	if *load != "" {
		f, err := os.Open(*load)
		if err != nil {
			fatal(err)
		}
		loads, err = benchreport.ParseLoad(f)
		f.Close()
		if err != nil {
			fatal(err)
		}
	}
	if err := benchreport.WriteTable(os.Stdout, fresh, m, loads); err != nil {
		fatal(err)
	}
	if peerSet != nil {
		fmt.Println()
		if err := benchreport.WritePeerTable(os.Stdout, peerSet, peerFindings); err != nil {
			fatal(err)
		}
	}
	if *svg != "" {
		f, err := os.Create(*svg)
		if err != nil {
			fatal(err)
		}
		title := "kmipwire codec throughput per path (make bench)"
		if peerSet != nil {
			title = "kmipwire beside the best Go peer and the limit, per path and message (make bench)"
		}
		err = benchreport.WriteSVG(f, fresh, peerSet, title, m)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			fatal(err)
		}
		fmt.Printf("\nchart: %s\n", *svg)
	}
}

// readNames reads benchmark names, one per line.
func readNames(file string) ([]string, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return strings.Fields(string(data)), nil
}

func parseFile(name string) (*benchreport.Set, error) {
	var r io.Reader = os.Stdin
	if name != "-" {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		r = f
	}
	return benchreport.Parse(r, name)
}

// codecFeatures are the CPU features the Go compiler and runtime use on
// the codec's paths (memmove, bytes.Equal, UTF-8 and ASCII checks, bit
// manipulation), in the order printed.
var codecFeatures = []cpuid.FeatureID{
	cpuid.SSE2, cpuid.SSE3, cpuid.SSSE3, cpuid.SSE4, cpuid.SSE42, cpuid.POPCNT,
	cpuid.AVX, cpuid.AVX2, cpuid.BMI1, cpuid.BMI2, cpuid.ERMS, cpuid.FSRM,
	cpuid.AVX512F, cpuid.AVX512BW, cpuid.AVX512VL, cpuid.ASIMD,
}

// machine describes this machine; GOMAXPROCS comes from the benchmark
// names' suffix when the results carry one, as it is the run's.
func machine(s *benchreport.Set) benchreport.Machine {
	m := benchreport.Machine{
		CPU:        cpuid.CPU.BrandName,
		GoVersion:  runtime.Version(),
		GOOS:       runtime.GOOS,
		GOARCH:     runtime.GOARCH,
		GOMAXPROCS: runtime.GOMAXPROCS(0),
	}
	if m.CPU == "" {
		m.CPU = s.Config["cpu"]
	}
	if len(s.Benches) > 0 {
		m.GOMAXPROCS = s.Benches[0].Procs
	}
	for _, f := range codecFeatures {
		if cpuid.CPU.Supports(f) {
			m.Features = append(m.Features, f.String())
		}
	}
	m.Features = slices.Compact(m.Features)
	return m
}

func fatal(err error) {
	fmt.Fprintln(os.Stderr, "report:", err)
	os.Exit(1)
}

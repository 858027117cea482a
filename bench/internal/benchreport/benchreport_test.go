package benchreport

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

const header = "goos: linux\ngoarch: amd64\npkg: github.com/kmipwire/kmipwire/bench\ncpu: Test CPU @ 1.00GHz\n"

// synth writes benchmark output for one benchmark: one line per ns/op
// value, with the given allocs/op, for a 152-byte message.
func synth(name string, ns []float64, allocs int) string {
	var b strings.Builder
	for _, v := range ns {
		fmt.Fprintf(&b, "%s-2 \t 1000000\t %.1f ns/op\t %.2f MB/s\t %d B/op\t %d allocs/op\n", name, v, 152/v*1e3, 16*allocs, allocs)
	}
	return b.String()
}

func mustParse(t *testing.T, s string) *Set {
	t.Helper()
	set, err := Parse(strings.NewReader(s), "test")
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// base is ten runs around 100 ns with ±2 % noise.
var base = []float64{100, 101, 99, 102, 98, 100.5, 99.5, 101.5, 98.5, 100}

func scaled(xs []float64, f float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = x * f
	}
	return out
}

// TestGate: the regression gate fails on a 20 % slowdown and on more
// allocations, and passes on the same distribution, on noise, and on a
// significant change below the threshold.
func TestGate(t *testing.T) {
	const name = "BenchmarkCodec/path=walk/msg=get"
	baseline := mustParse(t, header+synth(name, base, 0))
	for _, tc := range []struct {
		name     string
		ns       []float64
		allocs   int
		fail     bool
		slower   bool
		moreAllc bool
	}{
		{"20% slower", scaled(base, 1.2), 0, true, true, false},
		{"equal", base, 0, false, false, false},
		{"noisy, same centre", []float64{92, 108, 95, 105, 99, 101, 90, 110, 97, 103}, 0, false, false, false},
		// Median 115 (+15 %), but 4 of 10 runs below the baseline's
		// range: p ≈ 0.45.
		{"noisy, median 15% slower, not significant", []float64{70, 150, 75, 145, 80, 140, 118, 112, 85, 130}, 0, false, false, false},
		{"5% slower, significant, below threshold", scaled(base, 1.05), 0, false, false, false},
		{"faster", scaled(base, 0.7), 0, false, false, false},
		{"more allocs", base, 1, true, false, true},
		{"20% slower and more allocs", scaled(base, 1.2), 2, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fresh := mustParse(t, header+synth(name, tc.ns, tc.allocs))
			v := Compare(baseline, fresh, DefaultThreshold)
			if len(v.Changes) != 1 {
				t.Fatalf("%d changes, want 1", len(v.Changes))
			}
			c := v.Changes[0]
			if tc.name == "noisy, median 15% slower, not significant" && (c.Delta < 0.1 || c.P < 0.05) {
				t.Fatalf("test case does not test what it says: delta %+.3f p %.3f", c.Delta, c.P)
			}
			if v.Failed() != tc.fail || c.Slower != tc.slower || c.MoreAllocs != tc.moreAllc {
				t.Errorf("failed %v slower %v more allocs %v (delta %+.3f p %.4f), want %v %v %v",
					v.Failed(), c.Slower, c.MoreAllocs, c.Delta, c.P, tc.fail, tc.slower, tc.moreAllc)
			}
			var out bytes.Buffer
			if err := v.Write(&out, true); err != nil {
				t.Fatal(err)
			}
			wantVerdict := "PASS:"
			if tc.fail {
				wantVerdict = "FAIL:"
			}
			if !strings.Contains(out.String(), wantVerdict) {
				t.Errorf("output lacks %q:\n%s", wantVerdict, out.String())
			}
		})
	}
}

// TestGateAllocNoise: a path that allocates a varying amount passes while
// its median stays near the baseline's runs, and fails well above them.
func TestGateAllocNoise(t *testing.T) {
	line := func(allocs ...int) string {
		var b strings.Builder
		for i, a := range allocs {
			fmt.Fprintf(&b, "BenchmarkServe-2 1000 %.1f ns/op %d allocs/op\n", base[i], a)
		}
		return header + b.String()
	}
	b := mustParse(t, line(16, 16, 17, 16, 17, 16))
	if v := Compare(b, mustParse(t, line(17, 16, 17, 17, 16, 17)), DefaultThreshold); v.Failed() {
		t.Errorf("allocs within the baseline's runs fail: %+v", v.Changes[0])
	}
	if v := Compare(b, mustParse(t, line(17, 17, 17, 17, 17, 17)), DefaultThreshold); v.Failed() {
		t.Errorf("one allocation more than the baseline's largest run fails: %+v", v.Changes[0])
	}
	if v := Compare(b, mustParse(t, line(20, 20, 20, 20, 21, 20)), DefaultThreshold); !v.Failed() {
		t.Error("allocs 18 % above every baseline run pass")
	}
}

// TestGateThreshold: the threshold is honoured: a significant 15 %
// slowdown fails at 10 % and passes at 20 %.
func TestGateThreshold(t *testing.T) {
	const name = "BenchmarkX"
	b := mustParse(t, header+synth(name, base, 0))
	n := mustParse(t, header+synth(name, scaled(base, 1.15), 0))
	if !Compare(b, n, 0.10).Failed() {
		t.Error("15% slower passes at threshold 10%")
	}
	if Compare(b, n, 0.20).Failed() {
		t.Error("15% slower fails at threshold 20%")
	}
}

// TestGateMissingAdded: benchmarks only in one file are listed, and do not
// fail the gate.
func TestGateMissingAdded(t *testing.T) {
	b := mustParse(t, header+synth("BenchmarkA", base, 0)+synth("BenchmarkB", base, 0))
	n := mustParse(t, header+synth("BenchmarkA", base, 0)+synth("BenchmarkC", base, 0))
	v := Compare(b, n, DefaultThreshold)
	if v.Failed() {
		t.Error("failed")
	}
	if len(v.Missing) != 1 || !strings.HasSuffix(v.Missing[0], ".BenchmarkB") || len(v.Added) != 1 || !strings.HasSuffix(v.Added[0], ".BenchmarkC") {
		t.Errorf("missing %v added %v", v.Missing, v.Added)
	}
}

func TestParse(t *testing.T) {
	in := header + synth("BenchmarkCodec/path=walk/msg=get", []float64{100, 300, 200}, 0) +
		"pkg: other\n" + synth("BenchmarkCodec/path=walk/msg=get", []float64{50}, 3) +
		"PASS\nok  \tgithub.com/kmipwire/kmipwire/bench\t1.0s\n"
	s := mustParse(t, in)
	if len(s.Benches) != 2 {
		t.Fatalf("%d benchmarks, want 2 (same name, two packages)", len(s.Benches))
	}
	b := s.Benches[0]
	if b.Name != "BenchmarkCodec/path=walk/msg=get" || b.Path != "walk" || b.Msg != "get" || b.Procs != 2 || b.Pkg != "github.com/kmipwire/kmipwire/bench" {
		t.Errorf("parsed %+v", b)
	}
	if len(b.NsOp) != 3 || Median(b.NsOp) != 200 || math.Abs(Median(b.MBs)-760) > 0.01 {
		t.Errorf("ns/op %v MB/s %v", b.NsOp, b.MBs)
	}
	r := s.Rows()[0]
	if r.Bytes != 152 || r.NsOp != 200 || r.AllocsOp != 0 || r.Sample != 3 {
		t.Errorf("row %+v", r)
	}
	if s.Config["cpu"] != "Test CPU @ 1.00GHz" {
		t.Errorf("cpu %q", s.Config["cpu"])
	}
	if s.Lookup("other.BenchmarkCodec/path=walk/msg=get").AllocsOp[0] != 3 {
		t.Error("second package's benchmark")
	}
	if _, err := Parse(strings.NewReader("BenchmarkX-2 1 zz ns/op\n"), "bad"); err == nil {
		t.Error("syntax error accepted")
	}
}

func TestMedian(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{3, 1, 2}, 2}, {[]float64{4, 1, 3, 2}, 2.5}} {
		in := append([]float64(nil), tc.in...)
		if got := Median(in); got != tc.want {
			t.Errorf("Median(%v) = %v, want %v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("Median modified its input")
			}
		}
	}
}

// withMetrics adds custom metrics to every line of synth's output.
func withMetrics(lines, metrics string) string {
	return strings.ReplaceAll(lines, " ns/op\t", " ns/op\t "+metrics+"\t")
}

func TestTableAndSVG(t *testing.T) {
	in := header + withMetrics(synth("BenchmarkCodec/path=walk/msg=get", []float64{100, 110}, 0), "10 items/op") +
		synth("BenchmarkCodec/path=walk/msg=big<&>", []float64{1000}, 0) +
		withMetrics(synth("BenchmarkCodec/path=decode-tree/msg=get", []float64{50}, 0), "100 aliased-B/op\t 10 items/op") +
		synth("BenchmarkCodec/path=to-json/msg=get", []float64{500}, 1) +
		synth("BenchmarkLimit/msg=get", []float64{25}, 0) +
		synth("BenchmarkOther", []float64{7}, 0)
	s := mustParse(t, in)
	m := Machine{CPU: "Test CPU", Features: []string{"AVX2"}, GoVersion: "go1.26", GOOS: "linux", GOARCH: "amd64", GOMAXPROCS: 2}
	var l []Load
	var err error
	if l, err = ParseLoad(strings.NewReader("starting\n{\"transport\":\"plain\",\"conns\":4,\"batch\":10,\"mix\":\"get=100\",\"elapsed_ns\":10000000000,\"messages_per_second\": 1234.5, \"items_per_second\": 5000, \"latency_ns\": {\"p50\": 1500, \"p90\": 2000, \"p99\": 90000, \"p99_9\": 1200000}}\n")); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, s, m, l); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"machine: Test CPU, go1.26 linux/amd64, GOMAXPROCS 2\nfeatures: AVX2\n",
		// 1.45 GB/s over a 6.08 GB/s limit; 10 items in 105 ns.
		"walk            get        152    105ns   1.45 GB/s      24 %   95.2 M          0     2\n",
		// Most of the message aliased: no MB/s, no fraction, items/s.
		"decode-tree     get        152     50ns     aliased              200 M          0     1\n",
		"to-json         get        152    500ns    304 MB/s       5 %        -          1     1\n",
		"limit           get        152     25ns   6.08 GB/s                  -          0     1\n",
		"BenchmarkOther",
		"of limit: the path's MB/s over its message's BenchmarkLimit",
		"aliased: most of the message is Byte String values",
		"(cmd/kmipload, loopback, 10.0 s, plain, 4 conns, batch 10, mix get=100): 1234 messages/s, 5000 items/s, latency p50 1.5µs p90 2µs p99 90µs p99.9 1.2ms",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, out.String())
		}
	}
	out.Reset()
	if err := WriteSVG(&out, s, nil, "title", m); err != nil {
		t.Fatal(err)
	}
	svg := out.String()
	// walk×2, to-json and limit drawn; the aliased decode-tree row not.
	if !strings.HasPrefix(svg, "<svg ") || !strings.HasSuffix(svg, "</svg>\n") || strings.Count(svg, "<rect x=\"110\"") != 4 ||
		!strings.Contains(svg, "big&lt;&amp;&gt;") || strings.Contains(svg, "BenchmarkOther") || strings.Contains(svg, "decode-tree") {
		t.Errorf("chart:\n%s", svg)
	}
	if err := WriteSVG(&out, mustParse(t, header+synth("BenchmarkOther", []float64{7}, 0)), nil, "t", m); err == nil {
		t.Error("chart without path benchmarks: no error")
	}
	if _, err := ParseLoad(strings.NewReader("no json\n")); err == nil {
		t.Error("ParseLoad without JSON: no error")
	}
	if _, err := ParseLoad(strings.NewReader("{\"conns\": 1}\n{\"conns\": \"x\"}\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("ParseLoad with a bad second line: %v, want an error naming line 2", err)
	}
}

// TestLoadRows: several runs of the load generator (make bench runs it at
// 1, 16 and 64 connections) become one row each, by connection count.
func TestLoadRows(t *testing.T) {
	var in strings.Builder
	for _, r := range []struct {
		conns          int
		rate, p50, p99 float64
	}{{1, 40000, 23000, 46000}, {16, 52000, 250000, 900000}, {64, 59000, 970000, 4800000}} {
		fmt.Fprintf(&in, "log line\n{\"transport\":\"tls\",\"conns\":%d,\"batch\":1,\"mix\":\"encrypt=100\",\"elapsed_ns\":1e10,\"messages_per_second\":%g,\"items_per_second\":%g,\"latency_ns\":{\"p50\":%g,\"p90\":%g,\"p99\":%g,\"p99_9\":%g}}\n",
			r.conns, r.rate, r.rate, r.p50, r.p50, r.p99, r.p99)
	}
	loads, err := ParseLoad(strings.NewReader(in.String()))
	if err != nil {
		t.Fatal(err)
	}
	if len(loads) != 3 {
		t.Fatalf("%d runs, want 3", len(loads))
	}
	// make bench runs each connection count at each GOMAXPROCS of
	// LOADPROCSET; a run that reports its Ps says so in its setting.
	more, err := ParseLoad(strings.NewReader(`{"transport":"tls","conns":16,"batch":1,"mix":"encrypt=100","procs":1,"elapsed_ns":1e10,"messages_per_second":116000,"items_per_second":116000,"latency_ns":{"p50":133000,"p90":141000,"p99":182000,"p99_9":356000}}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	loads = append(loads, more...)
	var out bytes.Buffer
	if err := WriteTable(&out, mustParse(t, header+synth("BenchmarkOther", []float64{7}, 0)), Machine{}, loads); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"conns  setting                                              messages/s  items/s    p50    p90    p99  p99.9\n",
		"1      10.0 s, tls, batch 1, mix encrypt=100                      40 k     40 k   23µs   23µs   46µs   46µs\n",
		"64     10.0 s, tls, batch 1, mix encrypt=100                      59 k     59 k  970µs  970µs  4.8ms  4.8ms\n",
		"16     10.0 s, tls, batch 1, mix encrypt=100, GOMAXPROCS 1       116 k    116 k  133µs  141µs  182µs  356µs\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestLoadLabel: a run's label (kmipload -label, which make bench gives
// the runs against kmipd as a process of its own) ends its setting.
func TestLoadLabel(t *testing.T) {
	loads, err := ParseLoad(strings.NewReader(`{"label":"kmipd a process, pinned","transport":"tls","conns":16,"batch":1,"mix":"encrypt=100","procs":1,"elapsed_ns":1e10,"messages_per_second":67000,"items_per_second":67000,"latency_ns":{"p50":230000,"p90":390000,"p99":471000,"p99_9":1200000}}` + "\n" +
		`{"transport":"tls","conns":16,"batch":1,"mix":"encrypt=100","procs":1,"elapsed_ns":1e10,"messages_per_second":44000,"items_per_second":44000,"latency_ns":{"p50":356000,"p90":389000,"p99":532000,"p99_9":827000}}` + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := WriteTable(&out, mustParse(t, header+synth("BenchmarkOther", []float64{7}, 0)), Machine{}, loads); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server in process unless the setting says otherwise", "mix encrypt=100, GOMAXPROCS 1, kmipd a process, pinned  ", "471µs"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Count(out.String(), "pinned") != 1 {
		t.Errorf("the label is on more than its own run:\n%s", out.String())
	}
}

// TestPeerSVG: with peer results the chart pairs kmipwire with the best
// peer per path and message and ticks the message's limit.
func TestPeerSVG(t *testing.T) {
	const p = "BenchmarkPeers/path=to-json/msg=get"
	peers := mustParse(t, header+
		synth(p+"/codec=kmipwire", []float64{100}, 0)+
		synth(p+"/codec=gemalto", []float64{2000}, 12)+
		synth(p+"/codec=ovh", []float64{1000}, 30)+
		synth("BenchmarkPeers/path=walk/msg=get/codec=kmipwire", []float64{10}, 0))
	suite := mustParse(t, header+synth("BenchmarkLimit/msg=get", []float64{25}, 0)+
		withMetrics(synth("BenchmarkCodec/path=walk/msg=get", []float64{10}, 0), "100 aliased-B/op"))
	var out bytes.Buffer
	if err := WriteSVG(&out, suite, peers, "title", Machine{}); err != nil {
		t.Fatal(err)
	}
	svg := out.String()
	for _, want := range []string{"to-json · get, kmipwire: 1.52 GB/s", "to-json · get, ovh: 152 MB/s", "limit get: 6.08 GB/s"} {
		if !strings.Contains(svg, want) {
			t.Errorf("chart lacks %q:\n%s", want, svg)
		}
	}
	if strings.Contains(svg, "walk · get") {
		t.Errorf("chart draws the aliased walk row:\n%s", svg)
	}
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct{ got, want string }{
		{Duration(368.7), "369ns"}, {Duration(10772), "10.8µs"}, {Duration(3605734), "3.61ms"}, {Duration(2.5e9), "2.5s"},
		{Throughput(412.27), "412 MB/s"}, {Throughput(5268.08), "5.27 GB/s"}, {Throughput(2621322.75), "2.62 TB/s"},
		{count(152), "152"}, {count(48153), "48153"}, {count(1048700), "1.00 MiB"}, {count(200000), "195 KiB"},
	} {
		if tc.got != tc.want {
			t.Errorf("got %q, want %q", tc.got, tc.want)
		}
	}
}

// TestConfirm: the failing names of a verdict, the regex that selects
// them again for go test, and Only to compare just those.
func TestConfirm(t *testing.T) {
	b := mustParse(t, header+synth("BenchmarkCodec/path=walk/msg=get", base, 0)+
		synth("BenchmarkCodec/path=split/msg=get-batch-100", base, 0)+synth("BenchmarkCodec/path=walk/msg=big", base, 0))
	n := mustParse(t, header+synth("BenchmarkCodec/path=walk/msg=get", scaled(base, 1.3), 0)+
		synth("BenchmarkCodec/path=split/msg=get-batch-100", scaled(base, 1.3), 0)+synth("BenchmarkCodec/path=walk/msg=big", base, 0))
	v := Compare(b, n, DefaultThreshold)
	failed := v.FailedNames()
	if want := []string{"BenchmarkCodec/path=walk/msg=get", "BenchmarkCodec/path=split/msg=get-batch-100"}; !slices.Equal(failed, want) {
		t.Fatalf("failed %q, want %q", failed, want)
	}
	re := BenchRegex(failed)
	if want := `^(BenchmarkCodec)$/^(path=walk|path=split)$/^(msg=get|msg=get-batch-100)$`; re != want {
		t.Errorf("regex %q, want %q", re, want)
	}
	if got := BenchRegex([]string{"BenchmarkA/x", "BenchmarkB"}); got != `^(BenchmarkA|BenchmarkB)$` {
		t.Errorf("mixed depths: %q", got)
	}
	only := Compare(b.Only(failed), n.Only(failed), DefaultThreshold)
	if len(only.Changes) != 2 || len(only.Missing) != 0 || !only.Failed() {
		t.Errorf("Only: %d changes, missing %v", len(only.Changes), only.Missing)
	}
}

// TestPeerTable: the peer rows pair kmipwire with the fastest peer, the
// ratio is the last column, a path taken through a tree is marked, and
// the findings are printed under the table.
func TestPeerTable(t *testing.T) {
	const p = "BenchmarkPeers/path=to-json/msg=get"
	s := mustParse(t, header+
		synth(p+"/codec=kmipwire", []float64{100, 110, 90}, 0)+
		synth(p+"/codec=gemalto", []float64{2000, 2100, 1900}, 12)+
		synth(p+"/codec=ovh", []float64{1000, 1100, 900}, 30))
	rows := s.PeerRows()
	if len(rows) != 1 || rows[0].BestCodec != "ovh" || rows[0].Others["gemalto"] == nil {
		t.Fatalf("rows %+v", rows)
	}
	if r := rows[0].Ratio(); math.Abs(r-10) > 1e-9 {
		t.Errorf("ratio %v, want 10", r)
	}
	f, err := ParseFindings(strings.NewReader(
		"    suite_test.go:1: codec: ovh github.com/ovh/kmip-go v0.9.2\n" +
			"    suite_test.go:2: route: ovh to-json tree\n" +
			"    suite_test.go:3: n/a: gemalto typed-marshal get: no such type\n" +
			"    suite_test.go:4: finding: ovh reads-kmipwire json get: Unknown enum value\n"))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WritePeerTable(&b, s, f); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"ovh: github.com/ovh/kmip-go v0.9.2", "ovh (tree)", "30          10.0x\n", "n/a gemalto typed-marshal get: no such type", "ovh reads-kmipwire json get: Unknown enum value"} {
		if !strings.Contains(out, want) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	for _, r := range []struct {
		x    float64
		want string
	}{{12.54, "12.5x"}, {1.071, "1.07x"}, {128.4, "128x"}} {
		if got := Ratio(r.x); got != r.want {
			t.Errorf("Ratio(%v) = %q, want %q", r.x, got, r.want)
		}
	}
}

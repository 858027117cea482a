package benchreport

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"unicode/utf8"
)

// Machine describes where the benchmarks ran, for the report's header.
type Machine struct {
	CPU        string   // model name
	Features   []string // the CPU features that matter to the codec
	GoVersion  string   // runtime.Version()
	GOOS       string
	GOARCH     string
	GOMAXPROCS int
}

// String is the report's machine line — CPU, Go version, platform,
// GOMAXPROCS — and, on a second line, the CPU features.
func (m Machine) String() string {
	s := fmt.Sprintf("%s, %s %s/%s, GOMAXPROCS %d", m.CPU, m.GoVersion, m.GOOS, m.GOARCH, m.GOMAXPROCS)
	if len(m.Features) > 0 {
		s += "\nfeatures: " + strings.Join(m.Features, " ")
	}
	return s
}

// Load is the result of one run of the load generator (cmd/kmipload
// -json): one JSON object.
type Load struct {
	Label             string  `json:"label"` // kmipload -label: where the server ran, when not in process
	Transport         string  `json:"transport"`
	Conns             int     `json:"conns"`
	Batch             int     `json:"batch"`
	Mix               string  `json:"mix"`
	Procs             int     `json:"procs"` // GOMAXPROCS of the run (0: not reported)
	ElapsedNs         float64 `json:"elapsed_ns"`
	MessagesPerSecond float64 `json:"messages_per_second"`
	ItemsPerSecond    float64 `json:"items_per_second"`
	LatencyNs         struct {
		P50  float64 `json:"p50"`
		P90  float64 `json:"p90"`
		P99  float64 `json:"p99"`
		P999 float64 `json:"p99_9"`
	} `json:"latency_ns"`
}

// setting describes the run: ", 10 s, plain, 4 conns, batch 10, mix …"
// with what the output gave.
func (l *Load) setting() string {
	var s string
	if l.ElapsedNs > 0 {
		s += fmt.Sprintf(", %.1f s", l.ElapsedNs/1e9)
	}
	if l.Transport != "" {
		s += ", " + l.Transport
	}
	if l.Conns > 0 {
		s += fmt.Sprintf(", %d conns", l.Conns)
	}
	if l.Batch > 0 {
		s += fmt.Sprintf(", batch %d", l.Batch)
	}
	if l.Mix != "" {
		s += ", mix " + l.Mix
	}
	if l.Procs > 0 {
		s += fmt.Sprintf(", GOMAXPROCS %d", l.Procs)
	}
	if l.Label != "" {
		s += ", " + l.Label
	}
	return s
}

// ParseLoad reads the load generator's output and decodes every line
// that holds a JSON object, one run each (the tool may log other lines
// between them): make bench runs it at 1, 16 and 64 connections.
func ParseLoad(r io.Reader) ([]Load, error) {
	var loads []Load
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] != '{' {
			continue
		}
		var l Load
		if err := json.Unmarshal(line, &l); err != nil {
			return nil, fmt.Errorf("benchreport: load generator output, line %d: %w", n, err)
		}
		loads = append(loads, l)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("benchreport: reading load output: %w", err)
	}
	if loads == nil {
		return nil, fmt.Errorf("benchreport: no JSON object in the load generator's output")
	}
	return loads, nil
}

// writeLoads writes the load generator's runs: one line for one run, a
// table by connection count for several.
func writeLoads(w io.Writer, loads []Load) {
	if len(loads) == 1 {
		l := &loads[0]
		fmt.Fprintf(w, "\nload generator (cmd/kmipload, loopback%s): %.0f messages/s, %.0f items/s, latency p50 %s p90 %s p99 %s p99.9 %s\n",
			l.setting(), l.MessagesPerSecond, l.ItemsPerSecond, Duration(l.LatencyNs.P50), Duration(l.LatencyNs.P90), Duration(l.LatencyNs.P99), Duration(l.LatencyNs.P999))
		return
	}
	fmt.Fprintf(w, "\nload generator (cmd/kmipload, loopback, server in process unless the setting says otherwise), one run per row\n")
	table := [][]string{{"conns", "setting", "messages/s", "items/s", "p50", "p90", "p99", "p99.9"}}
	for i := range loads {
		l := loads[i]
		conns := l.Conns
		l.Conns = 0 // in its own column
		table = append(table, []string{fmt.Sprint(conns), strings.TrimPrefix(l.setting(), ", "),
			Count(l.MessagesPerSecond), Count(l.ItemsPerSecond),
			Duration(l.LatencyNs.P50), Duration(l.LatencyNs.P90), Duration(l.LatencyNs.P99), Duration(l.LatencyNs.P999)})
	}
	writeColumns(w, table, 2)
}

// Row is the summary of one benchmark: medians over its samples.
type Row struct {
	*Bench
	NsOp, MBs, AllocsOp, BOp float64
	// Bytes is the size one operation processes, from MB/s × ns/op.
	Bytes  float64
	Sample int
	// Items is the message's item count (the benchmark's items/op),
	// Aliased the bytes the path steps over without reading them
	// (aliased-B/op); 0 when not reported.
	Items, Aliased float64
}

// IsAliased reports whether most of the row's bytes are values the path
// steps over without reading them: its MB/s then measures the message's
// layout, not the path's speed, and the report gives items/s instead.
func (r Row) IsAliased() bool { return r.Bytes > 0 && r.Aliased >= r.Bytes/2 }

// ItemsPerSec is the row's items per second, 0 when it reports no items.
func (r Row) ItemsPerSec() float64 {
	if r.Items <= 0 || r.NsOp <= 0 {
		return 0
	}
	return r.Items / r.NsOp * 1e9
}

// Rows summarises every benchmark of s, in order.
func (s *Set) Rows() []Row {
	rows := make([]Row, 0, len(s.Benches))
	for _, b := range s.Benches {
		r := Row{Bench: b, NsOp: Median(b.NsOp), MBs: Median(b.MBs), AllocsOp: Median(b.AllocsOp), BOp: Median(b.BOp), Sample: len(b.NsOp),
			Items: Median(b.Extra["items/op"]), Aliased: Median(b.Extra["aliased-B/op"])}
		if len(b.MBs) == len(b.NsOp) {
			per := make([]float64, len(b.MBs))
			for i := range per {
				per[i] = b.MBs[i] * b.NsOp[i] / 1e3
			}
			r.Bytes = math.Round(Median(per))
		}
		rows = append(rows, r)
	}
	return rows
}

// WriteTable writes the report a person reads at a glance: the machine,
// then one row per benchmark (path and message when the name has them)
// with the median time, throughput and allocations, then the load
// generator's runs, if any.
func WriteTable(w io.Writer, s *Set, m Machine, loads []Load) error {
	ew := &errWriter{w: w}
	fmt.Fprintf(ew, "machine: %s\n", m)
	if cpu := s.Config["cpu"]; cpu != "" && cpu != m.CPU {
		fmt.Fprintf(ew, "cpu (go test): %s\n", cpu)
	}
	rows := s.Rows()
	n := 0
	for _, r := range rows {
		n = max(n, r.Sample)
	}
	fmt.Fprintf(ew, "medians of up to %d runs per benchmark\n\n", n)
	limit := s.Limits()
	table := [][]string{{"path", "message", "bytes", "time/op", "throughput", "of limit", "items/s", "allocs/op", "runs"}}
	aliased := false
	for _, r := range rows {
		path, msg := r.Path, r.Msg
		if path == "" {
			path, msg = r.Name, ""
		}
		tp, frac := Throughput(r.MBs), ""
		if r.IsAliased() {
			tp, aliased = "aliased", true
		} else if l := limit[r.Msg]; l > 0 && r.Path != "limit" && r.MBs > 0 {
			frac = fmt.Sprintf("%.0f %%", 100*r.MBs/l)
		}
		table = append(table, []string{path, msg, count(r.Bytes), Duration(r.NsOp), tp, frac, Count(r.ItemsPerSec()), allocs(r), fmt.Sprint(r.Sample)})
	}
	writeColumns(ew, table, 2)
	if len(limit) > 0 {
		fmt.Fprintln(ew, "\nof limit: the path's MB/s over its message's BenchmarkLimit (the message read at memory speed, an 8-byte-stride scan)")
	}
	if aliased {
		fmt.Fprintln(ew, "aliased: most of the message is Byte String values the path steps over without reading them (it checks their length and hands out a sub-slice); its MB/s would measure the layout, not the path, so compare items/s")
	}
	if len(loads) > 0 {
		writeLoads(ew, loads)
	}
	return ew.err
}

// count formats a byte count: exact below 100 000 (as MB/s × ns/op
// gives it, which is exact there), else in KiB or MiB.
func count(x float64) string {
	switch {
	case x == 0:
		return "-"
	case x < 1e5:
		return fmt.Sprintf("%.0f", x)
	case x < 1<<20-1<<10:
		return fmt.Sprintf("%.0f KiB", x/(1<<10))
	}
	return fmt.Sprintf("%.2f MiB", x/(1<<20))
}

// Limits maps each message to the median MB/s of its BenchmarkLimit row.
func (s *Set) Limits() map[string]float64 {
	out := map[string]float64{}
	for _, r := range s.Rows() {
		if r.Path == "limit" && r.MBs > 0 {
			out[r.Msg] = r.MBs
		}
	}
	return out
}

// Count formats a rate with three significant digits and a k, M or G
// suffix: "812", "3.41 M", "1.20 G"; "-" for 0.
func Count(x float64) string {
	switch {
	case x == 0:
		return "-"
	case x < 1e3:
		return fmt.Sprintf("%.3g", x)
	case x < 1e6:
		return fmt.Sprintf("%.3g k", x/1e3)
	case x < 1e9:
		return fmt.Sprintf("%.3g M", x/1e6)
	}
	return fmt.Sprintf("%.3g G", x/1e9)
}

func allocs(r Row) string {
	if len(r.Bench.AllocsOp) == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", r.AllocsOp)
}

// Duration formats nanoseconds with three significant digits: "368ns",
// "10.8µs", "3.61ms", "1.20s".
func Duration(ns float64) string {
	switch {
	case ns == 0:
		return "-"
	case ns < 1e3:
		return fmt.Sprintf("%.3gns", ns)
	case ns < 1e6:
		return fmt.Sprintf("%.3gµs", ns/1e3)
	case ns < 1e9:
		return fmt.Sprintf("%.3gms", ns/1e6)
	}
	return fmt.Sprintf("%.3gs", ns/1e9)
}

// Throughput formats MB/s (10^6 bytes per second, as go test reports it)
// with three significant digits, in MB/s, GB/s or TB/s.
func Throughput(mbs float64) string {
	switch {
	case mbs == 0:
		return "-"
	case mbs < 1e3:
		return fmt.Sprintf("%.3g MB/s", mbs)
	case mbs < 1e6:
		return fmt.Sprintf("%.3g GB/s", mbs/1e3)
	}
	return fmt.Sprintf("%.3g TB/s", mbs/1e6)
}

type errWriter struct {
	w   io.Writer
	err error
}

func (e *errWriter) Write(p []byte) (int, error) {
	if e.err != nil {
		return 0, e.err
	}
	n, err := e.w.Write(p)
	e.err = err
	return n, err
}

// writeColumns writes rows as a table: the first left columns aligned
// left, the others right, two spaces apart.
func writeColumns(w io.Writer, rows [][]string, left int) {
	var width []int
	for _, r := range rows {
		for i, c := range r {
			if i == len(width) {
				width = append(width, 0)
			}
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	var line []byte
	for _, r := range rows {
		line = line[:0]
		for i, c := range r {
			pad := width[i] - utf8.RuneCountInString(c)
			if i > 0 {
				line = append(line, "  "...)
			}
			if i >= left {
				line = append(line, strings.Repeat(" ", pad)...)
			}
			line = append(line, c...)
			if i < left && i < len(r)-1 {
				line = append(line, strings.Repeat(" ", pad)...)
			}
		}
		line = append(line, '\n')
		w.Write(line)
	}
}

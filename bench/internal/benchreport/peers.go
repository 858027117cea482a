package benchreport

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Findings is what the peer module's tests (bench/peers TestEquivalence
// and TestInterop, run with -v) say beside the figures: each codec's
// library and version, which paths a codec takes through its generic tree,
// and what they saw a peer get wrong.
type Findings struct {
	// About maps a codec to its library and version ("codec: NAME ABOUT").
	About map[string]string
	// Via maps "CODEC PATH" to how the codec takes the path when it is
	// not directly: "tree" ("route: CODEC PATH tree").
	Via map[string]string
	// NA maps "CODEC PATH MSG" or "CODEC PATH" to why the codec cannot
	// take the path ("n/a: CODEC PATH [MSG]: WHY").
	NA map[string]string
	// Notes are the "finding:" lines, in order: "CODEC WHAT MSG: TEXT".
	Notes []string
}

// ParseFindings reads the -v output of the peer module's tests: every
// line holding "codec: ", "route: ", "n/a: " or "finding: " (t.Logf
// prefixes them with the file and line).
func ParseFindings(r io.Reader) (*Findings, error) {
	f := &Findings{About: map[string]string{}, Via: map[string]string{}, NA: map[string]string{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if _, rest, ok := strings.Cut(line, "finding: "); ok {
			f.Notes = append(f.Notes, rest)
		} else if _, rest, ok := strings.Cut(line, "codec: "); ok {
			name, about, _ := strings.Cut(rest, " ")
			f.About[name] = about
		} else if _, rest, ok := strings.Cut(line, "route: "); ok {
			fs := strings.Fields(rest)
			if len(fs) == 3 {
				f.Via[fs[0]+" "+fs[1]] = fs[2]
			}
		} else if _, rest, ok := strings.Cut(line, "n/a: "); ok {
			k, why, _ := strings.Cut(rest, ": ")
			f.NA[k] = why
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("benchreport: reading the peer findings: %w", err)
	}
	return f, nil
}

// PeerRow is one line of the peer comparison: a path over a message,
// kmipwire against the fastest peer.
type PeerRow struct {
	Path, Msg string
	Ours      *Row // kmipwire, nil when absent
	// Best is the fastest peer's row, BestCodec its name ("" when no
	// peer took the path).
	Best      *Row
	BestCodec string
	// Others are the other peers' rows, by codec name.
	Others map[string]*Row
}

// Ratio is kmipwire's throughput over the best peer's, 0 when either is
// missing.
func (p PeerRow) Ratio() float64 {
	if p.Ours == nil || p.Best == nil || p.Best.MBs <= 0 {
		return 0
	}
	return p.Ours.MBs / p.Best.MBs
}

// PeerRows groups the codec=… benchmarks of s by path and message, in
// first-seen order.
func (s *Set) PeerRows() []PeerRow {
	var out []PeerRow
	index := map[string]int{}
	rows := s.Rows()
	for i := range rows {
		r := &rows[i]
		if r.Codec == "" || r.Path == "" {
			continue
		}
		k := r.Path + " " + r.Msg
		j, ok := index[k]
		if !ok {
			j = len(out)
			index[k] = j
			out = append(out, PeerRow{Path: r.Path, Msg: r.Msg, Others: map[string]*Row{}})
		}
		p := &out[j]
		switch {
		case r.Codec == "kmipwire":
			p.Ours = r
		case p.Best == nil || r.MBs > p.Best.MBs:
			if p.Best != nil {
				p.Others[p.BestCodec] = p.Best
			}
			p.Best, p.BestCodec = r, r.Codec
		default:
			p.Others[r.Codec] = r
		}
	}
	return out
}

// WritePeerTable writes the peer comparison: one row per path and message
// with kmipwire's MB/s and allocations, the best peer's, and the ratio
// last; then what the equivalence tests found. f may be nil.
func WritePeerTable(w io.Writer, s *Set, f *Findings) error {
	if f == nil {
		f = &Findings{}
	}
	ew := &errWriter{w: w}
	rows := s.PeerRows()
	if len(rows) == 0 {
		return fmt.Errorf("benchreport: no codec=… benchmark in the peer results")
	}
	n := 0
	for _, p := range rows {
		for _, r := range append(peerRowsOf(p), p.Ours) {
			if r != nil {
				n = max(n, r.Sample)
			}
		}
	}
	fmt.Fprintf(ew, "peer comparison (bench/peers): MB/s of the binary message's bytes on every path, medians of up to %d rounds, codecs alternating within each round\n", n)
	var names []string
	for c := range f.About {
		names = append(names, c)
	}
	sort.Strings(names)
	for _, c := range names {
		fmt.Fprintf(ew, "  %s: %s\n", c, f.About[c])
	}
	fmt.Fprintln(ew, `  "(tree)": the peer has no direct way and goes through its generic tree; n/a: no such path`)
	fmt.Fprintln(ew)
	table := [][]string{{"path", "message", "kmipwire", "allocs", "best peer", "MB/s", "allocs", "kmipwire/peer"}}
	for _, p := range rows {
		line := []string{p.Path, p.Msg, "n/a", "", "n/a", "", "", ""}
		if p.Ours != nil {
			line[2], line[3] = Throughput(p.Ours.MBs), allocs(*p.Ours)
		}
		if p.Best != nil {
			name := p.BestCodec
			if via := f.Via[p.BestCodec+" "+p.Path]; via != "" {
				name += " (" + via + ")"
			}
			line[4], line[5], line[6] = name, Throughput(p.Best.MBs), allocs(*p.Best)
		}
		if r := p.Ratio(); r > 0 {
			line[7] = Ratio(r)
		}
		table = append(table, line)
	}
	writeColumns(ew, table, 2)
	if len(f.Notes) > 0 || len(f.NA) > 0 {
		fmt.Fprintln(ew, "\nwhat the equivalence tests (bench/peers TestEquivalence, TestInterop) see the peers get wrong:")
		for _, k := range sortedKeys(f.NA) {
			fmt.Fprintf(ew, "  n/a %s: %s\n", k, f.NA[k])
		}
		for _, note := range f.Notes {
			fmt.Fprintf(ew, "  %s\n", note)
		}
	}
	return ew.err
}

func peerRowsOf(p PeerRow) []*Row {
	out := []*Row{p.Best}
	for _, r := range p.Others {
		out = append(out, r)
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Ratio formats a speed ratio: "12.5x", "1.07x", "128x".
func Ratio(r float64) string {
	switch {
	case r >= 100:
		return fmt.Sprintf("%.0fx", r)
	case r >= 10:
		return fmt.Sprintf("%.1fx", r)
	}
	return fmt.Sprintf("%.2fx", r)
}

package conform

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// Outcome is the result of one test case in one mode.
type Outcome int

// Outcomes.
const (
	Passed Outcome = iota
	Failed
	// Skipped: the server does not support an operation the test case
	// needs (OperationNotSupported, or not listed by Query).
	Skipped
	// Unreadable: the file is not well-formed XML.
	Unreadable
)

// String returns the outcome's name as the report prints it.
func (o Outcome) String() string {
	switch o {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	case Unreadable:
		return "unreadable"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// FileResult is the result of one test case.
type FileResult struct {
	Path, Profile string
	Outcome       Outcome
	// Detail explains a failure, skip or unreadable file: the first
	// difference with its tag path, or the error.
	Detail string
	// Messages and MessagesPassed count the messages checked (codec) or
	// the steps replayed (server).
	Messages, MessagesPassed int
	// Normalized counts values written differently with the same meaning.
	Normalized int
	// Exempted lists the out-of-scope operations and object types
	// (Server.OutOfScope) left out of the file's expected Query answers.
	Exempted []string
}

// Report is the result of a run in one mode.
type Report struct {
	// Mode is "codec" or "server".
	Mode  string
	Files []FileResult
}

// Failed reports whether any test case failed (unreadable files and skips
// do not count).
func (r *Report) Failed() bool {
	for _, f := range r.Files {
		if f.Outcome == Failed {
			return true
		}
	}
	return false
}

// Totals counts the files of each outcome and the messages.
type Totals struct {
	Files                    int
	Passed, Failed, Skipped  int
	Unreadable               int
	Messages, MessagesPassed int
	Normalized               int
}

func (t *Totals) add(f *FileResult) {
	t.Files++
	switch f.Outcome {
	case Passed:
		t.Passed++
	case Failed:
		t.Failed++
	case Skipped:
		t.Skipped++
	case Unreadable:
		t.Unreadable++
	}
	t.Messages += f.Messages
	t.MessagesPassed += f.MessagesPassed
	t.Normalized += f.Normalized
}

// ByProfile sums the results per profile, in profile order, and overall.
func (r *Report) ByProfile() (profiles []string, per map[string]*Totals, all Totals) {
	per = map[string]*Totals{}
	for i := range r.Files {
		f := &r.Files[i]
		t := per[f.Profile]
		if t == nil {
			t = &Totals{}
			per[f.Profile] = t
			profiles = append(profiles, f.Profile)
		}
		t.add(f)
		all.add(f)
	}
	sort.Strings(profiles)
	return profiles, per, all
}

// Write prints the table per profile, then one line per file that did not
// pass.
func (r *Report) Write(w io.Writer) error {
	profiles, per, all := r.ByProfile()
	unit := "messages"
	if r.Mode == "server" {
		unit = "steps"
	}
	fmt.Fprintf(w, "== %s conformance\n", r.Mode)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "profile\tfiles\tpassed\tfailed\tskipped\tunreadable\t%s\t%s passed\t\n", unit, unit)
	row := func(name string, t *Totals) {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t\n", name, t.Files, t.Passed, t.Failed, t.Skipped, t.Unreadable, t.Messages, t.MessagesPassed)
	}
	for _, p := range profiles {
		row(p, per[p])
	}
	row("total", &all)
	if err := tw.Flush(); err != nil {
		return err
	}
	if all.Normalized > 0 {
		fmt.Fprintf(w, "(%d values written in another spelling of the same value: mask order, enumeration hex → name, time zone)\n", all.Normalized)
	}
	for _, f := range r.Files {
		switch f.Outcome {
		case Passed:
			if len(f.Exempted) > 0 {
				fmt.Fprintf(w, "%s %s: compared without %s, which its expected Query answers list and the server declares out of scope\n", f.Outcome, f.Path, strings.Join(f.Exempted, ", "))
			}
		case Unreadable:
			fmt.Fprintf(w, "%s %s:%s\n", f.Outcome, f.Path, f.Detail)
		default:
			fmt.Fprintf(w, "%s %s: %s\n", f.Outcome, f.Path, f.Detail)
		}
	}
	return nil
}

// WriteFiles prints one line per file: outcome, messages (or steps)
// passed of those checked, path.
func (r *Report) WriteFiles(w io.Writer) error {
	for _, f := range r.Files {
		if _, err := fmt.Fprintf(w, "%-10s %4d/%-4d %s\n", f.Outcome, f.MessagesPassed, f.Messages, f.Path); err != nil {
			return err
		}
	}
	return nil
}

// RunCodec runs the codec check over the files.
func RunCodec(files []File) (*Report, error) {
	r := &Report{Mode: "codec"}
	for _, f := range files {
		tc, err := Load(f.Path, f.Profile)
		if err != nil {
			return nil, err
		}
		r.Files = append(r.Files, codecFile(tc))
	}
	return r, nil
}

func codecFile(tc *TestCase) FileResult {
	fr := FileResult{Path: tc.Path, Profile: tc.Profile, Outcome: Passed}
	for _, res := range CheckCodec(tc) {
		fr.Messages++
		fr.Normalized += res.Normalized
		if res.Err == nil {
			fr.MessagesPassed++
		} else if fr.Outcome == Passed {
			fr.Outcome, fr.Detail = Failed, res.Err.Error()
		}
	}
	if tc.Err != nil {
		if tc.NotWellFormed() {
			fr.Outcome = Unreadable
			fr.Detail = trimPrefix(tc.Err.Error()) + " (not well-formed XML)"
		} else if fr.Outcome == Passed {
			fr.Messages++
			fr.Outcome = Failed
			fr.Detail = fmt.Sprintf("message %d: %v", len(tc.Messages), tc.Err)
		}
	}
	return fr
}

// trimPrefix turns "xmlttlv: line 3 column 1: …" into "3:1: …".
func trimPrefix(s string) string {
	var line, col int
	var rest string
	if n, _ := fmt.Sscanf(s, "xmlttlv: line %d column %d", &line, &col); n == 2 {
		if i := indexAfterCol(s); i >= 0 {
			rest = s[i:]
		}
		return fmt.Sprintf("%d:%d%s", line, col, rest)
	}
	return " " + s
}

func indexAfterCol(s string) int {
	const key = " column "
	for i := 0; i+len(key) <= len(s); i++ {
		if s[i:i+len(key)] == key {
			j := i + len(key)
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			return j
		}
	}
	return -1
}

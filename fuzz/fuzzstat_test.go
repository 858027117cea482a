package fuzz

import (
	"os/exec"
	"strings"
	"testing"
)

// TestFuzzStat: fuzzstat.awk, which ends each target of make fuzz, counts
// the seconds the execution count stood still between progress reports,
// not the baseline phase nor the closing report.
func TestFuzzStat(t *testing.T) {
	in := `fuzz: elapsed: 0s, gathering baseline coverage: 0/42 completed
fuzz: elapsed: 2s, gathering baseline coverage: 42/42 completed, now fuzzing with 1 workers
fuzz: elapsed: 3s, execs: 43 (14/sec), new interesting: 0 (total: 42)
fuzz: elapsed: 6s, execs: 43 (0/sec), new interesting: 0 (total: 42)
fuzz: elapsed: 9s, execs: 43 (0/sec), new interesting: 0 (total: 42)
fuzz: elapsed: 12s, execs: 9000 (2985/sec), new interesting: 1 (total: 43)
fuzz: elapsed: 1m0s, execs: 300000 (6000/sec), new interesting: 2 (total: 44)
fuzz: elapsed: 1m0s, execs: 300000 (0/sec), new interesting: 2 (total: 44)
PASS
`
	if _, err := exec.LookPath("awk"); err != nil {
		t.Skip("no awk")
	}
	cmd := exec.Command("awk", "-f", "fuzzstat.awk")
	cmd.Env = append(cmd.Environ(), "FUZZTARGET=./x/ FuzzX")
	cmd.Stdin = strings.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("awk -f fuzzstat.awk: %v", err)
	}
	want := "== ./x/ FuzzX: 300000 execs in 60 s (5172/s), baseline 2 s, stalled 6 s\n"
	if string(out) != want {
		t.Errorf("summary %q, want %q", out, want)
	}
}

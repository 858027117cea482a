package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// A thread of "load" woken on CPU 0 at 1.000 runs there at 1.004 while
// CPU 1 idles from 1.001 to 1.003: one 4 ms wait, 2 ms of it with
// another CPU idle. A 0.1 ms wait of the same thread stays under -min,
// and a thread of another command is not followed.
const trace = `
[001] 1.000000: sched:sched_switch: prev_comm=x prev_pid=9 prev_prio=120 prev_state=R ==> next_comm=load next_pid=8 next_prio=120
[001] 1.001000: sched:sched_switch: prev_comm=load prev_pid=8 prev_prio=120 prev_state=S ==> next_comm=swapper/1 next_pid=0 next_prio=120
[000] 1.000000: sched:sched_waking: comm=load pid=7 prio=120 target_cpu=000
[001] 1.003000: sched:sched_switch: prev_comm=swapper/1 prev_pid=0 prev_prio=120 prev_state=R ==> next_comm=x next_pid=9 next_prio=120
[000] 1.004000: sched:sched_switch: prev_comm=other prev_pid=5 prev_prio=120 prev_state=R ==> next_comm=load next_pid=7 next_prio=120
[000] 1.005000: sched:sched_waking: comm=other pid=5 prio=120 target_cpu=000
[000] 1.005000: sched:sched_switch: prev_comm=load prev_pid=7 prev_prio=120 prev_state=R ==> next_comm=other next_pid=5 next_prio=120
[000] 1.005100: sched:sched_switch: prev_comm=other prev_pid=5 prev_prio=120 prev_state=S ==> next_comm=load next_pid=7 next_prio=120
not a trace line
`

func TestAnalyse(t *testing.T) {
	s, err := analyse(strings.NewReader(trace), "load", time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if len(s.waits) != 1 {
		t.Fatalf("%d waits, want 1: %+v", len(s.waits), s.waits)
	}
	w := s.waits[0]
	if w.pid != 7 || w.cpu != 0 || !near(w.to-w.from, 0.004) || !near(w.otherIdle, 0.002) {
		t.Errorf("wait %+v, want pid 7 on cpu 0 for 4 ms, 2 ms of it with cpu 1 idle", w)
	}
	if s.totalWaits != 2 {
		t.Errorf("%d times runnable, want 2 (pid 7 twice; pid 8 has no wake in the trace)", s.totalWaits)
	}
	if !near(s.idle[1], 0.002) {
		t.Errorf("cpu 1 idle %.6f s, want 0.002", s.idle[1])
	}
	var out bytes.Buffer
	s.write(&out, true)
	for _, want := range []string{"pid 7 waited 4.00 ms for cpu 0; another CPU idle 2.00 ms", "1 waits of 1ms or more", "(50%)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, &out)
		}
	}
	if _, err := analyse(strings.NewReader("nothing\n"), "", time.Millisecond); err == nil {
		t.Error("input without events: no error")
	}
}

func near(a, b float64) bool { return a-b < 1e-9 && b-a < 1e-9 }

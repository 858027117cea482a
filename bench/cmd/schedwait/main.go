// Command schedwait reads a kernel scheduler trace and reports how long
// one program's threads stood runnable without a CPU, and how much of that
// time another CPU sat idle — the measure of a scheduler that keeps
// threads packed on one CPU while another has nothing to do.
//
//	perf sched record -o sched.data -- kmipload -transport tls -batch 1 -mix encrypt=100 -conns 16 -duration 2s
//	perf script -i sched.data -F cpu,time,event,trace | go run ./bench/cmd/schedwait -comm kmipload
//
// A thread is runnable from its sched_waking event (or from a
// sched_switch that preempted it, prev_state R) until the sched_switch
// that puts it on a CPU. Waits over -min are listed with -v and summed.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"
)

func main() {
	comm := flag.String("comm", "", "command name (prefix) of the threads to follow; empty: every thread")
	minWait := flag.Duration("min", time.Millisecond, "report waits of at least this long")
	verbose := flag.Bool("v", false, "list every such wait")
	flag.Parse()
	s, err := analyse(os.Stdin, *comm, *minWait)
	if err != nil {
		fmt.Fprintln(os.Stderr, "schedwait:", err)
		os.Exit(1)
	}
	s.write(os.Stdout, *verbose)
}

// event is one line of perf script's output.
type event struct {
	cpu  int
	t    float64 // seconds
	name string  // sched_waking, sched_switch, ...
	kv   map[string]string
}

// parseLine reads "[001] 22251.512604: sched:sched_waking: comm=x pid=1 ...".
// Lines of other shapes give ok false.
func parseLine(line string) (e event, ok bool) {
	line = strings.TrimSpace(line)
	if !strings.HasPrefix(line, "[") {
		return e, false
	}
	end := strings.IndexByte(line, ']')
	if end < 0 {
		return e, false
	}
	cpu, err := strconv.Atoi(line[1:end])
	if err != nil {
		return e, false
	}
	rest := strings.TrimSpace(line[end+1:])
	ts, rest, ok := strings.Cut(rest, ": ")
	if !ok {
		return e, false
	}
	t, err := strconv.ParseFloat(ts, 64)
	if err != nil {
		return e, false
	}
	name, rest, ok := strings.Cut(strings.TrimSpace(rest), ": ")
	if !ok || !strings.HasPrefix(name, "sched:") {
		return e, false
	}
	e = event{cpu: cpu, t: t, name: strings.TrimPrefix(name, "sched:"), kv: map[string]string{}}
	for _, f := range strings.Fields(rest) {
		if k, v, ok := strings.Cut(f, "="); ok {
			e.kv[k] = v
		}
	}
	return e, true
}

// wait is one spell of a followed thread runnable without a CPU.
type wait struct {
	from, to  float64
	cpu, pid  int
	otherIdle float64 // seconds of it during which another CPU was idle
}

type summary struct {
	waits      []wait
	idle       map[int]float64 // per CPU, seconds idle in the trace
	span       float64
	comm       string
	minWait    time.Duration
	totalWaits int
}

type interval struct{ from, to float64 }

func analyse(r io.Reader, comm string, minWait time.Duration) (*summary, error) {
	type pending struct {
		t   float64
		cpu int
	}
	runnable := map[int]pending{}
	idleSince := map[int]float64{}
	idleIv := map[int][]interval{}
	var waits []wait
	var first, last float64
	seen := false
	total := 0
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		e, ok := parseLine(sc.Text())
		if !ok {
			continue
		}
		if !seen {
			first, seen = e.t, true
		}
		last = e.t
		switch e.name {
		case "sched_waking":
			pid, _ := strconv.Atoi(e.kv["pid"])
			if _, already := runnable[pid]; !already {
				runnable[pid] = pending{e.t, e.cpu}
			}
		case "sched_switch":
			prev, _ := strconv.Atoi(e.kv["prev_pid"])
			next, _ := strconv.Atoi(e.kv["next_pid"])
			if strings.HasPrefix(e.kv["prev_state"], "R") && prev != 0 {
				runnable[prev] = pending{e.t, e.cpu}
			}
			if prev == 0 {
				if since, ok := idleSince[e.cpu]; ok {
					idleIv[e.cpu] = append(idleIv[e.cpu], interval{since, e.t})
					delete(idleSince, e.cpu)
				}
			}
			if next == 0 {
				idleSince[e.cpu] = e.t
				continue
			}
			p, ok := runnable[next]
			delete(runnable, next)
			if !ok || !strings.HasPrefix(e.kv["next_comm"], comm) {
				continue
			}
			total++
			if time.Duration((e.t-p.t)*1e9) >= minWait {
				waits = append(waits, wait{from: p.t, to: e.t, cpu: e.cpu, pid: next})
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if !seen {
		return nil, fmt.Errorf("no scheduler events in the input (want perf script -F cpu,time,event,trace of a perf sched record)")
	}
	for cpu, since := range idleSince {
		idleIv[cpu] = append(idleIv[cpu], interval{since, last})
	}
	s := &summary{idle: map[int]float64{}, span: last - first, comm: comm, minWait: minWait, totalWaits: total}
	for cpu, ivs := range idleIv {
		for _, iv := range ivs {
			s.idle[cpu] += iv.to - iv.from
		}
	}
	for i := range waits {
		waits[i].otherIdle = othersIdle(idleIv, waits[i].cpu, waits[i].from, waits[i].to)
	}
	s.waits = waits
	return s, nil
}

// othersIdle is how long within [from, to] at least one CPU other than
// cpu was idle.
func othersIdle(idleIv map[int][]interval, cpu int, from, to float64) float64 {
	var clipped []interval
	for c, ivs := range idleIv {
		if c == cpu {
			continue
		}
		for _, iv := range ivs {
			lo, hi := max(iv.from, from), min(iv.to, to)
			if hi > lo {
				clipped = append(clipped, interval{lo, hi})
			}
		}
	}
	sort.Slice(clipped, func(i, j int) bool { return clipped[i].from < clipped[j].from })
	var sum, end float64
	end = from
	for _, iv := range clipped {
		lo := max(iv.from, end)
		if iv.to > lo {
			sum += iv.to - lo
			end = iv.to
		}
	}
	return sum
}

func (s *summary) write(w io.Writer, verbose bool) {
	var sum, other float64
	for _, x := range s.waits {
		sum += x.to - x.from
		other += x.otherIdle
		if verbose {
			fmt.Fprintf(w, "%.6f  pid %d waited %.2f ms for cpu %d; another CPU idle %.2f ms of it\n",
				x.from, x.pid, (x.to-x.from)*1e3, x.cpu, x.otherIdle*1e3)
		}
	}
	who := "every thread"
	if s.comm != "" {
		who = s.comm + "'s threads"
	}
	fmt.Fprintf(w, "%s: %d times runnable, %d waits of %v or more for a CPU, %.1f ms in all; another CPU idle for %.1f ms of them (%.0f%%)\n",
		who, s.totalWaits, len(s.waits), s.minWait, sum*1e3, other*1e3, 100*other/max(sum, 1e-12))
	cpus := make([]int, 0, len(s.idle))
	for c := range s.idle {
		cpus = append(cpus, c)
	}
	sort.Ints(cpus)
	for _, c := range cpus {
		fmt.Fprintf(w, "cpu %d idle %.1f ms of %.1f ms traced (%.0f%%)\n", c, s.idle[c]*1e3, s.span*1e3, 100*s.idle[c]/max(s.span, 1e-12))
	}
}

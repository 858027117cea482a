package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// startProcess runs the built kmipd with args (plaintext binary transport
// on loopback, no HTTP) and returns it and its binary address; the test's
// Cleanup stops it.
func startProcess(t *testing.T, bin string, args ...string) (*exec.Cmd, string, *syncBuffer) {
	t.Helper()
	args = append([]string{"-addr", "127.0.0.1:0", "-http", "", "-plaintext"}, args...)
	cmd := exec.Command(bin, args...)
	stderr := &syncBuffer{}
	cmd.Stderr = stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() {
		t.Fatalf("kmipd printed no address:\n%s", stderr.String())
	}
	f := strings.Fields(sc.Text())
	if len(f) != 3 || f[0] != "binary" {
		t.Fatalf("unexpected line %q", sc.Text())
	}
	go func() {
		for sc.Scan() {
		}
	}()
	return cmd, f[2], stderr
}

// procStatus returns a field of /proc/PID/status in bytes (VmRSS, VmHWM).
func procStatus(pid int, field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, pid)
}

// stallingFlood is the attack of issue 16: conns connections each announce
// a message of announce bytes and send sent bytes of it, then stall. It
// returns the connections and how many wrote all their bytes.
func stallingFlood(t *testing.T, addr string, conns, announce, sent int) (opened []net.Conn, wrote int64) {
	t.Helper()
	body := make([]byte, sent)
	copy(body, ttlv.AppendHeader(nil, ttlv.TagRequestMessage, ttlv.TypeStructure, uint32(announce-ttlv.HeaderSize)))
	var wg sync.WaitGroup
	var n atomic.Int64
	for range conns {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		opened = append(opened, c)
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetWriteDeadline(time.Now().Add(5 * time.Second))
			if _, err := c.Write(body); err == nil {
				n.Add(1)
			}
		}()
	}
	wg.Wait()
	return opened, n.Load()
}

// TestInflightBudgetRSS runs the attack of issue 16 against kmipd started
// as a process with the default -max-inflight-bytes (256 MiB): 300
// plaintext connections each announce a 4 MiB message and send 1 MiB of
// it. kmipd's resident memory (VmHWM, the peak, from /proc) stays under
// the budget plus 64 MiB, and a well-behaved client's requests on another
// connection all succeed meanwhile. Without the budget the same attack
// takes kmipd to about 500 MB (KMIPWIRE_RSS_CONTROL=1 runs that too, and
// logs it).
func TestInflightBudgetRSS(t *testing.T) {
	bin, err := buildKmipd(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	runs := []struct {
		name  string
		args  []string
		limit int64
	}{{"budget", nil, kmipserver.DefaultMaxInflightBytes + 64<<20}}
	if os.Getenv("KMIPWIRE_RSS_CONTROL") != "" {
		runs = append(runs, struct {
			name  string
			args  []string
			limit int64
		}{"no budget", []string{"-max-inflight-bytes", "-1"}, 0})
	}
	for _, run := range runs {
		t.Run(run.name, func(t *testing.T) {
			cmd, addr, stderr := startProcess(t, bin, run.args...)
			pid := cmd.Process.Pid
			base, err := procStatus(pid, "VmRSS")
			if err != nil {
				t.Fatal(err)
			}
			// The well-behaved client: a Create and a Get, one message
			// each, again and again while the attack runs.
			good, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer good.Close()
			stop := make(chan struct{})
			served := make(chan error, 1)
			var requests atomic.Int64
			go func() {
				for {
					select {
					case <-stop:
						served <- nil
						return
					default:
					}
					it, err := answer(good, killRequest(createAESItem()))
					if err == nil && !succeededItem(it) {
						err = fmt.Errorf("Create failed: %s", it.String())
					}
					if err == nil {
						id := it.Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text()
						if it, err = answer(good, killRequest(killItem(0x0A, uidOf(id)))); err == nil && !succeededItem(it) {
							err = fmt.Errorf("Get failed: %s", it.String())
						}
					}
					if err != nil {
						served <- err
						return
					}
					requests.Add(2)
					time.Sleep(5 * time.Millisecond)
				}
			}()
			start := time.Now()
			conns, wrote := stallingFlood(t, addr, 300, 4<<20, 1<<20)
			defer func() {
				for _, c := range conns {
					c.Close()
				}
			}()
			time.Sleep(2 * time.Second) // let kmipd read what it will
			close(stop)
			if err := <-served; err != nil {
				t.Errorf("the well-behaved client: %v", err)
			}
			peak, err := procStatus(pid, "VmHWM")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: 300 connections × 4 MiB announced, %d sent 1 MiB in %v; kmipd RSS %d MiB at start, peak %d MiB; the good client's %d requests all answered",
				run.name, wrote, time.Since(start).Round(time.Millisecond), base>>20, peak>>20, requests.Load())
			if requests.Load() == 0 {
				t.Error("the well-behaved client got no answer during the attack")
			}
			if run.limit > 0 && peak > run.limit {
				t.Errorf("kmipd peak RSS %d MiB, over the budget + 64 MiB (%d MiB)\n%s", peak>>20, run.limit>>20, stderr)
			}
		})
	}
}

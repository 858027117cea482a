package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipload/internal/load"
	"github.com/kmipwire/kmipwire/internal/pykmiptest"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// TestInProcess loads the in-process kmipd over each transport for a fixed
// number of requests and checks the JSON report's accounting.
func TestInProcess(t *testing.T) {
	for _, tr := range []string{"plain", "tls", "http-json"} {
		t.Run(tr, func(t *testing.T) {
			var out, errOut bytes.Buffer
			args := []string{"-transport", tr, "-requests", "30", "-conns", "3", "-batch", "5",
				"-mix", "get=5,locate=1,encrypt=2,create=1", "-keys", "4", "-json", "-quiet"}
			if err := run(context.Background(), args, &out, &errOut); err != nil {
				t.Fatalf("run: %v\nstdout: %s\nstderr: %s", err, &out, &errOut)
			}
			var rep load.Report
			if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
				t.Fatalf("report is not JSON: %v\n%s", err, &out)
			}
			if rep.Requests != 30 || rep.Items != 150 || rep.ItemsFailed != 0 || rep.ReqErrors != 0 {
				t.Errorf("report %+v: want 30 requests, 150 items, no failure", rep)
			}
			if rep.Latency.Count != 30 || rep.Latency.P50 <= 0 || rep.Latency.P99 < rep.Latency.P50 {
				t.Errorf("latency %+v: want 30 observations, p99 ≥ p50 > 0", rep.Latency)
			}
			if rep.Transport != tr {
				t.Errorf("transport %q, want %q", rep.Transport, tr)
			}
			// A closed loop's JSON is as it was: no open-loop fields.
			for _, f := range []string{"offered_per_second", "service_latency_ns", "send_lag_ns"} {
				if bytes.Contains(out.Bytes(), []byte(f)) {
					t.Errorf("closed loop's report has %s: %s", f, &out)
				}
			}
		})
	}
}

// TestProfiles records a run with -trace and -cpuprofile: a runtime
// trace (its header names the Go version) and a gzipped CPU profile.
func TestProfiles(t *testing.T) {
	dir := t.TempDir()
	tr, cpu := filepath.Join(dir, "trace.out"), filepath.Join(dir, "cpu.pprof")
	var out, errOut bytes.Buffer
	args := []string{"-transport", "tls", "-requests", "200", "-conns", "2", "-batch", "1", "-mix", "encrypt=1",
		"-trace", tr, "-cpuprofile", cpu, "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, &out, &errOut)
	}
	for _, f := range []struct{ name, prefix string }{{tr, "go 1."}, {cpu, "\x1f\x8b"}} {
		b, err := os.ReadFile(f.name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte(f.prefix)) {
			t.Errorf("%s: %d bytes starting %q, want %q", filepath.Base(f.name), len(b), b[:min(len(b), 8)], f.prefix)
		}
	}
	// A file that cannot be created fails the run before it starts.
	args = []string{"-requests", "1", "-trace", filepath.Join(dir, "missing", "trace.out"), "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err == nil {
		t.Error("-trace into a missing directory: no error")
	}
}

// TestKMIP1 runs the 1.x request forms (TemplateAttribute) in-process.
func TestKMIP1(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"-requests", "10", "-batch", "4", "-version", "1.4",
		"-mix", "get=1,locate=1,encrypt=1,create=1", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, &out, &errOut)
	}
	if !strings.Contains(out.String(), "0 failed items, 0 request errors") {
		t.Errorf("report: %s", &out)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{
		{"-transport", "udp"},
		{"-version", "3.0"},
		{"-version", "2"},
		{"-mix", "get=x"},
		{"-cert", "c.pem"},
		{"-procs", "-1"},
		{"-rate", "-1"},
		{"-rate", "NaN"},
		{"-rate", "+Inf"},
		{"-rate", "1000", "-rate-quantum", "0"},
		{"-rate", "1000", "-rate-quantum", "-1ms"},
		{"extra"},
	} {
		var out, errOut bytes.Buffer
		if err := run(context.Background(), args, &out, &errOut); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

// TestTLSWithCA loads a TLS server at an address, verifying its
// certificate with -ca: the dial names the host it verifies against.
func TestTLSWithCA(t *testing.T) {
	dir := t.TempDir()
	srv, err := kmipserver.Listen(context.Background(),
		kmipserver.EndpointConfig{Addr: "127.0.0.1:0", CertDir: dir}, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	var out, errOut bytes.Buffer
	args := []string{"-transport", "tls", "-addr", srv.Addr().String(),
		"-ca", filepath.Join(srv.CertDir(), kmipserver.CertFileName), "-requests", "5", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, &out, &errOut)
	}
	// Without the CA, the self-signed certificate is refused.
	args = []string{"-transport", "tls", "-addr", srv.Addr().String(), "-requests", "5", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("unknown CA: err = %v, want a certificate error", err)
	}
}

// TestPyKMIPServer runs kmipload's default mix against PyKMIP's own
// server, with the command line of README: no failed item.
func TestPyKMIPServer(t *testing.T) {
	s := pykmiptest.Start(t)
	var out, errOut bytes.Buffer
	args := []string{"-addr", s.Addr, "-transport", "tls", "-ca", s.CAFile, "-cert", s.ClientCertFile, "-key", s.ClientKeyFile,
		"-tls-ciphers", pykmiptest.CipherSuite, "-version", "1.2", "-requests", "40", "-conns", "2", "-keys", "4", "-json", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\nstdout: %s\nstderr: %s\nserver log:\n%s", err, &out, &errOut, s.LogTail())
	}
	var rep load.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, &out)
	}
	if rep.Requests != 40 || rep.Items != 400 || rep.ItemsFailed != 0 || rep.ReqErrors != 0 {
		t.Errorf("report %+v: want 40 requests, 400 items, no failure", rep)
	}
	// Without the suite listed, Go and the server share no cipher suite.
	args = []string{"-addr", s.Addr, "-transport", "tls", "-ca", s.CAFile, "-cert", s.ClientCertFile, "-key", s.ClientKeyFile,
		"-version", "1.2", "-requests", "1", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err == nil {
		t.Error("connected to PyKMIP's server without -tls-ciphers")
	}
}

// TestProcs: -procs sets GOMAXPROCS for the run, says so in the report,
// and gives the process its own setting back.
func TestProcs(t *testing.T) {
	before := runtime.GOMAXPROCS(0)
	for _, procs := range []int{1, before + 1} {
		var out, errOut bytes.Buffer
		args := []string{"-requests", "20", "-conns", "2", "-batch", "1", "-mix", "get=1", "-procs", fmt.Sprint(procs), "-json", "-quiet"}
		if err := run(context.Background(), args, &out, &errOut); err != nil {
			t.Fatalf("run %q: %v\n%s%s", args, err, &out, &errOut)
		}
		var rep struct {
			Procs    int `json:"procs"`
			Requests int `json:"requests"`
		}
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("report %q: %v", &out, err)
		}
		if rep.Procs != procs || rep.Requests != 20 {
			t.Errorf("-procs %d: report says procs %d after %d requests", procs, rep.Procs, rep.Requests)
		}
		if got := runtime.GOMAXPROCS(0); got != before {
			t.Fatalf("-procs %d: GOMAXPROCS %d after the run, want %d back", procs, got, before)
		}
	}
}

// TestRate: -rate makes an open loop, paced (200 messages at 1 000/s take
// about 0.2 s), whose report has the offered rate, the service time and
// the send lag beside the corrected latency, in JSON and in its line.
func TestRate(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"-rate", "1000", "-requests", "200", "-conns", "2", "-batch", "1", "-mix", "get=1", "-keys", "2", "-json", "-quiet"}
	if err := run(context.Background(), args, &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, &out, &errOut)
	}
	var rep struct {
		Requests int           `json:"requests"`
		Elapsed  time.Duration `json:"elapsed_ns"`
		Offered  float64       `json:"offered_per_second"`
		Latency  load.Latency  `json:"latency_ns"`
		Service  *load.Latency `json:"service_latency_ns"`
		SendLag  *load.Latency `json:"send_lag_ns"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("report %q: %v", &out, err)
	}
	if rep.Requests != 200 || rep.Offered != 1000 || rep.Elapsed < 199*time.Millisecond || rep.Service == nil || rep.SendLag == nil ||
		rep.Service.Count != 200 || rep.Latency.Count != 200 {
		t.Errorf("report %s: want 200 messages in ≥ 199 ms, offered 1000, 200 latencies and service times, a send lag", &out)
	}
	out.Reset()
	if err := run(context.Background(), args[:len(args)-2], &out, &errOut); err != nil {
		t.Fatalf("run: %v\n%s%s", err, &out, &errOut)
	}
	for _, want := range []string{"offered 1000 msg/s, achieved ", "latency from schedule p50 ", "; service p50 ", "; send lag p50 ", "0 failed items, 0 request errors"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report line %q: no %q", &out, want)
		}
	}
}

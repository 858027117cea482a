package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

const testdata = "../../testdata/conformance/xml"

func runConform(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestExitCodes: 0 when nothing failed (the codec check of the copied
// test cases), 1 when something failed (the in-process server does not
// pass every copied case yet; a server failure must not pass silently),
// 2 on usage errors.
func TestExitCodes(t *testing.T) {
	code, out, errs := runConform("-codec-only", testdata)
	if code != 0 || !strings.Contains(out, "== codec conformance") || strings.Contains(out, "== server") {
		t.Fatalf("-codec-only: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "TC-LOGIN-1-20.xml:1:1: invalid XML") {
		t.Fatalf("unreadable file not reported:\n%s", out)
	}
	code, out, _ = runConform("-v", "-codec-only", testdata)
	if code != 0 || !strings.Contains(out, "passed        6/6    "+testdata+"/oasis-profiles-v1.4/mandatory/SKLC-M-1-14.xml\n") {
		t.Fatalf("-v: exit %d\n%s", code, out)
	}
	code, out, _ = runConform(testdata)
	if !strings.Contains(out, "== server conformance") {
		t.Fatalf("no server table:\n%s", out)
	}
	if strings.Contains(out, "\nfailed ") != (code == 1) {
		t.Fatalf("exit %d does not match the failures listed:\n%s", code, out)
	}
	if code, _, _ := runConform(); code != 2 {
		t.Fatalf("no DIR: exit %d", code)
	}
	if code, _, _ := runConform("-tls", testdata); code != 2 {
		t.Fatalf("-tls without -server: exit %d", code)
	}
	if code, _, errs := runConform("-server", "127.0.0.1:1", "-timeout", "1s", testdata); code != 1 || !strings.Contains(errs, "conform:") {
		t.Fatalf("unreachable server: exit %d %q", code, errs)
	}
}

// TestTyped: -typed adds the typed table, every copied message byte-exact;
// a message whose re-encoding differed would make the exit code 1 (see
// conform's TestTypedReportFails).
func TestTyped(t *testing.T) {
	code, out, errs := runConform("-codec-only", "-typed", testdata)
	if code != 0 || !strings.Contains(out, "typed (kmip): decode → encode byte-exact") {
		t.Fatalf("-typed: exit %d\n%s%s", code, out, errs)
	}
	if !strings.Contains(out, "total ") || strings.Contains(out, "FAIL ") {
		t.Fatalf("-typed table:\n%s", out)
	}
}

// TestTLSFresh: -tls-fresh replays through the TLS transport against a
// fresh server per test case, with the in-process replay's outcome for
// every file; it refuses -server.
func TestTLSFresh(t *testing.T) {
	_, in, _ := runConform("-v", testdata)
	code, over, errs := runConform("-v", "-tls-fresh", testdata)
	server := func(out string) string {
		if i := strings.Index(out, "== server conformance"); i >= 0 {
			return out[i:]
		}
		return ""
	}
	if server(over) == "" || server(over) != server(in) {
		t.Fatalf("-tls-fresh: exit %d, outcome differs from the in-process replay:\n%s\n--- in process:\n%s%s", code, over, in, errs)
	}
	if code, _, _ := runConform("-tls-fresh", "-server", "127.0.0.1:1", testdata); code != 2 {
		t.Fatalf("-tls-fresh with -server: exit %d", code)
	}
}

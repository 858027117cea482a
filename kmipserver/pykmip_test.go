package kmipserver

import (
	"bufio"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// pykmip returns the Python that has PyKMIP, or skips the test (fails it
// when KMIPWIRE_REQUIRE_PYKMIP is set).
func pykmip(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import kmip, cryptography").Run(); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required: %v", err)
		}
		t.Skipf("SKIP: PyKMIP not installed: %v", err)
	}
	return py
}

// TestPyKMIPClient runs PyKMIP's ProxyKmipClient — the requests it encodes,
// the responses it decodes — against ServeTTLV over a pipe
// (testdata/pykmip_client.py), in KMIP 1.2 (its default), 1.4 and 2.0:
// every method of the client, Derive Key, Re-key, Re-key Key Pair (through
// its KMIPProxy), Check and the attribute operations included.
// The script checks the values against Python's 'cryptography'.
func TestPyKMIPClient(t *testing.T) {
	py := pykmip(t)
	for _, version := range []string{"1.2", "1.4", "2.0"} {
		t.Run(version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, py, "testdata/pykmip_client.py", version)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			s := New(Config{})
			sc := bufio.NewScanner(stdout)
			sc.Buffer(nil, 1<<20)
			results, done := 0, false
			var out []byte
			for sc.Scan() {
				line := sc.Text()
				switch {
				case strings.HasPrefix(line, "REQ "):
					req, err := hex.DecodeString(line[4:])
					if err != nil {
						t.Fatal(err)
					}
					out = s.ServeTTLV(ctx, out[:0], req)
					if _, err := fmt.Fprintf(stdin, "%x\n", out); err != nil {
						t.Fatal(err)
					}
				case strings.HasPrefix(line, "RESULT "):
					var r struct {
						Name, Detail string
						OK           bool
					}
					if err := json.Unmarshal([]byte(line[7:]), &r); err != nil {
						t.Fatal(err)
					}
					results++
					if !r.OK {
						t.Errorf("%s: %s", r.Name, r.Detail)
					}
				case line == "DONE":
					done = true
				}
			}
			stdin.Close()
			if err := cmd.Wait(); err != nil || !done {
				t.Fatalf("pykmip_client.py: %v (done=%v)\n%s", err, done, stderr.String())
			}
			if results != 22 {
				t.Fatalf("%d results, want 22", results)
			}
		})
	}
}

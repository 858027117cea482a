package main

import (
	"bytes"
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden dumps in testdata/golden")

func runTTLV(t *testing.T, stdin []byte, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, bytes.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestDumpGolden dumps every corpus message and compares with the golden
// file; -update rewrites them.
func TestDumpGolden(t *testing.T) {
	files, err := filepath.Glob("../../testdata/corpus/*.ttlv")
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus files: %v", err)
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".ttlv")
		t.Run(name, func(t *testing.T) {
			code, out, errs := runTTLV(t, nil, "dump", f)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errs)
			}
			golden := filepath.Join("../../testdata/golden", name+".dump")
			if *update {
				if err := os.WriteFile(golden, []byte(out), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/ttlv -update)", err)
			}
			if out != string(want) {
				t.Errorf("dump differs from %s:\n%s", golden, out)
			}
		})
	}
}

// TestForms: binary in, hex in (with spaces, newlines, 0x), all commands
// agree byte for byte.
func TestForms(t *testing.T) {
	bin, err := os.ReadFile("../../testdata/corpus/get.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	hx := hex.EncodeToString(bin)
	spaced := "0x" + strings.ToUpper(hx[:20]) + "\n  " + hx[20:40] + " " + hx[40:] + "\n"
	for name, in := range map[string][]byte{"binary": bin, "hex": []byte(hx), "spaced hex": []byte(spaced)} {
		code, out, errs := runTTLV(t, in, "binary")
		if code != 0 || out != string(bin) {
			t.Errorf("%s → binary: exit %d, %q", name, code, errs)
		}
		code, out, errs = runTTLV(t, in, "hex", "-")
		if code != 0 || out != hx+"\n" {
			t.Errorf("%s → hex: exit %d, got %q, %q", name, code, out, errs)
		}
	}
}

// TestBadInput: exit status 1 and one line with the offset, tag path and
// what was wrong.
func TestBadInput(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"wrong Integer length", "42007801000000184200770100000010 42000D0200000008 0000000100000000",
			[]string{"offset 16", "/RequestMessage/RequestHeader/BatchCount", "invalid item length", "want 4"}},
		{"truncated", "420078010000001042000D02000000", []string{"offset 0", "/RequestMessage", "truncated"}},
		{"Boolean 2", "4200080600000008 0000000000000002", []string{"offset 0", "invalid boolean"}},
		{"odd hex", "420", []string{"odd number of hex digits"}},
	}
	for _, tc := range cases {
		for _, cmd := range []string{"dump", "hex", "binary"} {
			code, _, errs := runTTLV(t, []byte(tc.in), cmd)
			if code != 1 {
				t.Errorf("%s/%s: exit %d, want 1", tc.name, cmd, code)
			}
			if strings.Count(errs, "\n") != 1 {
				t.Errorf("%s/%s: want one line on stderr, got %q", tc.name, cmd, errs)
			}
			for _, w := range tc.want {
				if !strings.Contains(errs, w) {
					t.Errorf("%s/%s: %q lacks %q", tc.name, cmd, errs, w)
				}
			}
		}
	}
}

func TestUsage(t *testing.T) {
	if code, _, _ := runTTLV(t, nil); code != 2 {
		t.Errorf("no arguments: exit %d, want 2", code)
	}
	if code, _, errs := runTTLV(t, nil, "frobnicate"); code != 2 || !strings.Contains(errs, "unknown command") {
		t.Errorf("unknown command: exit %d, %q", code, errs)
	}
}

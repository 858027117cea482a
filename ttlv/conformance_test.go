package ttlv

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// The third-party TTLV vectors of shared/conformance/binary-hex (PyKMIP,
// libkmip, NLnet Labs, krill, Thales and OVH unit tests), with the manifest
// that marks each valid or invalid and, for invalid ones, where. Every valid
// vector decodes strictly and re-encodes byte for byte; every invalid one is
// rejected at the offset the manifest names. A few vectors are copied into
// testdata/conformance so a fresh clone without shared/ still runs this.

func sharedDir() string {
	if d := os.Getenv("KMIPWIRE_SHARED"); d != "" {
		return d
	}
	return "../../shared"
}

type vector struct {
	file, validity, problem string
	bin                     []byte
}

func loadVectors(t *testing.T, dir string) []vector {
	t.Helper()
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		return nil
	}
	var out []vector
	for i, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 8 {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, f[0]))
		if os.IsNotExist(err) {
			continue // the testdata copy holds a subset
		}
		if err != nil {
			t.Fatal(err)
		}
		bin, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		out = append(out, vector{f[0], f[6], f[7], bin})
	}
	return out
}

var problemOffset = regexp.MustCompile(`^offset (\d+)`)

func checkVectors(t *testing.T, vectors []vector) (valid, invalid int) {
	for _, v := range vectors {
		// Some vectors hold several items one after another (a list of
		// Operations, say): decode them as a sequence.
		reencoded, err := roundTripSequence(v.bin)
		switch {
		case strings.HasPrefix(v.validity, "valid"), v.validity == "invalid-semantic":
			// Semantic faults (a missing field) are well-formed TTLV.
			if err != nil {
				t.Errorf("%s (%s): %v", v.file, v.validity, err)
				continue
			}
			if !bytes.Equal(reencoded, v.bin) {
				t.Errorf("%s: re-encoding differs:\n got %x\nwant %x", v.file, reencoded, v.bin)
			}
			valid++
		case v.validity == "invalid-ttlv":
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%s: accepted, manifest says %q", v.file, v.problem)
				continue
			}
			// The manifest's checker reports the item whose length is
			// wrong; so do we. Both count offsets from the input's start.
			if m := problemOffset.FindStringSubmatch(v.problem); m != nil {
				if want, _ := strconv.ParseInt(m[1], 10, 64); e.Offset != want {
					t.Errorf("%s: error at offset %d (%v), manifest: %s", v.file, e.Offset, err, v.problem)
				}
			}
			invalid++
		default:
			t.Errorf("%s: unknown validity %q", v.file, v.validity)
		}
	}
	return valid, invalid
}

// roundTripSequence decodes every top-level item of b into a tree and
// returns their re-encoding.
func roundTripSequence(b []byte) ([]byte, error) {
	d := NewDecoder(b, DecodeOptions{Sequence: true})
	var out []byte
	for {
		var v Value
		if err := d.DecodeValue(&v); err == io.EOF {
			return out, nil
		} else if err != nil {
			return out, err
		}
		out = AppendValue(out, &v)
	}
}

func TestConformanceVectors(t *testing.T) {
	dir := filepath.Join(sharedDir(), "conformance", "binary-hex")
	vectors := loadVectors(t, dir)
	if vectors == nil {
		t.Skipf("SKIP: %s not found (set KMIPWIRE_SHARED); testdata subset only", dir)
	}
	valid, invalid := checkVectors(t, vectors)
	t.Logf("%d vectors: %d well-formed round-trip byte-exact, %d malformed rejected at the manifest's offset", len(vectors), valid, invalid)
	if len(vectors) < 500 {
		t.Errorf("only %d vectors read", len(vectors))
	}
}

func TestConformanceVectorsTestdata(t *testing.T) {
	vectors := loadVectors(t, "../testdata/conformance/binary-hex")
	if len(vectors) < 10 {
		t.Fatalf("testdata/conformance/binary-hex holds %d vectors", len(vectors))
	}
	checkVectors(t, vectors)
}

// TestSpecExampleFiles checks the hex files of shared/conformance/spec-examples
// against the table in spec_examples_test.go, so the two cannot drift.
func TestSpecExampleFiles(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join(sharedDir(), "conformance", "spec-examples", "*.hex"))
	if len(files) == 0 {
		t.Skip("SKIP: shared/conformance/spec-examples not found")
	}
	known := map[string]bool{}
	for _, tc := range specExamples {
		known[tc.hex] = true
	}
	for _, f := range files {
		b, _ := os.ReadFile(f)
		if !known[strings.ToLower(strings.TrimSpace(string(b)))] {
			t.Errorf("%s is not among the encoded examples", filepath.Base(f))
		}
	}
	if len(files) != len(specExamples) {
		t.Errorf("%d files, %d examples", len(files), len(specExamples))
	}
}

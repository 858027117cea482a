package jsonttlv

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

func sharedDir() string {
	if d := os.Getenv("KMIPWIRE_SHARED"); d != "" {
		return d
	}
	return "../../shared"
}

type message struct {
	name string
	bin  []byte
}

// fatalHelper is what the seed and check helpers use of a testing.TB. The
// testing shim of the OSS-Fuzz build (go-118-fuzz-build puts it in place of
// package testing in fuzz_test.go) has a T and an F with these methods but
// no TB: helpers that a fuzz target calls take this instead.
type fatalHelper interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func corpusMessages(tb fatalHelper) []message {
	tb.Helper()
	files, err := filepath.Glob("../testdata/corpus/*.ttlv")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no corpus: %v", err)
	}
	var out []message
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, message{strings.TrimSuffix(filepath.Base(f), ".ttlv"), b})
	}
	return out
}

func pykmipMessages(tb fatalHelper) []message {
	tb.Helper()
	f, err := os.Open("../testdata/pykmip/messages.jsonl")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []message
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct{ Name, Hex string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatal(err)
		}
		b, err := hex.DecodeString(m.Hex)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, message{m.Name, b})
	}
	return out
}

// optionSets are the encoder configurations every round trip runs under.
var optionSets = []struct {
	name string
	opts EncodeOptions
}{
	{"compact", EncodeOptions{}},
	{"indent", EncodeOptions{Indent: "  "}},
	{"hex", EncodeOptions{HexTags: true, Names: true, OmitStructureType: true}},
	{"cosmian", EncodeOptions{Dialect: DialectCosmian, Indent: "\t"}},
	{"hex-indent", EncodeOptions{HexTags: true, Names: true, Indent: "    "}},
}

// roundTrip converts bin to JSON under each option set and back, and
// reports any difference.
func roundTrip(t *testing.T, name string, bin []byte) {
	t.Helper()
	for _, o := range optionSets {
		js, err := AppendJSON(nil, bin, o.opts)
		if err != nil {
			t.Errorf("%s/%s: to JSON: %v", name, o.name, err)
			continue
		}
		if !json.Valid(js) {
			t.Errorf("%s/%s: invalid JSON:\n%s", name, o.name, js)
			continue
		}
		back, err := AppendBinary(nil, js, DecodeOptions{})
		if err != nil {
			t.Errorf("%s/%s: from JSON: %v\n%s", name, o.name, err, js)
			continue
		}
		if !bytes.Equal(back, bin) {
			t.Errorf("%s/%s: round trip differs:\n got %x\nwant %x\njson %s", name, o.name, back, bin, js)
		}
	}
}

func TestRoundTripCorpus(t *testing.T) {
	for _, m := range corpusMessages(t) {
		roundTrip(t, m.name, m.bin)
	}
}

func TestRoundTripPyKMIP(t *testing.T) {
	msgs := pykmipMessages(t)
	for _, m := range msgs {
		roundTrip(t, m.name, m.bin)
	}
	t.Logf("%d PyKMIP messages", len(msgs))
}

// TestRoundTripVectors runs every valid vector of
// shared/conformance/binary-hex (several hold a sequence of items: each
// converts on its own).
func TestRoundTripVectors(t *testing.T) {
	dir := filepath.Join(sharedDir(), "conformance", "binary-hex")
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Skipf("shared conformance vectors not found (%v); set KMIPWIRE_SHARED", err)
	}
	n := 0
	for i, line := range strings.Split(strings.TrimSpace(string(manifest)), "\n") {
		f := strings.Split(line, "\t")
		if i == 0 || len(f) < 8 || !(strings.HasPrefix(f[6], "valid") || f[6] == "invalid-semantic") {
			continue
		}
		text, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			t.Fatal(err)
		}
		bin, err := hex.DecodeString(strings.Join(strings.Fields(string(text)), ""))
		if err != nil {
			t.Fatalf("%s: %v", f[0], err)
		}
		for off := 0; off < len(bin); {
			_, _, _, k := ttlv.ConsumeValue(bin[off:])
			if k < 0 {
				t.Errorf("%s: offset %d: %v", f[0], off, ttlv.ParseError(k))
				break
			}
			roundTrip(t, f[0], bin[off:off+k])
			off += k
			n++
		}
	}
	t.Logf("%d items from the valid vectors", n)
}

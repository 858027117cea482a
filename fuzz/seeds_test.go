//go:build !gofuzz_libfuzzer

package fuzz

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/bench/corpus"
	"github.com/kmipwire/kmipwire/cmd/kmipconform/conform"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// Seeds of the native targets: the corpus messages (bench/corpus) and
// the reference messages of testdata/ (PyKMIP, the third-party vectors, the
// seed pages); the regression inputs under testdata/fuzz/ come on top.
// Under OSS-Fuzz (tag gofuzz_libfuzzer) addSeeds is the no-op of
// seeds_libfuzzer.go and the seed corpora are zipped by oss-fuzz/build.sh.

// binarySeeds returns binary TTLV seeds: the corpus messages and the
// messages and vectors under testdata/.
func binarySeeds(tb testing.TB) [][]byte {
	var out [][]byte
	for _, m := range corpus.Messages() {
		out = append(out, corpus.Encode(m))
	}
	f, err := os.Open(filepath.Join("..", "testdata", "pykmip", "messages.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m struct{ Hex string }
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			tb.Fatal(err)
		}
		b, err := hex.DecodeString(m.Hex)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, b)
	}
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "conformance", "binary-hex", "*.hex"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		b, err := hex.DecodeString(strings.Join(strings.Fields(string(data)), ""))
		if err != nil {
			tb.Fatalf("%s: %v", name, err)
		}
		out = append(out, b)
	}
	out = append(out, xmlSeeds(tb)...)
	if len(out) < 10 {
		tb.Fatalf("only %d binary seeds", len(out))
	}
	return out
}

// xmlSeeds returns the messages of the OASIS test cases copied into
// testdata/conformance/xml in binary form, their placeholders given the
// codec check's values: among them the KMIP 3.0 draft's Identifier,
// Reference and Name Reference items and the KMIP 1.0 <KmipTestCase> form.
func xmlSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "conformance", "xml", "*", "*", "*.xml"))
	more, _ := filepath.Glob(filepath.Join("..", "testdata", "conformance", "xml", "*", "*.xml"))
	kmip30 := 0
	for _, name := range append(files, more...) {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		d := xmlttlv.NewDecoder(data, xmlttlv.DecodeOptions{Registry: conform.Registry(), Placeholder: func(p xmlttlv.Placeholder) ([]byte, error) {
			if p.Type == ttlv.TypeDateTime || p.Type == ttlv.TypeDateTimeExtended {
				return []byte("2026-01-01T00:00:00Z"), nil
			}
			return []byte(conform.Deterministic(p.Type, string(p.Value))), nil
		}})
		for {
			b, err := d.Next(nil)
			if err != nil {
				break // the end, or a file that is not well-formed (kept so)
			}
			if strings.Contains(name, "v3.0") {
				kmip30++
			}
			out = append(out, b)
		}
	}
	if kmip30 == 0 {
		tb.Fatal("no KMIP 3.0 seed among the XML test cases")
	}
	return out
}

// jsonSeeds returns JSON seeds: the seed pages, and each corpus message in
// the JSON form, compact and indented.
func jsonSeeds(tb testing.TB) [][]byte {
	var out [][]byte
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "json", "*.json"))
	for _, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, data)
	}
	for _, m := range corpus.Messages() {
		for _, o := range []jsonttlv.EncodeOptions{{}, {Indent: "  ", HexTags: true, Names: true}, {Dialect: jsonttlv.DialectCosmian}} {
			js, err := jsonttlv.AppendJSON(nil, corpus.Encode(m), o)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, js)
		}
	}
	return out
}

// addSeeds adds the seeds of that kind to f.
func addSeeds(f *testing.F, kind seedKind) {
	var seeds [][]byte
	switch kind {
	case seedBinary:
		seeds = binarySeeds(f)
	case seedStream:
		seeds = binarySeeds(f)
		// A stream of several messages, as on a connection.
		seeds = append(seeds, bytes.Join(seeds[:4], nil))
	case seedJSON:
		seeds = jsonSeeds(f)
	}
	for _, s := range seeds {
		f.Add(s)
	}
}

// TestChecksAccept: the checks accept what they should on the seeds, so
// that a check that silently rejects everything fails here.
func TestChecksAccept(t *testing.T) {
	bin, js := binarySeeds(t), jsonSeeds(t)
	for _, tc := range []struct {
		name  string
		check func([]byte) (bool, error)
		seeds [][]byte
		min   int
	}{
		{"Decode", Decode, bin, 20},
		{"RoundTrip", RoundTrip, bin, 20},
		{"FromJSON", FromJSON, js, 12},
		{"Split", Split, bin, 10},
		{"Chunked", Chunked, bin, 20},
		{"Serve", Serve, bin, 10},
	} {
		accepted := 0
		for i, s := range tc.seeds {
			ok, err := tc.check(s)
			if err != nil {
				t.Errorf("%s seed %d: %v", tc.name, i, err)
			}
			if ok {
				accepted++
			}
		}
		t.Logf("%s: %d of %d seeds accepted", tc.name, accepted, len(tc.seeds))
		if accepted < tc.min {
			t.Errorf("%s: %d of %d seeds accepted, want at least %d", tc.name, accepted, len(tc.seeds), tc.min)
		}
	}
}

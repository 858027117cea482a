// Command seedzip writes the seed corpus of an OSS-Fuzz fuzzer: a zip with
// one entry per input, each in the form in which the libFuzzer binary that
// go-118-fuzz-build makes of a native target f.Fuzz(func(*testing.T,
// []byte)) reads its []byte: a 4-byte big-endian length, then the bytes
// (the testing shim takes the argument with go-fuzz-headers' GetBytes).
// A seed written raw would lose its first four bytes to that length.
//
//	seedzip -o OUT/name_seed_corpus.zip [-xml] FILE...
//
// A FILE in the `go test fuzz v1` form (a regression input under
// testdata/fuzz/) contributes its []byte value; -xml writes binary TTLV
// inputs in their XML form (xmlttlv), for the XML targets.
package main

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kmipwire/kmipwire/xmlttlv"
)

func main() {
	out := flag.String("o", "", "the zip file to write")
	toXML := flag.Bool("xml", false, "write binary TTLV inputs in their XML form")
	flag.Parse()
	if *out == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: seedzip -o FILE.zip [-xml] INPUT...")
		os.Exit(2)
	}
	if err := write(*out, *toXML, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "seedzip:", err)
		os.Exit(1)
	}
}

func write(out string, toXML bool, files []string) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		in, err := Input(data)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if toXML && !isGoFuzzFile(data) {
			if in, err = xmlttlv.AppendXML(nil, in, xmlttlv.EncodeOptions{}); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
		w, err := zw.Create(fmt.Sprintf("%03d-%s", i, filepath.Base(name)))
		if err != nil {
			return err
		}
		if _, err := w.Write(Entry(in)); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(out, buf.Bytes(), 0o644)
}

// Entry is the seed file for input: its length as 4 bytes big-endian, then
// input.
func Entry(input []byte) []byte {
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(input))), input...)
}

const goFuzzHeader = "go test fuzz v1\n"

func isGoFuzzFile(data []byte) bool { return bytes.HasPrefix(data, []byte(goFuzzHeader)) }

// Input is the fuzz input that a file holds: its bytes, or for a file in
// the `go test fuzz v1` form of a one-argument []byte target, the value of
// its []byte("…") line.
func Input(data []byte) ([]byte, error) {
	if !isGoFuzzFile(data) {
		return data, nil
	}
	line := strings.TrimSpace(string(data[len(goFuzzHeader):]))
	lit, ok := strings.CutPrefix(line, "[]byte(")
	if lit, ok2 := strings.CutSuffix(lit, ")"); ok && ok2 {
		s, err := strconv.Unquote(lit)
		if err != nil {
			return nil, fmt.Errorf("go test fuzz v1 value: %w", err)
		}
		return []byte(s), nil
	}
	return nil, errors.New(`go test fuzz v1 file without one []byte("…") value`)
}

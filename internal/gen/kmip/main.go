// Command kmip generates the typed KMIP layer (package kmip) from the
// specification tables in internal/spec: the enumerations and bit masks
// (enums.tsv, sets.tsv, enum_tags.tsv) as named Go types, and the
// structures (structs.tsv) as Go types bound to TTLV without reflection.
//
// It is run by go generate in kmip (see kmip/generate.go), so its default
// paths are relative to that directory:
//
//	go run ../internal/gen/kmip [-spec ../internal/spec] [-out .]
//
// The output depends only on the input files and is gofmt'ed.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	specDir := flag.String("spec", filepath.Join("..", "internal", "spec"), "directory holding the spec TSV files")
	out := flag.String("out", ".", "output directory")
	flag.Parse()
	files, err := generate(*specDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "kmip:", err)
		os.Exit(1)
	}
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(*out, name), src, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "kmip:", err)
			os.Exit(1)
		}
	}
}

// generate returns the generated files by name.
func generate(dir string) (map[string][]byte, error) {
	sp, err := load(dir)
	if err != nil {
		return nil, err
	}
	files := map[string][]byte{}
	enums, err := gofmt("enums_gen.go", genEnums(sp))
	if err != nil {
		return nil, err
	}
	files["enums_gen.go"] = enums
	if len(sp.structs) > 0 {
		structs, err := gofmt("structs_gen.go", genStructs(sp))
		if err != nil {
			return nil, err
		}
		files["structs_gen.go"] = structs
	}
	return files, nil
}

func gofmt(name string, src []byte) ([]byte, error) {
	out, err := format.Source(src)
	if err != nil {
		// Write the unformatted source next to the error for debugging.
		_ = os.WriteFile(filepath.Join(os.TempDir(), name), src, 0o644)
		return nil, fmt.Errorf("%s: %v (unformatted source in %s)", name, err, filepath.Join(os.TempDir(), name))
	}
	return out, nil
}

// readTSV returns the non-comment rows of file, checking the column count.
func readTSV(dir, file string, cols int) ([][]string, error) {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != cols {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d", file, line, len(fields), cols)
		}
		rows = append(rows, fields)
	}
	return rows, sc.Err()
}

// printer collects generated source.
type printer struct{ bytes.Buffer }

func (p *printer) f(format string, args ...any) { fmt.Fprintf(&p.Buffer, format, args...) }

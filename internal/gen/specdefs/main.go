// Command specdefs derives internal/spec/structs.tsv, the machine-readable
// definition of the KMIP structures, from the HTML of the specifications
// (KMIP 1.0 to 2.1, shared/spec/html): the structure, payload, message and
// attribute tables. Each row is one field of one structure: its tag, its
// type, whether it is required or repeated, the versions whose tables list
// it and the sections that define the structure. internal/spec/README.md
// says how the tables are read and what is not regular enough to read.
//
// It is run by go generate in internal/spec (see internal/spec/spec.go):
//
//	go run ../gen/specdefs [-html ../../../shared/spec/html] [-out structs.tsv]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// The specification documents, oldest first.
var documents = []struct{ version, file string }{
	{"1.0", "kmip-spec-1.0-os.html"},
	{"1.1", "kmip-spec-v1.1-os.html"},
	{"1.2", "kmip-spec-v1.2-os.html"},
	{"1.3", "kmip-spec-v1.3-os.html"},
	{"1.4", "kmip-spec-v1.4-os.html"},
	{"2.0", "kmip-spec-v2.0-os.html"},
	{"2.1", "kmip-spec-v2.1-os.html"},
}

func main() {
	htmlDir := flag.String("html", filepath.Join("..", "..", "..", "shared", "spec", "html"), "directory of the specifications' HTML")
	specDir := flag.String("spec", ".", "internal/spec (tags.tsv, item_types.tsv)")
	out := flag.String("out", "structs.tsv", "output file")
	verbose := flag.Bool("v", false, "report what was not understood")
	flag.Parse()
	src, notes, err := derive(*htmlDir, *specDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "specdefs:", err)
		os.Exit(1)
	}
	if *verbose {
		for _, n := range notes {
			fmt.Fprintln(os.Stderr, n)
		}
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "specdefs:", err)
		os.Exit(1)
	}
}

// readTSV returns the non-comment rows of a tab-separated file.
func readTSV(path string, cols int) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		t := sc.Text()
		if t == "" || t[0] == '#' {
			continue
		}
		r := strings.Split(t, "\t")
		if len(r) != cols {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d", path, line, len(r), cols)
		}
		rows = append(rows, r)
	}
	return rows, sc.Err()
}

// key normalizes a name for matching: letters and digits, lower case.
func key(s string) string {
	var b strings.Builder
	for _, c := range strings.ToLower(s) {
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' {
			b.WriteRune(c)
		}
	}
	return b.String()
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

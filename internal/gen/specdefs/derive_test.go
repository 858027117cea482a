//go:build !race

// Not under -race (the derivation reads 20 MB of HTML with regular
// expressions: 40 s instead of 3): make check-generated runs it.

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestStructsCurrent derives structs.tsv from the specifications' HTML and
// fails if the committed one differs: run go generate ./internal/spec/.
func TestStructsCurrent(t *testing.T) {
	html := filepath.Join("..", "..", "..", "..", "shared", "spec", "html")
	if _, err := os.Stat(html); err != nil {
		t.Skipf("SKIP: no specification HTML at %s", html)
	}
	spec := filepath.Join("..", "..", "spec")
	got, _, err := derive(html, spec)
	if err != nil {
		t.Fatal(err)
	}
	want, err := os.ReadFile(filepath.Join(spec, "structs.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("internal/spec/structs.tsv is stale: run go generate ./internal/spec/")
	}
}

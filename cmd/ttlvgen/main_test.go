package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestExampleCurrent regenerates the example package's binding and fails
// if the committed one differs: run go generate ./cmd/ttlvgen/example/.
func TestExampleCurrent(t *testing.T) {
	src, file, err := generate("example", []string{"VendorPayload"})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(file) != "vendor_ttlv.go" {
		t.Errorf("output file %s, want vendor_ttlv.go", file)
	}
	want, err := os.ReadFile(filepath.Join("example", "vendor_ttlv.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(src, want) {
		t.Fatal("example/vendor_ttlv.go is stale: run go generate ./cmd/ttlvgen/example/")
	}
}

// TestErrors: a tag name the registry lacks (with a suggestion), a named
// type without an item type, and an unknown option are errors.
func TestErrors(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{"type T struct { A string `ttlv:\"UniqueIdentifer\"` }", `did you mean "UniqueIdentifier"`},
		{"type M uint8\ntype T struct { A M `ttlv:\"0x540001\"` }", "needs an item type"},
		{"type T struct { A string `ttlv:\"0x540001,often\"` }", `unknown option "often"`},
		{"type T struct { A *int32 `ttlv:\"0x540001\"` }", "only structures by pointer"},
	} {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "t.go"), []byte("package p\n"+c.src+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := generate(dir, []string{"T"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.src, err, c.want)
		}
	}
}

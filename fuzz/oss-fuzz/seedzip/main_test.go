package main

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/xmlttlv"
)

func TestInput(t *testing.T) {
	for _, c := range []struct{ file, want string }{
		{"\x42\x00\x78\x01", "\x42\x00\x78\x01"},
		{"go test fuzz v1\n[]byte(\"\\x00a\\\"b\")\n", "\x00a\"b"},
	} {
		got, err := Input([]byte(c.file))
		if err != nil || string(got) != c.want {
			t.Errorf("Input(%q) = %q, %v; want %q", c.file, got, err, c.want)
		}
	}
	if _, err := Input([]byte("go test fuzz v1\nstring(\"a\")\n")); err == nil {
		t.Error("a string value was taken for []byte")
	}
}

// TestWrite: each entry is the length-prefixed input, XML when asked.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	msg, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "corpus", "get.ttlv"))
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "get.ttlv")
	if err := os.WriteFile(in, msg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, toXML := range []bool{false, true} {
		out := filepath.Join(dir, "seeds.zip")
		if err := write(out, toXML, []string{in, in}); err != nil {
			t.Fatal(err)
		}
		zr, err := zip.OpenReader(out)
		if err != nil {
			t.Fatal(err)
		}
		if len(zr.File) != 2 || zr.File[0].Name == zr.File[1].Name {
			t.Fatalf("entries %v, want two of distinct names", zr.File)
		}
		r, _ := zr.File[0].Open()
		got, _ := io.ReadAll(r)
		zr.Close()
		want := msg
		if toXML {
			want, _ = xmlttlv.AppendXML(nil, msg, xmlttlv.EncodeOptions{})
		}
		if !bytes.Equal(got, Entry(want)) || len(got) != 4+len(want) || int(got[3])|int(got[2])<<8 != len(want) {
			t.Errorf("xml=%v: entry %q, want the length-prefixed input", toXML, got[:min(len(got), 16)])
		}
	}
}

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// specCopy copies internal/spec into a temporary directory, appending
// extra to structs_v30.tsv.
func specCopy(t *testing.T, extra string) string {
	t.Helper()
	src := filepath.Join("..", "..", "spec")
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, e := range ents {
		if !strings.HasSuffix(e.Name(), ".tsv") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "structs_v30.tsv" {
			b = append(b, extra...)
		}
		if err := os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestLoad30: the 3.0 rows add fields and wire types as the file's header
// says, and a row that cannot apply is an error naming it.
func TestLoad30(t *testing.T) {
	sp, err := load(specCopy(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*structDef{}
	for _, s := range sp.structs {
		by[s.name] = s
	}
	a := by["Attributes"]
	if f := a.field("Name"); f == nil || !f.text30 {
		t.Errorf("Attributes.Name: %+v, want its 3.0 Text String form", f)
	}
	if f := a.field("NextLink"); f == nil || f.gate != 1<<7 || f.ttlvType != "Reference" {
		t.Errorf("Attributes.NextLink: %+v", f)
	}
	if f := a.field("Link"); f == nil || f.gate != 0 || strings.Contains(strings.Join(f.versions, ","), "3.0") {
		t.Errorf("Attributes.Link (its tag reserved in 3.0): %+v", f)
	}
	g := by["GetRequestPayload"]
	if f := g.field("UniqueIdentifier"); f == nil || f.type30 != "Identifier" || len(f.alts) != 2 {
		t.Errorf("GetRequestPayload.UniqueIdentifier: %+v", f)
	} else if g.fields[1] != f.alts[0] || f.alts[0].name != "UniqueIdentifierEnum" || f.alts[1].name != "UniqueIdentifierIndex" {
		t.Errorf("the alternatives do not follow their field: %v, %v", g.fields[1].name, f.alts)
	}
	if by["ObliterateResponsePayload"] == nil || len(by["ObliterateResponsePayload"].fields) != 0 {
		t.Error("no empty Obliterate Response Payload")
	}

	for _, bad := range []string{
		"Attributes\tAttributes\tActivationDate\tBoolean\toptional\t3.0\t3.0 draft §4.1\n",
		"*Nothing\t-\tUniqueIdentifier\tIdentifier\t-\t3.0\t3.0 draft §4.68\n",
		"Attributes\tAttributes\tNoSuchTag\tTextString\toptional\t3.0\t3.0 draft §4\n",
	} {
		_, err := load(specCopy(t, bad))
		if err == nil || !strings.Contains(err.Error(), "structs_v30.tsv") {
			t.Errorf("row %q: error %v, want one naming structs_v30.tsv", bad, err)
		}
	}
}

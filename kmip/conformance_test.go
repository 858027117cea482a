package kmip_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/cmd/kmipconform/conform"
)

// conformanceDir is the OASIS XML test cases' directory.
func conformanceDir(t *testing.T) string {
	dir := os.Getenv("KMIP_CONFORMANCE_DIR")
	if dir == "" {
		dir = filepath.Join("..", "..", "shared", "conformance", "kmip-xml")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("SKIP: no conformance test cases at %s (set KMIP_CONFORMANCE_DIR)", dir)
	}
	return dir
}

// TestTypedConformance decodes every message of every OASIS XML test case
// into the typed messages and encodes it again: byte-identical, and it
// reports the items kept as unknown: none outside the superseded draft
// variants (_variants/), the KMIP 3.0 draft's test cases included (the
// second instance of a date attribute in a Locate, which asks for a range,
// KMIP 2.1 §6.1.27, is known: Attributes.RangeEnd reads it).
func TestTypedConformance(t *testing.T) {
	files, err := conform.Walk(conformanceDir(t))
	if err != nil {
		t.Fatal(err)
	}
	var msgs, fails int
	unknown := map[string]int{} // by profile
	byTag := map[string]int{}
	for _, f := range files {
		tc, err := conform.Load(f.Path, f.Profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range conform.CheckTyped(tc) {
			msgs++
			if r.Err != nil {
				fails++
				if fails <= 20 {
					t.Errorf("%s: %v", f.Path, r.Err)
				}
			}
			unknown[f.Profile] += len(r.Unknown)
			for _, u := range r.Unknown {
				if !strings.Contains(f.Profile, "_variants") {
					t.Errorf("%s message %d: %s %s kept as unknown", f.Path, r.Message.Index, u.Tag(), u.Type())
				}
				byTag[f.Profile[:min(len(f.Profile), 20)]+" "+u.Tag().String()]++
			}
		}
	}
	t.Logf("%d messages of %d files: %d not byte-identical", msgs, len(files), fails)
	if msgs < 7000 {
		t.Errorf("only %d messages", msgs)
	}
	var ps []string
	for p := range unknown {
		ps = append(ps, p)
	}
	sort.Strings(ps)
	for _, p := range ps {
		t.Logf("%-40s %d unknown items", p, unknown[p])
	}
	var ks []string
	for k := range byTag {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return byTag[ks[i]] > byTag[ks[j]] })
	for i, k := range ks {
		if i < 40 {
			t.Logf("unknown %-50s %d", k, byTag[k])
		}
	}
}

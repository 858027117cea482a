package kmip_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/cmd/kmipconform/conform"
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
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

// TestV30MessagesFor21: every message of the KMIP 3.0 draft's test cases,
// decoded and encoded for 2.1, holds none of the draft's forms: no
// Identifier, Reference or Name Reference item, no tag the draft adds
// (0x420190-0x4201C2), no Name as a Text String.
func TestV30MessagesFor21(t *testing.T) {
	files, err := conform.Walk(filepath.Join(conformanceDir(t), "oasis-profiles-v3.0-mandatory"))
	if err != nil {
		t.Fatal(err)
	}
	var req kmip.RequestMessage
	var resp kmip.ResponseMessage
	n := 0
	for _, f := range files {
		tc, err := conform.Load(f.Path, f.Profile)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range tc.Messages {
			b, err := m.Binary()
			if err != nil {
				t.Fatalf("%s: %v", f.Path, err)
			}
			var out []byte
			if m.Tag == ttlv.TagRequestMessage {
				if err := req.UnmarshalTTLV(b); err != nil {
					t.Fatal(err)
				}
				out = req.AppendTTLV(nil, kmip.V2_1)
			} else {
				if err := resp.UnmarshalTTLV(b); err != nil {
					t.Fatal(err)
				}
				out = resp.AppendTTLV(nil, kmip.V2_1)
			}
			if bad := form30(out); bad != "" {
				t.Errorf("%s message %d encoded for 2.1: %s", f.Path, m.Index, bad)
			}
			n++
		}
	}
	if n < 1000 {
		t.Errorf("only %d messages", n)
	}
}

// form30 names the first item of b in a form only the 3.0 draft has.
func form30(b []byte) string {
	for len(b) > 0 {
		tag, typ, val, n := ttlv.ConsumeValue(b)
		if n < 0 {
			return "malformed"
		}
		switch {
		case typ == ttlv.TypeIdentifier || typ == ttlv.TypeReference || typ == ttlv.TypeNameReference:
			return tag.String() + " " + typ.String()
		case tag >= 0x420190 && tag <= 0x4201C2:
			return "tag " + tag.String()
		case tag == ttlv.TagName && typ != ttlv.TypeStructure:
			return "Name " + typ.String()
		case typ == ttlv.TypeStructure:
			if s := form30(val); s != "" {
				return tag.String() + "/" + s
			}
		}
		b = b[n:]
	}
	return ""
}

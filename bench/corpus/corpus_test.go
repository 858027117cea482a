package corpus

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

var update = flag.Bool("update", false, "rewrite testdata/corpus from the builders")

// TestCorpusFiles: the committed files are exactly what the builders
// produce, and each is a valid message of the announced kind and version.
func TestCorpusFiles(t *testing.T) {
	dir := map[string]string{}
	for _, m := range peerOnly() {
		dir[m.Name] = "peers" // kept apart: the packages' tests take every testdata/corpus/*.ttlv for a request
	}
	for _, m := range append(Messages(), peerOnly()...) {
		t.Run(m.Name, func(t *testing.T) {
			got := Encode(m)
			path := filepath.Join("..", "..", "testdata", "corpus", dir[m.Name], m.Name+".ttlv")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./bench/corpus -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("builder output differs from %s (go test ./bench/corpus -update)", path)
			}
			var v ttlv.Value
			if err := ttlv.Unmarshal(got, &v); err != nil {
				t.Fatal(err)
			}
			if v.Tag.String() != m.Kind {
				t.Errorf("top tag %v, want %s", v.Tag, m.Kind)
			}
			hdr := &v.Children[0] // RequestHeader or ResponseHeader
			pv := hdr.Child(ttlv.TagProtocolVersion)
			if pv.Children[0].Num != int64(m.Major) || pv.Children[1].Num != int64(m.Minor) {
				t.Errorf("protocol version %d.%d, want %d.%d", pv.Children[0].Num, pv.Children[1].Num, m.Major, m.Minor)
			}
			count := hdr.Child(ttlv.TagBatchCount).Num
			items := 0
			for _, c := range v.Children {
				if c.Tag == ttlv.TagBatchItem {
					items++
				}
			}
			if int64(items) != count {
				t.Errorf("BatchCount %d, %d BatchItems", count, items)
			}
		})
	}
}

// TestGenerated: the generated messages are deterministic, valid strict
// TTLV of the announced kind and version, of the announced size and shape,
// and built without allocating.
func TestGenerated(t *testing.T) {
	want := map[string]int{"encrypt-1mib": EncryptDataSize, "locate-response-1000": LocateResponseItems}
	for _, m := range Generated() {
		t.Run(m.Name, func(t *testing.T) {
			a, b := Encode(m), Encode(m)
			if !bytes.Equal(a, b) {
				t.Fatal("two builds differ")
			}
			var v ttlv.Value
			if err := ttlv.Unmarshal(a, &v); err != nil {
				t.Fatal(err)
			}
			if v.Tag.String() != m.Kind {
				t.Errorf("top tag %v, want %s", v.Tag, m.Kind)
			}
			hdr := v.Children[0]
			pv := hdr.Child(ttlv.TagProtocolVersion)
			if pv.Children[0].Num != int64(m.Major) || pv.Children[1].Num != int64(m.Minor) {
				t.Errorf("protocol version %d.%d, want %d.%d", pv.Children[0].Num, pv.Children[1].Num, m.Major, m.Minor)
			}
			payload := &v.Children[1].Children[len(v.Children[1].Children)-1]
			switch m.Name {
			case "encrypt-1mib":
				d := payload.Child(ttlv.TagData)
				if d == nil || len(d.Bytes) != want[m.Name] {
					t.Fatalf("Data missing or of the wrong size")
				}
				if bytes.Equal(d.Bytes[:8], d.Bytes[8:16]) {
					t.Error("Data is not pseudo-random")
				}
			case "locate-response-1000":
				n := 0
				seen := map[string]bool{}
				for _, c := range payload.Children {
					if c.Tag == ttlv.TagUniqueIdentifier {
						n++
						seen[string(c.Bytes)] = true
					}
				}
				if n != want[m.Name] || len(seen) != n {
					t.Errorf("%d identifiers (%d distinct), want %d", n, len(seen), want[m.Name])
				}
				if payload.Child(ttlv.TagLocatedItems).Num != int64(n) {
					t.Error("LocatedItems disagrees")
				}
			}
			if testing.CoverMode() == "" {
				e := ttlv.NewEncoder(nil)
				defer e.Release()
				m.Build(e)
				if n := testing.AllocsPerRun(5, func() { e.Reset(nil); m.Build(e) }); n != 0 {
					t.Errorf("Build: %v allocations, want 0", n)
				}
			}
		})
	}
	if len(All()) != len(Messages())+len(peerOnly())+len(Generated()) {
		t.Error("All is not Messages + peerOnly + Generated")
	}
}

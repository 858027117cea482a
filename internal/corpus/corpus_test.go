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
	for _, m := range Messages() {
		t.Run(m.Name, func(t *testing.T) {
			got := Encode(m)
			path := filepath.Join("..", "..", "testdata", "corpus", m.Name+".ttlv")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./internal/corpus -update)", err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("builder output differs from %s (go test ./internal/corpus -update)", path)
			}
			var v ttlv.Value
			if err := ttlv.Unmarshal(got, &v); err != nil {
				t.Fatal(err)
			}
			if v.Tag.String() != m.Kind {
				t.Errorf("top tag %v, want %s", v.Tag, m.Kind)
			}
			pv := v.Child(ttlv.TagRequestHeader).Child(ttlv.TagProtocolVersion)
			if pv.Children[0].Num != int64(m.Major) || pv.Children[1].Num != int64(m.Minor) {
				t.Errorf("protocol version %d.%d, want %d.%d", pv.Children[0].Num, pv.Children[1].Num, m.Major, m.Minor)
			}
			count := v.Child(ttlv.TagRequestHeader).Child(ttlv.TagBatchCount).Num
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

package textform

// The fuzz target lives in the package's own test file (not the external
// text_test.go), where go-118-fuzz-build finds it for the OSS-Fuzz build.

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// FuzzAppendHexItem holds AppendHexItem, which decodes eight digits a
// step, to encoding/hex and the ttlv encoder, whatever the input.
func FuzzAppendHexItem(f *testing.F) {
	for _, s := range []string{"", "00", "C50F77", "c50f7", "0001020304050607", "0123456789abcdefABCDEF", "0123456g", "zz"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, h []byte) {
		prefix := []byte("keep")
		got, ok := AppendHexItem(bytes.Clone(prefix), ttlv.TagMACSignature, ttlv.TypeByteString, h)
		v, err := hex.DecodeString(string(h))
		if err != nil {
			if ok || !bytes.Equal(got, prefix) {
				t.Fatalf("%q: got %x %v, want a rejection leaving dst alone", h, got, ok)
			}
			return
		}
		if want := ttlv.AppendByteString(bytes.Clone(prefix), ttlv.TagMACSignature, v); !ok || !bytes.Equal(got, want) {
			t.Fatalf("%q: got %x %v, want %x", h, got, ok, want)
		}
	})
}

package server

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// FuzzServeTTLV: whatever the input, ServeTTLV does not panic and answers
// a well-formed ResponseMessage whose BatchCount matches its items.
func FuzzServeTTLV(f *testing.F) {
	files, _ := filepath.Glob("../../testdata/corpus/*.ttlv")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil && len(b) < 4096 {
			f.Add(b)
		}
	}
	for _, h := range versionsUnderTest {
		f.Add(request(h, createAES(h, 128), item(opActivate), item(opGet), item(opLocate)))
		h.cont = batch.Undo
		f.Add(request(h, createAES(h, 256, name("n")), item(opEncrypt, bstr(ttlv.TagData, []byte("x"))), item(opGetAttributes)))
	}
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, req []byte) {
		s := newTestServer()
		out := s.ServeTTLV(context.Background(), nil, req)
		decode(t, out)
	})
}

package kmip_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
)

// typedCase is one message of the typed benchmarks.
type typedCase struct {
	name string
	bin  []byte
}

// typedCases returns the messages of BenchmarkTypedMarshal and
// BenchmarkTypedUnmarshal: the corpus's Create of an AES-256 key, Get
// response holding an RSA-2048 private key, Locate by attributes and
// 100-item Get batch (testdata/corpus), and an Encrypt request built here.
func typedCases(tb testing.TB) []typedCase {
	var out []typedCase
	for _, f := range []struct{ name, file string }{
		{"create-aes256", "peers/create-aes256.ttlv"},
		{"get-response-rsa2048", "peers/get-response-rsa2048.ttlv"},
		{"locate-attrs", "peers/locate-attrs.ttlv"},
		{"encrypt", ""},
		{"get-batch-100", "get-batch-100.ttlv"},
	} {
		var bin []byte
		if f.file == "" {
			bin = encryptRequest().AppendTTLV(nil, kmip.V2_1)
		} else {
			var err error
			bin, err = os.ReadFile(filepath.Join("..", "testdata", "corpus", f.file))
			if err != nil {
				tb.Fatal(err)
			}
		}
		out = append(out, typedCase{f.name, bin})
	}
	return out
}

// encryptRequest is a KMIP 2.1 Encrypt of 1 KiB with AES-GCM.
func encryptRequest() *kmip.RequestMessage {
	data := bytes.Repeat([]byte("0123456789abcdef"), 64)
	return &kmip.RequestMessage{
		RequestHeader: &kmip.RequestHeader{
			ProtocolVersion: &kmip.ProtocolVersion{ProtocolVersionMajor: 2, ProtocolVersionMinor: 1},
			BatchCount:      1,
		},
		BatchItem: []kmip.RequestBatchItem{{
			Operation: kmip.OperationEncrypt,
			RequestPayload: &kmip.EncryptRequestPayload{
				UniqueIdentifier: kmip.Some("6c7d1b8e-4bd2-4a5c-9d6e-0f1a2b3c4d5e"),
				CryptographicParameters: &kmip.CryptographicParameters{
					BlockCipherMode:        kmip.Some(kmip.BlockCipherModeGCM),
					CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
					TagLength:              kmip.Some[int32](16),
				},
				Data:                                  kmip.Some(data),
				IVCounterNonce:                        kmip.Some([]byte("0123456789ab")),
				AuthenticatedEncryptionAdditionalData: kmip.Some([]byte("header")),
			},
		}},
	}
}

// decodeMessage decodes bin into a request or response message.
func decodeMessage(tb testing.TB, bin []byte) interface {
	UnmarshalTTLV([]byte) error
	AppendTTLV([]byte, kmip.Version) []byte
} {
	var req kmip.RequestMessage
	if err := req.UnmarshalTTLV(bin); err == nil {
		return &req
	}
	var resp kmip.ResponseMessage
	if err := resp.UnmarshalTTLV(bin); err != nil {
		tb.Fatal(err)
	}
	return &resp
}

func BenchmarkTypedUnmarshal(b *testing.B) {
	for _, c := range typedCases(b) {
		b.Run("msg="+c.name, func(b *testing.B) {
			v := decodeMessage(b, c.bin) // warm: the value has the message's shape
			// and once more into it: the first decode into a shaped value can
			// still grow it (16 B on encrypt), which -benchtime=1x counted.
			if err := v.UnmarshalTTLV(c.bin); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := v.UnmarshalTTLV(c.bin); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTypedMarshal(b *testing.B) {
	for _, c := range typedCases(b) {
		b.Run("msg="+c.name, func(b *testing.B) {
			v := decodeMessage(b, c.bin)
			dst := v.AppendTTLV(nil, kmip.V2_1)
			if !bytes.Equal(dst, c.bin) {
				b.Fatal("typed encoding differs from the input")
			}
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				dst = v.AppendTTLV(dst[:0], kmip.V2_1)
			}
		})
	}
	// A message built with the types, not decoded: the canonical field order.
	b.Run("msg=encrypt-built", func(b *testing.B) {
		m := encryptRequest()
		dst := m.AppendTTLV(nil, kmip.V2_1)
		b.SetBytes(int64(len(dst)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			dst = m.AppendTTLV(dst[:0], kmip.V2_1)
		}
	})
}

// TestTypedZeroAllocs is the allocation gate of the typed benchmarks:
// decoding into a reused value and encoding into a reused buffer allocate
// nothing.
func TestTypedZeroAllocs(t *testing.T) {
	for _, c := range typedCases(t) {
		v := decodeMessage(t, c.bin)
		if n := testing.AllocsPerRun(100, func() {
			if err := v.UnmarshalTTLV(c.bin); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("%s: UnmarshalTTLV into a reused value: %v allocs, want 0", c.name, n)
		}
		dst := v.AppendTTLV(nil, kmip.V2_1)
		if !bytes.Equal(dst, c.bin) {
			t.Errorf("%s: typed encoding differs from the input", c.name)
		}
		if n := testing.AllocsPerRun(100, func() { dst = v.AppendTTLV(dst[:0], kmip.V2_1) }); n != 0 {
			t.Errorf("%s: AppendTTLV: %v allocs, want 0", c.name, n)
		}
	}
}

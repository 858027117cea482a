package kmipserver

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// FuzzServeTTLV: whatever the input, ServeTTLV does not panic and answers
// a well-formed ResponseMessage whose BatchCount matches its items.
func FuzzServeTTLV(f *testing.F) {
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
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
	// Cryptographic operations on an active key, odd parameters included.
	gcm := func(ch ...v) v {
		return st(ttlv.TagCryptographicParameters, append([]v{enum(ttlv.TagBlockCipherMode, modeGCM)}, ch...)...)
	}
	h := hdr{major: 2, minor: 1, cont: batch.Continue}
	f.Add(request(h, createAES(h, 128), item(opActivate),
		item(opEncrypt, gcm(), bstr(ttlv.TagData, []byte("x")), bstr(ttlv.TagIVCounterNonce, []byte{})),
		item(opEncrypt, gcm(integer(ttlv.TagTagLength, 12)), bstr(ttlv.TagData, []byte("x")), bstr(ttlv.TagIVCounterNonce, make([]byte, 16))),
		item(opDecrypt, gcm(), bstr(ttlv.TagData, []byte("x")), bstr(ttlv.TagIVCounterNonce, make([]byte, 7)), bstr(ttlv.TagAuthenticatedEncryptionTag, []byte{1})),
		item(opMAC, bstr(ttlv.TagData, []byte("x"))), item(opSign, bstr(ttlv.TagData, []byte("x"))),
		item(opRNGRetrieve, integer(ttlv.TagDataLength, 3))))
	f.Add(request(h, item(opCreateKeyPair, st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algEd25519))), item(opActivate),
		item(opSign, bstr(ttlv.TagData, []byte("x"))), item(opSign, bstr(ttlv.TagDigestedData, []byte("x")))))
	// The certificate, key pair and transfer operations.
	ecPair := item(opCreateKeyPair, st(ttlv.TagCommonAttributes, enum(ttlv.TagCryptographicAlgorithm, algECDSA),
		integer(ttlv.TagCryptographicLength, 256)))
	f.Add(request(h, ecPair, item(opReKeyKeyPair), item(opCertify, st(ttlv.TagAttributes, str(ttlv.TagCertificateSubjectCN, "f"))),
		item(opValidate), item(opReCertify), item(opExport), item(opGetAttributes)))
	f.Add(request(h, createAES(h, 128, name("f")), item(opExport), item(opAdjustAttribute,
		enum(ttlv.TagAttributeReference, uint32(ttlv.TagActivationDate)), enum(ttlv.TagAdjustmentType, adjustIncrement),
		ttlv.LongInteger(ttlv.TagAdjustmentValue, 60)), item(opCheck, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
		item(opImport, uid("f-1"), enum(ttlv.TagObjectType, objSymmetricKey), ttlv.Boolean(ttlv.TagReplaceExisting, true),
			st(ttlv.TagAttributes, enum(ttlv.TagState, stateActive)), symKey(kfRaw, make([]byte, 16), algAES, 128)),
		item(opGet, uid("f-1"), enum(ttlv.TagKeyWrapType, 1)), item(opSetEndpointRole, enum(ttlv.TagEndpointRole, roleServer))))
	// A PKCS#12 private key opened with its linked password, then written
	// again (pkcs12.go).
	f.Add(pkcs12Batch(h, newPKCS12Fixture(f).pfx(f, "pw")))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, req []byte) {
		s := newFuzzServer()
		out := s.ServeTTLV(context.Background(), nil, req)
		decode(t, out)
	})
}

// FuzzServeJSON: ServeJSON answers any input with JSON that converts to a
// well-formed ResponseMessage.
func FuzzServeJSON(f *testing.F) {
	if b, err := os.ReadFile("testdata/seed-request.json"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"tag":"RequestMessage","value":[{"tag":"RequestHeader","value":[{"tag":"ProtocolVersion","value":[{"tag":"ProtocolVersionMajor","type":"Integer","value":2},{"tag":"ProtocolVersionMinor","type":"Integer","value":1}]},{"tag":"BatchCount","type":"Integer","value":1}]},{"tag":"BatchItem","value":[{"tag":"Operation","type":"Enumeration","value":"Query"},{"tag":"RequestPayload","value":[{"tag":"QueryFunction","type":"Enumeration","value":"QueryOperations"}]}]}]}`))
	f.Add([]byte(`{`))
	f.Fuzz(func(t *testing.T, req []byte) {
		s := newFuzzServer()
		out := s.ServeJSON(context.Background(), nil, req)
		// A request in Cosmian KMS 4.x's naming (top-level "Message") is
		// answered in that naming, which only a Lenient decoder reads.
		v4 := jsonttlv.Cosmian4Message(req)
		if got := jsonttlv.Cosmian4Message(out); got != v4 {
			t.Fatalf("request in 4.x naming %v, answer %v:\n%s", v4, got, out)
		}
		bin, err := jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{Lenient: v4})
		if err != nil {
			t.Fatalf("answer is not KMIP JSON: %v\n%s", err, out)
		}
		decode(t, bin)
	})
}

// newFuzzServer is newTestServer with RSA key generation off: an RSA-4096
// Create Key Pair costs a second of CPU, mutated inputs ask for it often,
// and each such input would slow the fuzzer a thousandfold without
// exercising anything of this project's.
func newFuzzServer() *Server {
	return New(Config{Now: func() time.Time { return fixedNow }, Rand: &detRand{}, MaxRSABits: -1})
}

// wantFrames returns what an echoing server answers to the byte stream in:
// each whole message up to the first framing fault (not a Structure, over
// max, or cut short), verbatim.
func wantFrames(in []byte, max int) []byte {
	var out []byte
	for len(in) >= ttlv.HeaderSize {
		n := uint64(binary.BigEndian.Uint32(in[4:]))
		if ttlv.Type(in[3]) != ttlv.TypeStructure || n+ttlv.HeaderSize > uint64(max) || uint64(len(in)) < n+ttlv.HeaderSize {
			break
		}
		out = append(out, in[:n+ttlv.HeaderSize]...)
		in = in[n+ttlv.HeaderSize:]
	}
	return out
}

// FuzzFraming sends arbitrary bytes on a binary connection to a server that
// echoes each message, and checks the answers against an independent
// reading of the framing rules: every whole message before the first fault
// is answered, in order, and then the connection ends.
//
// The file is self-contained (fuzz/oss-fuzz/build.sh compiles it alone).
func FuzzFraming(f *testing.F) {
	const max = 512
	s, err := Listen(context.Background(), EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true, MaxMessageSize: max, ReadTimeout: 2 * time.Second}, echoTTLV{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { s.Close() })
	msg := func(n int) []byte {
		b, mark := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
		b = ttlv.AppendByteString(b, ttlv.TagData, make([]byte, n))
		ttlv.EndStructure(b, mark)
		return b
	}
	m1, m2 := msg(3), msg(100)
	f.Add(m1)
	f.Add(append(bytes.Clone(m1), m2...))
	f.Add(append(bytes.Clone(m1), m2[:20]...))
	f.Add(msg(max - 2*ttlv.HeaderSize))
	f.Add(msg(max - 2*ttlv.HeaderSize + 1))
	f.Add(ttlv.AppendInteger(nil, ttlv.TagBatchCount, 1))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, in []byte) {
		c, err := net.Dial("tcp", s.Addr().String())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		go func() {
			c.Write(in)
			c.(*net.TCPConn).CloseWrite()
		}()
		got, err := io.ReadAll(c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("connection not closed after the input ended: %v", err)
		}
		// A reset (the server closing with input unread) may cut the
		// answers short, never change them.
		want := wantFrames(in, max)
		if err != nil && bytes.HasPrefix(want, got) {
			return
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("answers\n%x\nwant\n%x", got, want)
		}
	})
}

// echoTTLV answers each message with itself.
type echoTTLV struct{}

func (echoTTLV) ServeTTLV(_ context.Context, dst, req []byte) []byte { return append(dst, req...) }
func (echoTTLV) ServeJSON(_ context.Context, dst, req []byte) []byte { return append(dst, req...) }
func (echoTTLV) ServeOperationJSON(_ context.Context, dst, req []byte) ([]byte, bool) {
	return append(dst, req...), true
}

package transport

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

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
	s, err := Start(context.Background(), Config{Addr: "127.0.0.1:0", Plaintext: true, MaxMessageSize: max, ReadTimeout: 2 * time.Second}, echoTTLV{})
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

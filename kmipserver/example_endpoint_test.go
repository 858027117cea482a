package kmipserver_test

import (
	"context"
	"io"
	"net"
	"os"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// echo answers every binary message with itself, retagged as a
// ResponseMessage.
type echo struct{}

func (echo) ServeTTLV(_ context.Context, dst, req []byte) []byte {
	n := len(dst)
	dst = append(dst, req...)
	dst[n], dst[n+1], dst[n+2] = 0x42, 0x00, 0x7B
	return dst
}
func (echo) ServeJSON(_ context.Context, dst, req []byte) []byte { return append(dst, req...) }
func (echo) ServeOperationJSON(_ context.Context, dst, req []byte) ([]byte, bool) {
	return append(dst, req...), true
}

// Start a server in-process on a loopback port, as cmd/kmipload does, and
// exchange one message with it.
func ExampleListen() {
	srv, err := kmipserver.Listen(context.Background(), kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, echo{})
	if err != nil {
		panic(err)
	}
	defer srv.Close()

	c, err := net.Dial("tcp", srv.Addr().String())
	if err != nil {
		panic(err)
	}
	defer c.Close()
	req, mark := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	req = ttlv.AppendInteger(req, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(req, mark)
	c.Write(req)
	resp := make([]byte, len(req))
	if _, err := io.ReadFull(c, resp); err != nil {
		panic(err)
	}
	if err := ttlv.Dump(os.Stdout, resp, ttlv.DumpOptions{}); err != nil {
		panic(err)
	}
	// Output:
	//      0 ResponseMessage Structure (16 bytes)
	//      8   BatchCount Integer 1
}

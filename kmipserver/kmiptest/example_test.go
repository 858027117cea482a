package kmiptest_test

import (
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A server on loopback for a client under test; in a test,
// kmiptest.NewServer(t, cfg) starts it and stops it with the test.
func ExampleStart() {
	s, err := kmiptest.Start(kmipserver.Config{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()

	// The client under test dials s.Addr with s.ClientTLS (or s.CAFile,
	// s.ClientCertFile, s.ClientKeyFile) and speaks KMIP.
	c, err := tls.Dial("tcp", s.Addr, s.ClientTLS)
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Write(discoverVersions())
	head := make([]byte, ttlv.HeaderSize)
	io.ReadFull(c, head)
	resp := append(head, make([]byte, binary.BigEndian.Uint32(head[4:]))...)
	io.ReadFull(c, resp[ttlv.HeaderSize:])
	var m ttlv.Value
	if err := ttlv.Unmarshal(resp, &m); err != nil {
		fmt.Println(err)
		return
	}
	it := m.Child(ttlv.TagBatchItem)
	status, _ := ttlv.EnumName(ttlv.TagResultStatus, uint32(it.Child(ttlv.TagResultStatus).Num))
	first := it.Child(ttlv.TagResponsePayload).Child(ttlv.TagProtocolVersion)
	fmt.Printf("%s, first version %d.%d\n", status,
		first.Child(ttlv.TagProtocolVersionMajor).Num, first.Child(ttlv.TagProtocolVersionMinor).Num)
	// Output:
	// Success, first version 2.1
}

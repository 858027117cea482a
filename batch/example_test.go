package batch_test

import (
	"fmt"
	"io"
	"os"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A server's loop: split the request, answer each item, assemble the
// response in the request's protocol version.
func Example() {
	req, err := os.ReadFile("../testdata/corpus/seed-createkeypair-locate.ttlv")
	if err != nil {
		panic(err)
	}
	var s batch.Splitter
	h, err := s.Reset(req, batch.Options{})
	if err != nil {
		panic(err)
	}
	fmt.Printf("KMIP %d.%d, %d items, max response %d bytes\n", h.Major, h.Minor, h.BatchCount, h.MaximumResponseSize)

	var a batch.Assembler
	a.Begin(nil, h.Major, h.Minor, 1_700_000_000)
	var it batch.Item
	for {
		err := s.Next(&it)
		if err == io.EOF {
			break
		}
		if err != nil {
			panic(err)
		}
		name, _ := ttlv.EnumName(ttlv.TagOperation, it.Operation)
		fmt.Printf("item %d: %s, payload %d bytes\n", it.Index, name, len(it.Payload))
		a.Failure(it.Operation, it.ID, 0x05, "not implemented here") // OperationNotSupported
	}
	resp := a.Finish()
	fmt.Println(ttlv.Validate(resp, ttlv.DecodeOptions{}), a.Items(), "results")
	// Output:
	// KMIP 2.1, 2 items, max response 9999 bytes
	// item 0: CreateKeyPair, payload 136 bytes
	// item 1: Locate, payload 16 bytes
	// <nil> 2 results
}

package server_test

import (
	"context"
	"fmt"

	"github.com/kmipwire/kmipwire/internal/server"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A RequestMessage of two batch items — Create an AES-256 key, then
// Activate it through the ID placeholder (no Unique Identifier) — answered
// in process, as the transports of kmipd do for each message.
func Example() {
	srv := server.New(server.Config{})
	req := ttlv.Marshal(&ttlv.Value{Tag: ttlv.TagRequestMessage, Type: ttlv.TypeStructure, Children: []ttlv.Value{
		ttlv.Structure(ttlv.TagRequestHeader,
			ttlv.Structure(ttlv.TagProtocolVersion,
				ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
				ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
			ttlv.Integer(ttlv.TagBatchCount, 2)),
		ttlv.Structure(ttlv.TagBatchItem,
			ttlv.Enumeration(ttlv.TagOperation, 0x01), // Create
			ttlv.Structure(ttlv.TagRequestPayload,
				ttlv.Enumeration(ttlv.TagObjectType, 0x02), // Symmetric Key
				ttlv.Structure(ttlv.TagAttributes,
					ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03), // AES
					ttlv.Integer(ttlv.TagCryptographicLength, 256),
					ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x04|0x08)))), // Encrypt|Decrypt
		ttlv.Structure(ttlv.TagBatchItem,
			ttlv.Enumeration(ttlv.TagOperation, 0x12), // Activate
			ttlv.Structure(ttlv.TagRequestPayload)),
	}})

	resp := srv.ServeTTLV(context.Background(), nil, req)

	var msg ttlv.Value
	if err := ttlv.Unmarshal(resp, &msg); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("batch count:", msg.Child(ttlv.TagResponseHeader).Child(ttlv.TagBatchCount).Num)
	for _, it := range msg.Children[1:] {
		op, _ := ttlv.EnumName(ttlv.TagOperation, uint32(it.Child(ttlv.TagOperation).Num))
		status, _ := ttlv.EnumName(ttlv.TagResultStatus, uint32(it.Child(ttlv.TagResultStatus).Num))
		fmt.Println(op, status)
	}
	// Output:
	// batch count: 2
	// Create Success
	// Activate Success
}

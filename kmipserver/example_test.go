package kmipserver_test

import (
	"context"
	"fmt"
	"io"
	"net"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A RequestMessage of two batch items — Create an AES-256 key, then
// Activate it through the ID placeholder (no Unique Identifier) — answered
// in process, as the transports of kmipd do for each message.
func Example() {
	srv := kmipserver.New(kmipserver.Config{})
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

// A Middleware that refuses Destroy to everyone but an administrator,
// and the Server serving binary TTLV on a listener.
func ExampleMiddleware() {
	const opDestroy = 0x14
	adminOnly := func(next kmipserver.ItemFunc) kmipserver.ItemFunc {
		return func(ctx context.Context, it *kmipserver.Item, dst []byte) ([]byte, error) {
			if it.Operation == opDestroy && it.Identity != "admin" {
				return dst, &kmipserver.Error{Reason: kmipserver.ReasonPermissionDenied,
					Message: "only admin may destroy"}
			}
			return next(ctx, it, dst)
		}
	}
	srv := kmipserver.New(kmipserver.Config{Middleware: []kmipserver.Middleware{adminOnly}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Println(err)
		return
	}
	go srv.Serve(ln) // plaintext: Config.TLS is nil
	defer srv.Close()

	req := ttlv.Marshal(&ttlv.Value{Tag: ttlv.TagRequestMessage, Type: ttlv.TypeStructure, Children: []ttlv.Value{
		ttlv.Structure(ttlv.TagRequestHeader,
			ttlv.Structure(ttlv.TagProtocolVersion,
				ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
				ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
			ttlv.Integer(ttlv.TagBatchCount, 1)),
		ttlv.Structure(ttlv.TagBatchItem,
			ttlv.Enumeration(ttlv.TagOperation, opDestroy),
			ttlv.Structure(ttlv.TagRequestPayload,
				ttlv.TextString(ttlv.TagUniqueIdentifier, "some-key"))),
	}})
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	c.Write(req)
	head := make([]byte, ttlv.HeaderSize)
	if _, err := io.ReadFull(c, head); err != nil {
		fmt.Println(err)
		return
	}
	_, _, n, _ := ttlv.ConsumeHeader(head)
	resp := append(head, make([]byte, n)...)
	if _, err := io.ReadFull(c, resp[ttlv.HeaderSize:]); err != nil {
		fmt.Println(err)
		return
	}
	var msg ttlv.Value
	if err := ttlv.Unmarshal(resp, &msg); err != nil {
		fmt.Println(err)
		return
	}
	it := msg.Child(ttlv.TagBatchItem)
	reason, _ := ttlv.EnumName(ttlv.TagResultReason, uint32(it.Child(ttlv.TagResultReason).Num))
	fmt.Println(reason+":", it.Child(ttlv.TagResultMessage).Text())
	// Output:
	// PermissionDenied: only admin may destroy
}

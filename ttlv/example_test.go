package ttlv_test

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Build a KMIP 1.4 Get request with the Encoder, then walk it with the
// Decoder.
func Example() {
	e := ttlv.NewEncoder(nil)
	defer e.Release()
	e.Begin(ttlv.TagRequestMessage)
	e.Begin(ttlv.TagRequestHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 1)
	e.Integer(ttlv.TagProtocolVersionMinor, 4)
	e.End()
	e.Integer(ttlv.TagBatchCount, 1)
	e.End()
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, 0x0A) // Get, KMIP 2.1 §11.28
	e.Begin(ttlv.TagRequestPayload)
	e.TextString(ttlv.TagUniqueIdentifier, "1f165d65-cbbd-4bd6-9867-80e0b390acf9")
	e.End()
	e.End()
	e.End()
	msg := e.Bytes()

	d := ttlv.NewDecoder(msg, ttlv.DecodeOptions{})
	for {
		it, err := d.Next()
		if err == io.EOF {
			if d.Depth() == 0 {
				break // end of input
			}
			d.Leave() // end of a Structure
			continue
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		if it.Tag == ttlv.TagUniqueIdentifier {
			fmt.Printf("%v at offset %d: %s\n", d.AppendPath(nil), d.ItemOffset(), it.Value)
		}
		if it.Type == ttlv.TypeStructure {
			d.Enter()
		}
	}
	// Output:
	// /RequestMessage/BatchItem/RequestPayload/UniqueIdentifier at offset 104: 1f165d65-cbbd-4bd6-9867-80e0b390acf9
}

// Dump prints a message as an indented tree with names.
func ExampleDump() {
	b := ttlv.AppendInteger(nil, ttlv.TagCryptographicUsageMask, 0x0C)
	ttlv.Dump(os.Stdout, b, ttlv.DumpOptions{})
	// Output:
	//      0 CryptographicUsageMask Integer Encrypt|Decrypt (12)
}

// Malformed input yields an *Error with the offset, the tag path and a
// sentinel.
func ExampleError() {
	// A RequestMessage whose only child claims more bytes than it has.
	msg := []byte{
		0x42, 0x00, 0x78, 0x01, 0, 0, 0, 16, // RequestMessage, 16 bytes
		0x42, 0x00, 0x0D, 0x02, 0, 0, 0, 8, // BatchCount: Integer of length 8
		0, 0, 0, 1, 0, 0, 0, 0,
	}
	var v ttlv.Value
	err := ttlv.Unmarshal(msg, &v)
	fmt.Println(err)
	fmt.Println(errors.Is(err, ttlv.ErrLength))
	// Output:
	// ttlv: offset 8 /RequestMessage/BatchCount: invalid item length: Integer of length 8, want 4
	// true
}

package example_test

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/cmd/ttlvgen/example"
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// opVendor is the vendor's operation, in the extension range.
const opVendor = kmip.Operation(0x80000001)

func payload() *example.VendorPayload {
	return &example.VendorPayload{
		ID:        "a1b2",
		Algorithm: kmip.CryptographicAlgorithmAES,
		Usage:     kmip.CryptographicUsageMaskEncrypt,
		Counter:   7,
		Label:     "shard set",
		Expires:   time.Unix(1765000000, 0).UTC(),
		Lease:     3600,
		Shards:    []example.Shard{{Index: 0, Host: "hsm-a"}, {Index: 1, Host: "hsm-b"}},
		Policy:    &example.Policy{Exportable: true, MaxUses: 10},
	}
}

// A vendor operation's payload travels in a typed RequestMessage as a
// kmip.RawRequestPayload (package kmip has no type for it): the vendor's
// type, bound by ttlvgen, writes and reads its contents.
func Example() {
	req := kmip.RequestMessage{
		RequestHeader: &kmip.RequestHeader{
			ProtocolVersion: &kmip.ProtocolVersion{ProtocolVersionMajor: 2, ProtocolVersionMinor: 1},
			BatchCount:      1,
		},
		BatchItem: []kmip.RequestBatchItem{{
			Operation:      opVendor,
			RequestPayload: &kmip.RawRequestPayload{Op: opVendor, Contents: payload().AppendContents(nil)},
		}},
	}
	wire := req.AppendTTLV(nil, kmip.V2_1)

	var got kmip.RequestMessage
	if err := got.UnmarshalTTLV(wire); err != nil {
		fmt.Println(err)
		return
	}
	raw := got.BatchItem[0].RequestPayload.(*kmip.RawRequestPayload)
	var p example.VendorPayload
	if err := p.DecodeContents(raw.Contents); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.ID, p.Algorithm, p.Usage, p.Shards[1].Host, p.Policy.MaxUses, p.Expires.Format(time.DateOnly))
	// Output: a1b2 AES Encrypt hsm-b 10 2025-12-06
}

// TestRoundTrip: encode, decode into a reused value (no allocation once
// warm), encode again: the same bytes; an item the type does not know is
// kept in Rest and written back.
func TestRoundTrip(t *testing.T) {
	b := payload().AppendTTLV(nil, ttlv.TagRequestPayload)
	extra := ttlv.AppendTextString(nil, 0x5400FF, "vendor v2 field")
	withExtra := append(append([]byte(nil), b...), extra...)
	withExtra[4], withExtra[5], withExtra[6], withExtra[7] = 0, 0, 0, 0
	ttlv.EndStructure(withExtra, 0)

	var p example.VendorPayload
	for _, in := range [][]byte{b, withExtra} {
		if err := p.UnmarshalTTLV(in); err != nil {
			t.Fatal(err)
		}
		if out := p.AppendTTLV(nil, ttlv.TagRequestPayload); !bytes.Equal(out, in) {
			t.Fatalf("round trip differs:\n%x\n%x", in, out)
		}
	}
	if len(p.Rest) != 1 || p.Rest[0].Tag() != 0x5400FF {
		t.Fatalf("unknown item not kept: %v", p.Rest)
	}
	if n := testing.AllocsPerRun(100, func() {
		if err := p.UnmarshalTTLV(withExtra); err != nil {
			t.Fatal(err)
		}
	}); n != 0 {
		t.Errorf("decoding into a reused value: %v allocs, want 0", n)
	}
	dst := p.AppendTTLV(nil, ttlv.TagRequestPayload)
	if n := testing.AllocsPerRun(100, func() { dst = p.AppendTTLV(dst[:0], ttlv.TagRequestPayload) }); n != 0 {
		t.Errorf("AppendTTLV: %v allocs, want 0", n)
	}
	// A truncated input is an error, not a panic.
	for i := 0; i < len(b); i++ {
		_ = p.UnmarshalTTLV(b[:i])
	}
	// An item of the wrong type for its tag is not the field's: kept in
	// Rest, or an error for a type without an unknown field.
	bad := ttlv.AppendInteger(nil, ttlv.TagUniqueIdentifier, 1)
	if err := p.DecodeContents(bad); err != nil || p.ID != "" || len(p.Rest) != 1 {
		t.Errorf("an Integer Unique Identifier: err %v, ID %q, %d kept", err, p.ID, len(p.Rest))
	}
	if err := (&example.Shard{}).DecodeContents(bad); err == nil {
		t.Error("an unknown item was accepted by a type without an unknown field")
	}
}

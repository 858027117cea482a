package kmipclient

import (
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

const benchID = "5f0c2b4e-7d1a-4c3b-9e8f-0a1b2c3d4e5f"

// mixRequests is a message of kmipload's default mix, 10 items: 7 Get, 2
// AES-GCM Encrypt of 64 bytes, 1 Locate of the symmetric keys.
func mixRequests() []kmip.RequestPayload {
	get := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(benchID)}
	enc := &kmip.EncryptRequestPayload{UniqueIdentifier: kmip.Some(benchID), Data: kmip.Some(make([]byte, 64)),
		CryptographicParameters: &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeGCM), TagLength: kmip.Some(int32(16)),
			CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES)}}
	loc := &kmip.LocateRequestPayload{MaximumItems: kmip.Some(int32(16)), Attributes: &kmip.Attributes{ObjectType: kmip.Some(kmip.ObjectTypeSymmetricKey)}}
	return []kmip.RequestPayload{get, get, enc, get, get, loc, get, enc, get, get}
}

// encodeMessage encodes reqs as one RequestMessage of version v into buf.
func encodeMessage(tb testing.TB, buf []byte, reqs []kmip.RequestPayload, v Version) []byte {
	buf, mark := appendRequestHeader(buf[:0], msgHeader{version: v}, len(reqs))
	for i, r := range reqs {
		var err error
		if buf, err = appendItem(buf, r, v, i); err != nil {
			tb.Fatal(err)
		}
	}
	ttlv.EndStructure(buf, mark)
	return buf
}

// mixAnswers are the payload contents of a Get of an AES-256 key and of a
// GCM Encrypt of 64 bytes, as kmipd answers them.
func mixAnswers() (get, enc []byte) {
	kv := ttlv.Structure(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, make([]byte, 32)))
	g := ttlv.Structure(ttlv.TagResponsePayload, ttlv.Enumeration(ttlv.TagObjectType, uint32(kmip.ObjectTypeSymmetricKey)),
		ttlv.TextString(ttlv.TagUniqueIdentifier, benchID),
		ttlv.Structure(ttlv.TagSymmetricKey, ttlv.Structure(ttlv.TagKeyBlock,
			ttlv.Enumeration(ttlv.TagKeyFormatType, uint32(kmip.KeyFormatTypeRaw)), kv,
			ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, uint32(kmip.CryptographicAlgorithmAES)),
			ttlv.Integer(ttlv.TagCryptographicLength, 256))))
	e := ttlv.Structure(ttlv.TagResponsePayload, ttlv.TextString(ttlv.TagUniqueIdentifier, benchID),
		ttlv.ByteString(ttlv.TagData, make([]byte, 64)), ttlv.ByteString(ttlv.TagIVCounterNonce, make([]byte, 12)),
		ttlv.ByteString(ttlv.TagAuthenticatedEncryptionTag, make([]byte, 16)))
	return ttlv.Marshal(&g)[ttlv.HeaderSize:], ttlv.Marshal(&e)[ttlv.HeaderSize:]
}

// BenchmarkEncodeMix: the client's encoding of a message of kmipload's
// default mix, in KMIP 1.4 and 2.1 (TestCodecAllocs: 0 allocations).
func BenchmarkEncodeMix(b *testing.B) {
	reqs := mixRequests()
	for _, v := range []Version{V1_4, V2_1} {
		b.Run(v.String(), func(b *testing.B) {
			buf := encodeMessage(b, nil, reqs, v)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				buf = encodeMessage(b, buf, reqs, v)
			}
		})
	}
}

// BenchmarkDecodeAnswer: a reused Result decoding the payload of a Get and
// of an Encrypt (TestCodecAllocs: 0 allocations).
func BenchmarkDecodeAnswer(b *testing.B) {
	get, enc := mixAnswers()
	var gr Result[kmip.GetResponsePayload]
	var er Result[kmip.EncryptResponsePayload]
	for _, c := range []struct {
		name string
		p    []byte
		r    Response
	}{{"Get", get, &gr}, {"Encrypt", enc, &er}} {
		b.Run(c.name, func(b *testing.B) {
			c.r.DecodePayload(c.p, V2_1)
			b.SetBytes(int64(len(c.p)))
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := c.r.DecodePayload(c.p, V2_1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestCodecAllocs: once warm, encoding the mix allocates nothing, nor does
// a reused Result decoding the answers, which it reads back right.
func TestCodecAllocs(t *testing.T) {
	reqs := mixRequests()
	for _, v := range []Version{V1_4, V2_1} {
		buf := encodeMessage(t, nil, reqs, v)
		if n := testing.AllocsPerRun(100, func() { buf = encodeMessage(t, buf, reqs, v) }); n != 0 {
			t.Errorf("encoding the mix in %v: %.1f allocations", v, n)
		}
		if err := ttlv.Validate(buf, ttlv.DecodeOptions{}); err != nil {
			t.Errorf("the mix in %v: %v", v, err)
		}
	}
	get, enc := mixAnswers()
	var gr Result[kmip.GetResponsePayload]
	var er Result[kmip.EncryptResponsePayload]
	for _, c := range []struct {
		p []byte
		r Response
	}{{get, &gr}, {enc, &er}} {
		if err := c.r.DecodePayload(c.p, V2_1); err != nil {
			t.Fatal(err)
		}
		if n := testing.AllocsPerRun(100, func() { c.r.DecodePayload(c.p, V2_1) }); n != 0 {
			t.Errorf("decoding %T: %.1f allocations", c.r, n)
		}
	}
	if len(KeyMaterial(&gr.Payload)) != 32 || len(er.Payload.AuthenticatedEncryptionTag.Value) != 16 || er.Payload.UniqueIdentifier != benchID {
		t.Errorf("decoded: key %d bytes, %+v", len(KeyMaterial(&gr.Payload)), er.Payload)
	}
}

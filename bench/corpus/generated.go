package corpus

import (
	"github.com/kmipwire/kmipwire/ttlv"
)

// Generated returns the large corpus messages, which are built in code and
// never committed as files: a 1 MiB Encrypt request and a Locate response
// naming 1 000 objects. Their Build functions are deterministic byte for
// byte and allocate nothing once the Encoder's buffer has grown.
func Generated() []Message {
	return []Message{
		{"encrypt-1mib", "RequestMessage", 1, 4, buildEncrypt1MiB},
		{"locate-response-1000", "ResponseMessage", 2, 1, buildLocateResponse1000},
	}
}

// All returns Messages, the PeerMessages that Messages lacks, then
// Generated: the whole benchmark corpus.
func All() []Message {
	return append(append(Messages(), peerOnly()...), Generated()...)
}

// More enumeration values, KMIP 2.1 §11.
const (
	opEncrypt = 0x1F // §11.28 Operation

	algAES  = 0x03 // §11.11 Cryptographic Algorithm
	modeGCM = 0x09 // §11.6 Block Cipher Mode
	padNone = 0x01 // §11.31 Padding Method

	statusSuccess = 0x00 // §11.47 Result Status
)

// EncryptDataSize is the size of the Data of the encrypt-1mib message.
const EncryptDataSize = 1 << 20

// fillBlock fills b with a deterministic pseudo-random sequence (xorshift64,
// fixed seed), standing for plaintext that does not compress.
func fillBlock(b []byte) {
	x := uint64(0x9E3779B97F4A7C15)
	for i := 0; i+8 <= len(b); i += 8 {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b[i], b[i+1], b[i+2], b[i+3] = byte(x), byte(x>>8), byte(x>>16), byte(x>>24)
		b[i+4], b[i+5], b[i+6], b[i+7] = byte(x>>32), byte(x>>40), byte(x>>48), byte(x>>56)
	}
}

// buildEncrypt1MiB: a KMIP 1.4 Encrypt request (KMIP 1.4 §4.29) of 1 MiB of
// Data under an AES-GCM key, with its IV. The Data is one 4 KiB
// pseudo-random block repeated, written with Raw so that building the
// message costs one copy of the data, as an application encoding its
// plaintext would.
func buildEncrypt1MiB(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, 1, nil)
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opEncrypt)
	e.Begin(ttlv.TagRequestPayload)
	e.TextString(ttlv.TagUniqueIdentifier, "3c1f0a52-8d4e-4b7a-9f61-2e5d7c0b9a84")
	e.Begin(ttlv.TagCryptographicParameters)
	e.Enumeration(ttlv.TagBlockCipherMode, modeGCM)
	e.Enumeration(ttlv.TagPaddingMethod, padNone)
	e.Enumeration(ttlv.TagCryptographicAlgorithm, algAES)
	e.End()
	var hdr [ttlv.HeaderSize]byte
	e.Raw(ttlv.AppendHeader(hdr[:0], ttlv.TagData, ttlv.TypeByteString, EncryptDataSize))
	var blk [4096]byte
	fillBlock(blk[:])
	for range EncryptDataSize / len(blk) {
		e.Raw(blk[:])
	}
	var iv [12]byte
	fillBlock(iv[:8])
	iv[8], iv[9], iv[10], iv[11] = 0, 0, 0, 1
	e.ByteString(ttlv.TagIVCounterNonce, iv[:])
	e.End()
	e.End()
	e.End()
}

// LocateResponseItems is the number of identifiers in the
// locate-response-1000 message.
const LocateResponseItems = 1000

// buildLocateResponse1000: a KMIP 2.1 Locate response (§6.1.27) naming
// 1 000 objects by UniqueIdentifier, with LocatedItems.
func buildLocateResponse1000(e *ttlv.Encoder) {
	e.Begin(ttlv.TagResponseMessage)
	e.Begin(ttlv.TagResponseHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 2)
	e.Integer(ttlv.TagProtocolVersionMinor, 1)
	e.End()
	e.DateTime(ttlv.TagTimeStamp, 1_767_225_600) // 2026-01-01T00:00:00Z
	e.Integer(ttlv.TagBatchCount, 1)
	e.End()
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opLocate)
	e.Enumeration(ttlv.TagResultStatus, statusSuccess)
	e.Begin(ttlv.TagResponsePayload)
	e.Integer(ttlv.TagLocatedItems, LocateResponseItems)
	var uid [36]byte
	for i := range LocateResponseItems {
		copy(uid[:], "5b2c9e17-0000-4000-8000-000000000000")
		for j, k := len(uid)-1, i; k > 0; j, k = j-1, k/10 {
			uid[j] = byte('0' + k%10)
		}
		e.TextBytes(ttlv.TagUniqueIdentifier, uid[:])
	}
	e.End()
	e.End()
	e.End()
}

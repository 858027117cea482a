// Package corpus builds the benchmark and test corpus: realistic KMIP
// messages, encoded with the ttlv Encoder, deterministic byte for byte.
// The encoded files live in testdata/corpus (see the golden test), so tools
// and other languages can read them; benchmarks call the builders too, to
// measure encoding.
//
// Enumeration values cite KMIP 2.1 §11; message layout KMIP 2.1 §8 and
// KMIP 1.4 §7 (TemplateAttribute form).
package corpus

import (
	_ "embed"

	"github.com/kmipwire/kmipwire/ttlv"
)

// A Message is one corpus entry.
type Message struct {
	// Name is the file name under testdata/corpus, without ".ttlv".
	Name string
	// Kind is the top-level tag's name.
	Kind string
	// Major and Minor are the KMIP protocol version of the message.
	Major, Minor int32
	// Build appends the message to e. It allocates nothing once e's buffer
	// has grown to the message size.
	Build func(e *ttlv.Encoder)
}

// Messages returns the corpus, smallest first.
func Messages() []Message {
	return []Message{
		{"get", "RequestMessage", 1, 4, buildGet},
		{"seed-createkeypair-locate", "RequestMessage", 2, 1, buildSeed},
		{"register-rsa4096", "RequestMessage", 1, 4, buildRegisterRSA},
		{"get-batch-100", "RequestMessage", 1, 4, buildGetBatch100},
	}
}

// Encode returns the encoding of m in a new slice.
func Encode(m Message) []byte {
	e := ttlv.NewEncoder(nil)
	m.Build(e)
	out := append([]byte(nil), e.Bytes()...)
	e.Release()
	return out
}

// Enumeration values, KMIP 2.1 §11.
const (
	opCreateKeyPair = 0x02 // §11.28 Operation
	opRegister      = 0x03
	opLocate        = 0x08
	opGet           = 0x0A

	objPrivateKey = 0x04 // §11.29 Object Type

	algRSA  = 0x04 // §11.11 Cryptographic Algorithm
	algECDH = 0x0E

	fmtPKCS1        = 0x03 // §11.25 Key Format Type
	fmtECPrivateKey = 0x06

	curve25519 = 0x45 // §11.41 Recommended Curve

	nameUninterpretedText = 0x01 // §11.27 Name Type

	batchContinue = 0x01 // §11.12 Batch Error Continuation Option

	usageSign = 0x01 // §11.53 Cryptographic Usage Mask
)

func header(e *ttlv.Encoder, major, minor, count int32, extra func()) {
	e.Begin(ttlv.TagRequestHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, major)
	e.Integer(ttlv.TagProtocolVersionMinor, minor)
	e.End()
	if extra != nil {
		extra()
	}
	e.Integer(ttlv.TagBatchCount, count)
	e.End()
}

// buildGet: a one-item KMIP 1.4 Get request.
func buildGet(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, 1, nil)
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opGet)
	e.Begin(ttlv.TagRequestPayload)
	e.TextString(ttlv.TagUniqueIdentifier, "fc8833de-70d2-4ece-b063-fede3a3c59fe")
	e.End()
	e.End()
	e.End()
}

// buildSeed: the request of the Cosmian "Messages" page (shared/seeds),
// corrected to valid tags: CreateKeyPair of a Curve25519 key and Locate,
// KMIP 2.1.
func buildSeed(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 2, 1, 2, func() { e.Integer(ttlv.TagMaximumResponseSize, 9999) })
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opCreateKeyPair)
	e.Begin(ttlv.TagRequestPayload)
	e.Begin(ttlv.TagCommonAttributes)
	e.Enumeration(ttlv.TagCryptographicAlgorithm, algECDH)
	e.Integer(ttlv.TagCryptographicLength, 256)
	e.Begin(ttlv.TagCryptographicDomainParameters)
	e.Integer(ttlv.TagQlength, 256)
	e.Enumeration(ttlv.TagRecommendedCurve, curve25519)
	e.End()
	e.Integer(ttlv.TagCryptographicUsageMask, 2108)
	e.Enumeration(ttlv.TagKeyFormatType, fmtECPrivateKey)
	e.Enumeration(ttlv.TagObjectType, objPrivateKey)
	e.End()
	e.End()
	e.End()
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opLocate)
	e.Begin(ttlv.TagRequestPayload)
	e.Begin(ttlv.TagAttributes)
	e.End()
	e.End()
	e.End()
	e.End()
}

//go:embed rsa4096.der
var rsa4096 []byte // PKCS#1 DER, generated once with crypto/rsa; test data only

// buildRegisterRSA: KMIP 1.4 Register of an RSA-4096 private key in PKCS#1
// form, attributes in a TemplateAttribute.
func buildRegisterRSA(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, 1, nil)
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opRegister)
	e.Begin(ttlv.TagRequestPayload)
	e.Enumeration(ttlv.TagObjectType, objPrivateKey)
	e.Begin(ttlv.TagTemplateAttribute)
	e.Begin(ttlv.TagAttribute)
	e.TextString(ttlv.TagAttributeName, "Cryptographic Usage Mask")
	e.Integer(ttlv.TagAttributeValue, usageSign)
	e.End()
	e.Begin(ttlv.TagAttribute)
	e.TextString(ttlv.TagAttributeName, "Name")
	e.Begin(ttlv.TagAttributeValue)
	e.TextString(ttlv.TagNameValue, "kmipwire-rsa4096-signing-key")
	e.Enumeration(ttlv.TagNameType, nameUninterpretedText)
	e.End()
	e.End()
	e.End()
	e.Begin(ttlv.TagPrivateKey)
	e.Begin(ttlv.TagKeyBlock)
	e.Enumeration(ttlv.TagKeyFormatType, fmtPKCS1)
	e.Begin(ttlv.TagKeyValue)
	e.ByteString(ttlv.TagKeyMaterial, rsa4096)
	e.End()
	e.Enumeration(ttlv.TagCryptographicAlgorithm, algRSA)
	e.Integer(ttlv.TagCryptographicLength, 4096)
	e.End()
	e.End()
	e.End()
	e.End()
	e.End()
}

// buildGetBatch100: a KMIP 1.4 batch of 100 independent Get items, each
// with a UniqueBatchItemID, errors continuing.
func buildGetBatch100(e *ttlv.Encoder) {
	const n = 100
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, n, func() {
		e.Enumeration(ttlv.TagBatchErrorContinuationOption, batchContinue)
	})
	var id [4]byte
	var uidArr [36]byte
	for i := range n {
		id[0], id[1], id[2], id[3] = byte(i>>24), byte(i>>16), byte(i>>8), byte(i)
		copy(uidArr[:], "7e3b1a9c-0000-4000-8000-000000000000")
		for j, k := len(uidArr)-1, i; k > 0; j, k = j-1, k/10 {
			uidArr[j] = byte('0' + k%10)
		}
		e.Begin(ttlv.TagBatchItem)
		e.Enumeration(ttlv.TagOperation, opGet)
		e.ByteString(ttlv.TagUniqueBatchItemID, id[:])
		e.Begin(ttlv.TagRequestPayload)
		e.TextBytes(ttlv.TagUniqueIdentifier, uidArr[:])
		e.End()
		e.End()
	}
	e.End()
}

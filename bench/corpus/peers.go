package corpus

import (
	_ "embed"

	"github.com/kmipwire/kmipwire/ttlv"
)

// PeerMessages returns the messages of the peer comparison
// (bench/peers), which every codec of the comparison reads and writes: the
// 100-item Get batch, a Create of an AES-256 key, a Get response carrying
// an RSA-2048 private key, a Locate by attributes and the seed
// CreateKeyPair + Locate. The three this function adds to Messages are
// committed under testdata/corpus/peers (not beside the others: the
// packages' tests take every testdata/corpus/*.ttlv for a request).
func PeerMessages() []Message {
	return []Message{
		{"get-batch-100", "RequestMessage", 1, 4, buildGetBatch100},
		{"create-aes256", "RequestMessage", 1, 4, buildCreateAES256},
		{"get-response-rsa2048", "ResponseMessage", 1, 4, buildGetResponseRSA2048},
		{"locate-attrs", "RequestMessage", 1, 4, buildLocateAttrs},
		{"seed-createkeypair-locate", "RequestMessage", 2, 1, buildSeed},
	}
}

// peerOnly returns the PeerMessages that Messages lacks.
func peerOnly() []Message {
	have := map[string]bool{}
	for _, m := range Messages() {
		have[m.Name] = true
	}
	var out []Message
	for _, m := range PeerMessages() {
		if !have[m.Name] {
			out = append(out, m)
		}
	}
	return out
}

// More enumeration values, KMIP 1.4 §9.1.3.2.
const (
	opCreate = 0x01 // §9.1.3.2.27 Operation

	objSymmetricKey = 0x02 // §9.1.3.2.12 Object Type

	usageEncrypt = 0x04 // §9.1.3.3.1 Cryptographic Usage Mask
	usageDecrypt = 0x08
)

// attribute appends a KMIP 1.x Attribute (§2.1.1) whose value value
// writes, under TagAttributeValue.
func attribute(e *ttlv.Encoder, name string, value func()) {
	e.Begin(ttlv.TagAttribute)
	e.TextString(ttlv.TagAttributeName, name)
	value()
	e.End()
}

func nameAttribute(e *ttlv.Encoder, name string) {
	attribute(e, "Name", func() {
		e.Begin(ttlv.TagAttributeValue)
		e.TextString(ttlv.TagNameValue, name)
		e.Enumeration(ttlv.TagNameType, nameUninterpretedText)
		e.End()
	})
}

// buildCreateAES256: a KMIP 1.4 Create (§4.1) of a 256-bit AES key for
// encryption and decryption, named, attributes in a TemplateAttribute.
func buildCreateAES256(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, 1, nil)
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opCreate)
	e.Begin(ttlv.TagRequestPayload)
	e.Enumeration(ttlv.TagObjectType, objSymmetricKey)
	e.Begin(ttlv.TagTemplateAttribute)
	attribute(e, "Cryptographic Algorithm", func() { e.Enumeration(ttlv.TagAttributeValue, algAES) })
	attribute(e, "Cryptographic Length", func() { e.Integer(ttlv.TagAttributeValue, 256) })
	attribute(e, "Cryptographic Usage Mask", func() { e.Integer(ttlv.TagAttributeValue, usageEncrypt|usageDecrypt) })
	nameAttribute(e, "kmipwire-aes256-data-key")
	e.End()
	e.End()
	e.End()
	e.End()
}

//go:embed rsa2048.der
var rsa2048 []byte // PKCS#1 DER, generated once with crypto/rsa; test data only

// buildGetResponseRSA2048: a KMIP 1.4 Get response (§4.11) returning an
// RSA-2048 private key in PKCS#1 form.
func buildGetResponseRSA2048(e *ttlv.Encoder) {
	e.Begin(ttlv.TagResponseMessage)
	e.Begin(ttlv.TagResponseHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 1)
	e.Integer(ttlv.TagProtocolVersionMinor, 4)
	e.End()
	e.DateTime(ttlv.TagTimeStamp, 1_767_225_600) // 2026-01-01T00:00:00Z
	e.Integer(ttlv.TagBatchCount, 1)
	e.End()
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opGet)
	e.Enumeration(ttlv.TagResultStatus, statusSuccess)
	e.Begin(ttlv.TagResponsePayload)
	e.Enumeration(ttlv.TagObjectType, objPrivateKey)
	e.TextString(ttlv.TagUniqueIdentifier, "b0c4e6a2-3d51-4f8e-9a27-6c1d8e5f4b39")
	e.Begin(ttlv.TagPrivateKey)
	e.Begin(ttlv.TagKeyBlock)
	e.Enumeration(ttlv.TagKeyFormatType, fmtPKCS1)
	e.Begin(ttlv.TagKeyValue)
	e.ByteString(ttlv.TagKeyMaterial, rsa2048)
	e.End()
	e.Enumeration(ttlv.TagCryptographicAlgorithm, algRSA)
	e.Integer(ttlv.TagCryptographicLength, 2048)
	e.End()
	e.End()
	e.End()
	e.End()
	e.End()
}

// buildLocateAttrs: a KMIP 1.4 Locate (§4.9) of named 256-bit AES keys,
// at most 16 of them.
func buildLocateAttrs(e *ttlv.Encoder) {
	e.Begin(ttlv.TagRequestMessage)
	header(e, 1, 4, 1, nil)
	e.Begin(ttlv.TagBatchItem)
	e.Enumeration(ttlv.TagOperation, opLocate)
	e.Begin(ttlv.TagRequestPayload)
	e.Integer(ttlv.TagMaximumItems, 16)
	attribute(e, "Object Type", func() { e.Enumeration(ttlv.TagAttributeValue, objSymmetricKey) })
	attribute(e, "Cryptographic Algorithm", func() { e.Enumeration(ttlv.TagAttributeValue, algAES) })
	attribute(e, "Cryptographic Length", func() { e.Integer(ttlv.TagAttributeValue, 256) })
	nameAttribute(e, "kmipwire-aes256-data-key")
	e.End()
	e.End()
	e.End()
}

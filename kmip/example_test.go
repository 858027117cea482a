package kmip_test

import (
	"fmt"
	"os"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A Create request for an AES-256 key, encoded for KMIP 2.1; the server's
// response decoded, and its Unique Identifier read.
func Example() {
	req := kmip.RequestMessage{
		RequestHeader: &kmip.RequestHeader{
			ProtocolVersion: &kmip.ProtocolVersion{ProtocolVersionMajor: 2, ProtocolVersionMinor: 1},
			BatchCount:      1,
		},
		BatchItem: []kmip.RequestBatchItem{{
			Operation: kmip.OperationCreate,
			RequestPayload: &kmip.CreateRequestPayload{
				ObjectType: kmip.ObjectTypeSymmetricKey,
				Attributes: &kmip.Attributes{
					CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
					CryptographicLength:    kmip.Some[int32](256),
					CryptographicUsageMask: kmip.Some(kmip.CryptographicUsageMaskEncrypt | kmip.CryptographicUsageMaskDecrypt),
				},
			},
		}},
	}
	wire := req.AppendTTLV(nil, kmip.V2_1) // send wire to the server …

	respBytes := serverResponse() // … and read its answer
	var resp kmip.ResponseMessage
	if err := resp.UnmarshalTTLV(respBytes); err != nil {
		fmt.Println(err)
		return
	}
	item := resp.BatchItem[0]
	if p, ok := item.ResponsePayload.(*kmip.CreateResponsePayload); ok && item.ResultStatus == kmip.ResultStatusSuccess {
		fmt.Println(len(wire), "bytes sent; created", p.UniqueIdentifier)
	}
	// Output: 176 bytes sent; created 4a1f8c2e-7d0b-4c5e-9f2a-1b3c5d7e9f01
}

// serverResponse is what a server answers to the Create of Example.
func serverResponse() []byte {
	resp := kmip.ResponseMessage{
		ResponseHeader: &kmip.ResponseHeader{
			ProtocolVersion: &kmip.ProtocolVersion{ProtocolVersionMajor: 2, ProtocolVersionMinor: 1},
			TimeStamp:       mustTime(1733500000),
			BatchCount:      1,
		},
		BatchItem: []kmip.ResponseBatchItem{{
			Operation:    kmip.Some(kmip.OperationCreate),
			ResultStatus: kmip.ResultStatusSuccess,
			ResponsePayload: &kmip.CreateResponsePayload{
				ObjectType:       kmip.ObjectTypeSymmetricKey,
				UniqueIdentifier: "4a1f8c2e-7d0b-4c5e-9f2a-1b3c5d7e9f01",
			},
		}},
	}
	return resp.AppendTTLV(nil, kmip.V2_1)
}

// One Go type serves both wire forms: encoded for KMIP 1.4, the attribute
// set of a Create becomes a Template-Attribute of Attribute name–value
// pairs (KMIP 1.4 §2.1.8).
func ExampleCreateRequestPayload_AppendTTLV() {
	p := kmip.CreateRequestPayload{
		ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: &kmip.Attributes{
			CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
			CryptographicLength:    kmip.Some[int32](256),
		},
	}
	for _, ver := range []kmip.Version{kmip.V2_1, kmip.V1_4} {
		var v ttlv.Value
		if err := ttlv.Unmarshal(p.AppendTTLV(nil, ver), &v); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Printf("KMIP %s:\n%s", ver, v.String())
	}
	// Output:
	// KMIP 2.1:
	// RequestPayload Structure (56 bytes)
	//   ObjectType Enumeration SymmetricKey (0x00000002)
	//   Attributes Structure (32 bytes)
	//     CryptographicAlgorithm Enumeration AES (0x00000003)
	//     CryptographicLength Integer 256
	// KMIP 1.4:
	// RequestPayload Structure (136 bytes)
	//   ObjectType Enumeration SymmetricKey (0x00000002)
	//   TemplateAttribute Structure (112 bytes)
	//     Attribute Structure (48 bytes)
	//       AttributeName TextString "Cryptographic Algorithm"
	//       AttributeValue Enumeration AES (0x00000003)
	//     Attribute Structure (48 bytes)
	//       AttributeName TextString "Cryptographic Length"
	//       AttributeValue Integer 256
}

// Enumerations and masks print as the JSON and XML forms name them, and
// parse back.
func ExampleCryptographicUsageMask() {
	m := kmip.CryptographicUsageMaskSign | kmip.CryptographicUsageMaskVerify
	fmt.Println(m, m.Has(kmip.CryptographicUsageMaskSign))
	op, err := kmip.ParseOperation("CreateKeyPair")
	fmt.Println(uint32(op), op, err)
	fmt.Println(kmip.CryptographicAlgorithm(0x80000010), kmip.CryptographicAlgorithm(0x80000010).IsExtension())
	// Output:
	// Sign|Verify true
	// 2 CreateKeyPair <nil>
	// 0x80000010 true
}

func mustTime(unix int64) time.Time { return time.Unix(unix, 0).UTC() }

// Fields whose encoding varies are Raw items: a Key Block's Key Value (a
// Byte String when wrapped, else a Structure) and its Key Material (bytes,
// or the Structure of a Transparent key format). Each decodes into its
// type when it is a Structure.
func ExampleRaw() {
	material := kmip.TransparentSymmetricKey{Key: []byte{0x01, 0x02, 0x03, 0x04}}
	value := kmip.KeyValue{KeyMaterial: kmip.Raw(material.AppendTTLV(nil, kmip.V2_1))}
	block := kmip.KeyBlock{
		KeyFormatType:          kmip.KeyFormatTypeTransparentSymmetricKey,
		KeyValue:               kmip.Raw(value.AppendTTLV(nil, kmip.V2_1)),
		CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
		CryptographicLength:    kmip.Some[int32](32),
	}
	wire := block.AppendTTLV(nil, kmip.V2_1)

	var got kmip.KeyBlock
	var kv kmip.KeyValue
	var key kmip.TransparentSymmetricKey
	if err := got.UnmarshalTTLV(wire); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(got.KeyValue.Type(), got.KeyFormatType)
	if err := kv.UnmarshalTTLV(got.KeyValue); err != nil {
		fmt.Println(err)
		return
	}
	if err := key.UnmarshalTTLV(kv.KeyMaterial); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%x\n", key.Key)
	// Output:
	// Structure TransparentSymmetricKey
	// 01020304
}

// A KMIP 1.x Create carries its attributes as a Template-Attribute of
// name–value pairs; AttributeSet reads them as the attribute set, each
// value typed by its Attribute Name.
func ExampleTemplateAttribute_AttributeSet() {
	v1 := kmip.CreateRequestPayload{
		ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: &kmip.Attributes{
			CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
			CryptographicLength:    kmip.Some[int32](128),
			Name:                   []kmip.Name{{NameValue: "backup", NameType: kmip.NameTypeUninterpretedTextString}},
		},
	}
	wire := v1.AppendTTLV(nil, kmip.V1_2) // as a 1.2 client writes it

	var p kmip.CreateRequestPayload
	if err := p.UnmarshalTTLV(wire); err != nil {
		fmt.Println(err)
		return
	}
	set, err := p.TemplateAttribute.AttributeSet()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(len(p.TemplateAttribute.Attribute), set.CryptographicAlgorithm.Value, set.CryptographicLength.Value, set.Name[0].NameValue)
	// Output: 3 AES 128 backup
}

// A KMIP 3.0 (draft) Create Credential request (3.0 §6.1.9): encoded for
// 3.0 the Name is a Text String (3.0 §4.36). Encoded for 2.1, which has no
// such operation, the payload would be empty.
func ExampleCreateCredentialRequestPayload() {
	p := kmip.CreateCredentialRequestPayload{
		CredentialType: kmip.CredentialTypePassword,
		Attributes: &kmip.Attributes{
			Name: []kmip.Name{{NameValue: "alice", NameType: kmip.NameTypeUninterpretedTextString}},
		},
		PasswordCredential: &kmip.PasswordCredential{Password: kmip.Some("correct horse")},
	}
	b := p.AppendTTLV(nil, kmip.V3_0)
	if err := ttlv.Dump(os.Stdout, b, ttlv.DumpOptions{}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 0 RequestPayload Structure (72 bytes)
	//      8   CredentialType Enumeration Password (0x00000007)
	//     24   Attributes Structure (16 bytes)
	//     32     Name TextString "alice"
	//     48   PasswordCredential Structure (24 bytes)
	//     56     Password TextString "correct horse"
}

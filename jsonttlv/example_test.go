package jsonttlv_test

import (
	"errors"
	"fmt"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Convert a JSON request into binary TTLV and back.
func Example() {
	in := []byte(`{"tag": "RequestPayload", "value": [
		{"tag": "ObjectType", "type": "Enumeration", "value": "SymmetricKey"},
		{"value": "Encrypt|Decrypt", "type": "Integer", "tag": "CryptographicUsageMask"}
	]}`)
	bin, err := jsonttlv.AppendBinary(nil, in, jsonttlv.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%x\n", bin)

	out, _ := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{Indent: "  "})
	fmt.Println(string(out))
	// Output:
	// 42007901000000204200570500000004000000020000000042002c02000000040000000c00000000
	// {
	//   "tag": "RequestPayload",
	//   "type": "Structure",
	//   "value": [
	//     {
	//       "tag": "ObjectType",
	//       "type": "Enumeration",
	//       "value": "SymmetricKey"
	//     },
	//     {
	//       "tag": "CryptographicUsageMask",
	//       "type": "Integer",
	//       "value": "Encrypt|Decrypt"
	//     }
	//   ]
	// }
}

// The Cosmian dialect writes what Cosmian KMS's parser accepts.
func ExampleAppendJSON_cosmian() {
	bin := ttlv.AppendEnumeration(nil, ttlv.TagObjectType, 2)
	out, _ := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{Dialect: jsonttlv.DialectCosmian})
	fmt.Println(string(out))
	// Output:
	// {"tag":"ObjectType","type":"Enumeration","value":"0x00000002"}
}

// Errors say where, in which item, and what was meant.
func ExampleError() {
	in := []byte(`{"tag": "ResponseMessage", "value": [
  {"tag": "BtachItem", "value": []}
]}`)
	_, err := jsonttlv.AppendBinary(nil, in, jsonttlv.DecodeOptions{})
	fmt.Println(err)
	fmt.Println(errors.Is(err, jsonttlv.ErrUnknownTag))
	// Output:
	// jsonttlv: line 2 column 11 /ResponseMessage: unknown tag: "BtachItem", did you mean "BatchItem"?
	// true
}

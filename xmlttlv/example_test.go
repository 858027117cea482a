package xmlttlv_test

import (
	"fmt"
	"io"
	"os"

	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

func Example() {
	in := []byte(`<RequestPayload>
  <ObjectType type="Enumeration" value="SymmetricKey"/>
  <CryptographicUsageMask type="Integer" value="Decrypt Encrypt"/>
</RequestPayload>`)
	bin, err := xmlttlv.AppendBinary(nil, in, xmlttlv.DecodeOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%d bytes of TTLV\n", len(bin))
	if err := xmlttlv.WriteXML(os.Stdout, bin, xmlttlv.EncodeOptions{Indent: "  "}); err != nil {
		fmt.Println(err)
	}
	// Output:
	// 40 bytes of TTLV
	// <RequestPayload>
	//   <ObjectType type="Enumeration" value="SymmetricKey"/>
	//   <CryptographicUsageMask type="Integer" value="Encrypt Decrypt"/>
	// </RequestPayload>
}

func ExampleAppendBinary_error() {
	_, err := xmlttlv.AppendBinary(nil, []byte("<RequestMessage>\n  <Header/>\n</RequestMessage>"), xmlttlv.DecodeOptions{})
	fmt.Println(err)
	// Output:
	// xmlttlv: line 2 column 3 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?
}

// A document of several messages, as the OASIS test cases are, with their
// placeholders bound.
func ExampleDecoder() {
	doc := []byte(`<KMIP>
<ResponseMessage><ResponseHeader><TimeStamp type="DateTime" value="$NOW"/></ResponseHeader></ResponseMessage>
<ResponseMessage><ResponseHeader><TimeStamp type="DateTime" value="$NOW"/></ResponseHeader></ResponseMessage>
</KMIP>`)
	d := xmlttlv.NewDecoder(doc, xmlttlv.DecodeOptions{Placeholder: func(p xmlttlv.Placeholder) ([]byte, error) {
		return []byte("2001-01-01T00:00:00Z"), nil
	}})
	for {
		msg, err := d.Next(nil)
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println(err)
			return
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(msg, &v); err != nil {
			fmt.Println(err)
			return
		}
		fmt.Println(v.Child(ttlv.TagResponseHeader).Child(ttlv.TagTimeStamp).Time().UTC())
	}
	// Output:
	// 2001-01-01 00:00:00 +0000 UTC
	// 2001-01-01 00:00:00 +0000 UTC
}

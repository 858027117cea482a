package conform

import (
	"context"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/kmipserver"
)

// TestLiteralDates: in any test case, a literal Date-Time of a response
// payload that no earlier request carried is the reference run's clock,
// compared by presence and type only; one a request carried is compared.
func TestLiteralDates(t *testing.T) {
	doc := func(activation string) string {
		hdr := `<RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>`
		rhdr := `<ResponseHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="2"/><ProtocolVersionMinor type="Integer" value="1"/></ProtocolVersion><TimeStamp type="DateTime" value="$NOW"/><BatchCount type="Integer" value="1"/></ResponseHeader>`
		return `<KMIP>
<RequestMessage>` + hdr + `<BatchItem><Operation type="Enumeration" value="Register"/><RequestPayload>
<ObjectType type="Enumeration" value="SymmetricKey"/>
<Attributes><ActivationDate type="DateTime" value="2001-01-01T00:00:00+00:00"/><DeactivationDate type="DateTime" value="2003-01-01T00:00:00+00:00"/></Attributes>
<SymmetricKey><KeyBlock><KeyFormatType type="Enumeration" value="Raw"/><KeyValue><KeyMaterial type="ByteString" value="0123456789abcdef0123456789abcdef"/></KeyValue>
<CryptographicAlgorithm type="Enumeration" value="AES"/><CryptographicLength type="Integer" value="128"/></KeyBlock></SymmetricKey>
</RequestPayload></BatchItem></RequestMessage>
<ResponseMessage>` + rhdr + `<BatchItem><Operation type="Enumeration" value="Register"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/></ResponsePayload></BatchItem></ResponseMessage>
<RequestMessage>` + hdr + `<BatchItem><Operation type="Enumeration" value="GetAttributes"/><RequestPayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
<AttributeReference type="Enumeration" value="InitialDate"/><AttributeReference type="Enumeration" value="ActivationDate"/></RequestPayload></BatchItem></RequestMessage>
<ResponseMessage>` + rhdr + `<BatchItem><Operation type="Enumeration" value="GetAttributes"/><ResultStatus type="Enumeration" value="Success"/><ResponsePayload><UniqueIdentifier type="TextString" value="$UNIQUE_IDENTIFIER_0"/>
<Attributes><InitialDate type="DateTime" value="2018-12-19T19:24:26+10:00"/><ActivationDate type="DateTime" value="` + activation + `"/></Attributes></ResponsePayload></BatchItem></ResponseMessage>
</KMIP>`
	}
	for _, tc := range []struct {
		activation string
		ok         bool
	}{
		{"2001-01-01T00:00:00+00:00", true},  // as sent; the Initial Date is the reference's clock
		{"2003-01-01T00:00:00+00:00", false}, // a date the request carried, for another attribute
	} {
		c := Parse([]byte(doc(tc.activation)), "dates.xml", "p")
		if c.Err != nil {
			t.Fatal(c.Err)
		}
		fr := Replay(context.Background(), c, InProcess{Handler: kmipserver.New(kmipserver.Config{})}, nil)
		if (fr.Outcome == Passed) != tc.ok || !tc.ok && !strings.Contains(fr.Detail, "ActivationDate") {
			t.Errorf("Activation Date %s expected: %s: %s", tc.activation, fr.Outcome, fr.Detail)
		}
	}
}

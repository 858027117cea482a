package conform

import (
	"bytes"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestTypedReportFails: an item of a type its field does not take (a Batch
// Count written as a Long Integer) is kept as unknown and comes back
// byte-exact; a report holding a failure fails the run.
func TestTypedReportFails(t *testing.T) {
	b := ttlv.AppendLongInteger(nil, ttlv.TagBatchCount, 1)
	var hdr []byte
	hdr, mark := ttlv.BeginStructure(hdr, ttlv.TagRequestHeader)
	hdr = append(hdr, b...)
	ttlv.EndStructure(hdr, mark)
	msg, m2 := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	msg = append(msg, hdr...)
	ttlv.EndStructure(msg, m2)
	var req kmip.RequestMessage
	var resp kmip.ResponseMessage
	unknown, err := typedRoundTrip(msg, &req, &resp)
	if err != nil || len(unknown) != 1 || unknown[0].Type() != ttlv.TypeLongInteger {
		t.Fatalf("unknown %v, err %v", unknown, err)
	}
	rep := &TypedReport{Failures: []string{"x.xml: typed encode: differs"}}
	var out bytes.Buffer
	if err := rep.Write(&out); err != nil || !rep.Failed() || !strings.Contains(out.String(), "FAIL x.xml") {
		t.Fatalf("report %q failed=%v", out.String(), rep.Failed())
	}
}

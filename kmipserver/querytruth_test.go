package kmipserver

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestQueryTellsTheTruth: in each version, every operation Query lists
// is answered (with an empty payload: any answer but Operation Not
// Supported), and every other operation the Operation enumeration names
// is Operation Not Supported — the list README gives of the operations
// kmipd does not implement is what the server does.
func TestQueryTellsTheTruth(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, {major: 2, minor: 0}, {major: 2, minor: 1}, {major: 3, minor: 0}} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			listed := map[uint32]bool{}
			p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
			for _, ch := range p.Children {
				if ch.Tag == ttlv.TagOperation {
					listed[uint32(ch.Num)] = true
				}
			}
			var missing []string
			for op := uint32(1); op < 0x100; op++ {
				opName, named := ttlv.EnumName(ttlv.TagOperation, op)
				if !named && !listed[op] {
					continue
				}
				r := do(t, s, h, item(op))
				_, reason := status(&r.items[0])
				switch {
				case listed[op] && reason == rrOperationNotSupported:
					t.Errorf("Query lists %s, which is answered Operation Not Supported", opName)
				case !listed[op] && reason != rrOperationNotSupported:
					t.Errorf("%s is implemented (reason 0x%X) but Query does not list it", opName, reason)
				case !listed[op]:
					missing = append(missing, opName)
				}
			}
			t.Logf("not implemented in %d.%d: %v", h.major, h.minor, missing)
		})
	}
}

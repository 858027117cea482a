package kmipserver

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestOperationVersions: in every protocol version, Query lists exactly
// the implemented operations that version defines (opSince), and every
// operation it does not list is refused with Operation Not Supported
// before its payload is looked at.
func TestOperationVersions(t *testing.T) {
	s := New(Config{Interop: true})
	for _, pv := range versions {
		h := hdr{major: pv[0], minor: pv[1]}
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
			listed := map[uint32]bool{}
			for _, ch := range p.Children {
				if ch.Tag == ttlv.TagOperation {
					listed[uint32(ch.Num)] = true
				}
			}
			for _, op := range operations {
				major, minor := opSince(op)
				want := h.major > major || h.major == major && h.minor >= minor || op == opDiscoverVersions
				if listed[op] != want {
					t.Errorf("operation 0x%02X (since %d.%d): listed %v", op, major, minor, listed[op])
				}
				if !want {
					failed(t, &do(t, s, h, item(op)).items[0], rrOperationNotSupported)
				}
			}
		})
	}
	// The versions the operations came with (1.2 §4.35–§4.37, 1.4 §4.40).
	for _, tc := range []struct {
		op           uint32
		major, minor int32
	}{{opHash, 1, 2}, {opRNGSeed, 1, 2}, {opRNGRetrieve, 1, 2}, {opReKeyKeyPair, 1, 1}, {opExport, 1, 4}, {opSetEndpointRole, 2, 0}, {opGet, 1, 0}} {
		if major, minor := opSince(tc.op); major != tc.major || minor != tc.minor {
			t.Errorf("operation 0x%02X since %d.%d, want %d.%d", tc.op, major, minor, tc.major, tc.minor)
		}
	}
}

package kmipserver

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestRegisterFresh: a client may register an object as not Fresh (2.1
// §4.24); without Fresh it is Fresh; Fresh must be a Boolean.
func TestRegisterFresh(t *testing.T) {
	s := newTestServer()
	reg := func(extra ...v) *v {
		attrs := append([]v{integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))}, extra...)
		return &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
			st(ttlv.TagAttributes, attrs...), symKey(kfRaw, bytes.Repeat([]byte{1}, 16), algAES, 128))).items[0]
	}
	for _, tc := range []struct {
		extra []v
		want  int64
	}{{nil, 1}, {[]v{ttlv.Boolean(ttlv.TagFresh, false)}, 0}, {[]v{ttlv.Boolean(ttlv.TagFresh, true)}, 1}} {
		id := ok(t, reg(tc.extra...)).Child(ttlv.TagUniqueIdentifier).Text()
		if a := attrOf(t, s, id, ttlv.TagFresh); a == nil || a.Num != tc.want {
			t.Errorf("Register with %v: Fresh %v, want %d", tc.extra, a, tc.want)
		}
	}
	failed(t, reg(ttlv.Integer(ttlv.TagFresh, 1)), rrInvalidField)
}

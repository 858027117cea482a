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

// TestKeyValuePresent: a key registered without its Key Value (metadata
// only, KMIP 1.4 §2.1.3) has Key Value Present false (2.1 §4.32); Get
// serves the Key Block as registered.
func TestKeyValuePresent(t *testing.T) {
	s := newTestServer()
	kb := st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw),
		enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128)))
	id := ok(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
		st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))), kb)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	if a := attrOf(t, s, id, ttlv.TagKeyValuePresent); a == nil || a.Num != 0 {
		t.Errorf("Key Value Present %v, want false", a)
	}
	g := ok(t, &do(t, s, v21, item(opGet, uid(id))).items[0])
	if g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue) != nil {
		t.Error("Get invented a Key Value")
	}
	full := registerSym(t, s, bytes.Repeat([]byte{1}, 16), algAES, usageEncrypt)
	if a := attrOf(t, s, full, ttlv.TagKeyValuePresent); a != nil {
		t.Errorf("a key with its value: Key Value Present %v", a)
	}
}

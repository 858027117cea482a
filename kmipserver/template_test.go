package kmipserver

import (
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestTemplates: a KMIP 1.4 Template registered with a Name gives its
// attributes to a Create whose Template-Attribute names it, the request's
// own attributes overriding them; an unknown Template fails with Item Not
// Found; a destroyed Template is no longer found; Templates exist in 1.x
// only (Register refuses one at 2.1, Query lists the type at 1.4 only).
func TestTemplates(t *testing.T) {
	s := newTestServer()
	h := hdr{major: 1, minor: 4}
	tmplName := name("aes-template")
	tmplName.Tag = ttlv.TagAttributeValue
	reg := item(opRegister, enum(ttlv.TagObjectType, objTemplate),
		st(ttlv.TagTemplateAttribute, st(ttlv.TagAttribute, str(ttlv.TagAttributeName, "Name"), tmplName)),
		st(ttlv.TagTemplate,
			attr1("Cryptographic Algorithm", enum(0, algAES)),
			attr1("Cryptographic Length", integer(0, 128)),
			attr1("Cryptographic Usage Mask", integer(0, int32(usageEncrypt|usageDecrypt)))))
	tid := ok(t, &do(t, s, h, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	create := func(extra ...v) *v {
		ta := st(ttlv.TagTemplateAttribute, name("aes-template"))
		ta.Children = append(ta.Children, extra...)
		return &do(t, s, h, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), ta)).items[0]
	}
	for _, tc := range []struct {
		extra []v
		bits  int
	}{{nil, 128}, {[]v{attr1("Cryptographic Length", integer(0, 256))}, 256}} {
		id := ok(t, create(tc.extra...)).Child(ttlv.TagUniqueIdentifier).Text()
		if got := len(keyBytes(t, s, h, id)); got != tc.bits/8 {
			t.Errorf("key of %d bytes, want %d", got, tc.bits/8)
		}
		for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])) {
			if a.Tag == ttlv.TagName {
				t.Errorf("the key took the Template's Name %v", a)
			}
		}
	}
	ta := st(ttlv.TagTemplateAttribute, name("no such template"))
	failed(t, &do(t, s, h, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), ta)).items[0], rrItemNotFound)
	ok(t, &do(t, s, h, item(opDestroy, uid(tid))).items[0])
	failed(t, create(), rrItemNotFound)

	failed(t, &do(t, s, v21, item(opRegister, enum(ttlv.TagObjectType, objTemplate),
		st(ttlv.TagTemplate, attr1("Cryptographic Length", integer(0, 128))))).items[0], rrInvalidField)
	if l14, l21 := queryListsObject(t, s, h, objTemplate), queryListsObject(t, s, v21, objTemplate); !l14 || l21 {
		t.Errorf("Query lists Template: 1.4 %v, 2.1 %v", l14, l21)
	}
}

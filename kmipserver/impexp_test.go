package kmipserver

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// payloadAttr returns the first attribute tagged t of a Get Attributes or
// Export answer, nil if none.
func payloadAttr(t *testing.T, h hdr, p *v, tag ttlv.Tag) *v {
	t.Helper()
	for _, a := range attrsOf(t, h, p) {
		if a.Tag == tag {
			return &a
		}
	}
	return nil
}

// TestExport: Export answers what Get answers, with every attribute Get
// Attributes lists (a 2.x Attributes Structure, 1.4 Attribute items),
// leaves Fresh true, sets the ID Placeholder, answers a destroyed object
// without its value, and is a KMIP 1.4 operation.
func TestExport(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 16)
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes,
				integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))), symKey(kfRaw, key, algAES, 128))
			id := ok(t, &do(t, s, h, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			all := ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])
			r := do(t, s, h, item(opExport, uid(id)), item(opGetAttributes))
			p := ok(t, &r.items[0])
			if got := p.Child(ttlv.TagObjectType); got == nil || uint32(got.Num) != objSymmetricKey || p.Child(ttlv.TagUniqueIdentifier).Text() != id {
				t.Fatalf("Export: %s", p.String())
			}
			exp, want := attrsOf(t, h, p), attrsOf(t, h, all)
			if len(exp) != len(want) {
				t.Fatalf("Export has %d attributes, Get Attributes %d:\n%s", len(exp), len(want), p.String())
			}
			for i := range want {
				if !bytes.Equal(ttlv.Marshal(&exp[i]), ttlv.Marshal(&want[i])) {
					t.Errorf("attribute %d: %s, want %s", i, exp[i].String(), want[i].String())
				}
			}
			km := p.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial)
			if !bytes.Equal(km.Bytes, key) {
				t.Errorf("key material %x", km.Bytes)
			}
			// Export is not a Get: still Fresh. The ID Placeholder is set.
			if f := payloadAttr(t, h, ok(t, &r.items[1]), ttlv.TagFresh); f == nil || f.Num != 1 {
				t.Errorf("Fresh after Export: %v", f)
			}
			// In another Key Format Type, as Get.
			failed(t, &do(t, s, h, item(opExport, uid(id), enum(ttlv.TagKeyFormatType, kfPKCS8))).items[0], rrKeyFormatTypeUnsupported)
			// A destroyed object: attributes, no value.
			ok(t, &do(t, s, h, item(opDestroy, uid(id))).items[0])
			p = ok(t, &do(t, s, h, item(opExport, uid(id))).items[0])
			if p.Child(ttlv.TagSymmetricKey) != nil || payloadAttr(t, h, p, ttlv.TagState) == nil {
				t.Errorf("Export of a destroyed key: %s", p.String())
			}
			failed(t, &do(t, s, h, item(opExport, uid("no such object"))).items[0], notFoundIn(h))
		})
	}
	failed(t, &do(t, newTestServer(), hdr{major: 1, minor: 3}, item(opExport, uid("x"))).items[0], rrOperationNotSupported)
}

// TestImport: Import keeps the identifier and the attributes given, the
// server's own ones included, sets what is not given as Register does,
// refuses an existing identifier unless Replace Existing, replaces in
// place when it is, and is undone with its batch.
func TestImport(t *testing.T) {
	key := bytes.Repeat([]byte{9}, 16)
	initial := int64(946684800) // 2000-01-01
	importItem := func(h hdr, id string, replace bool, key []byte, attrs ...v) v {
		attrs = append([]v{str(ttlv.TagUniqueIdentifier, id), enum(ttlv.TagObjectType, objSymmetricKey),
			enum(ttlv.TagState, stateActive), ttlv.DateTime(ttlv.TagInitialDate, time.Unix(initial, 0)),
			integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt|usageDecrypt))}, attrs...)
		args := []v{uid(id), enum(ttlv.TagObjectType, objSymmetricKey), ttlv.Boolean(ttlv.TagReplaceExisting, replace)}
		if h.major >= 2 {
			args = append(args, st(ttlv.TagAttributes, attrs...))
		} else {
			for _, a := range attrs {
				args = append(args, attr1(mustSpecName(a.Tag), a))
			}
		}
		return item(opImport, append(args, symKey(kfRaw, key, algAES, 128))...)
	}
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			const id = "imported-key-1"
			// With an ID Placeholder for the next item.
			r := do(t, s, h, importItem(h, id, false, key), item(opGetAttributes))
			if got := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
				t.Fatalf("Import answered %q", got)
			}
			p := ok(t, &r.items[1])
			if st := payloadAttr(t, h, p, ttlv.TagState); st == nil || uint32(st.Num) != stateActive {
				t.Errorf("State %v, want Active as imported", st)
			}
			if d := payloadAttr(t, h, p, ttlv.TagInitialDate); d == nil || d.Num != initial {
				t.Errorf("Initial Date %v, want the imported one", d)
			}
			if payloadAttr(t, h, p, ttlv.TagLastChangeDate) == nil || payloadAttr(t, h, p, ttlv.TagDigest) == nil {
				t.Errorf("Last Change Date, Digest not set by the server:\n%s", p.String())
			}
			// The key is usable: Active, as imported.
			ct := ok(t, &do(t, s, h, item(opEncrypt, uid(id), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeECB),
				enum(ttlv.TagPaddingMethod, padNone)), bstr(ttlv.TagData, make([]byte, 16)))).items[0])
			if len(ct.Child(ttlv.TagData).Bytes) != 16 {
				t.Errorf("Encrypt: %s", ct.String())
			}
			// The same identifier again: refused, unless replacing.
			key2 := bytes.Repeat([]byte{3}, 16)
			failed(t, &do(t, s, h, importItem(h, id, false, key2)).items[0], rrObjectAlreadyExists)
			n := s.Objects()
			ok(t, &do(t, s, h, importItem(h, id, true, key2)).items[0])
			g := ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
			if km := g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); !bytes.Equal(km.Bytes, key2) {
				t.Errorf("replaced key material %x", km.Bytes)
			}
			if s.Objects() != n {
				t.Errorf("%d objects after a replacing Import, want %d", s.Objects(), n)
			}
			// Undone with its batch: the new object goes, the replaced one
			// comes back.
			undo := hdr{major: h.major, minor: h.minor, cont: batch.Undo}
			do(t, s, undo, importItem(h, "imported-key-2", false, key), importItem(h, id, true, key), item(opGet, uid("missing")))
			failed(t, &do(t, s, h, item(opGet, uid("imported-key-2"))).items[0], notFoundIn(h))
			g = ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
			if km := g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); !bytes.Equal(km.Bytes, key2) {
				t.Errorf("after the undone replacement: key material %x", km.Bytes)
			}
			// Bad requests.
			failed(t, &do(t, s, h, importItem(h, strings.Repeat("x", maxImportIDLen+1), false, key)).items[0], rrInvalidField)
			mismatch := importItem(h, "imported-key-3", false, key)
			mismatch.Child(ttlv.TagRequestPayload).Child(ttlv.TagUniqueIdentifier).Bytes = []byte("imported-key-4")
			failed(t, &do(t, s, h, mismatch).items[0], rrInvalidField)
			failed(t, &do(t, s, h, item(opImport, enum(ttlv.TagObjectType, objSymmetricKey), symKey(kfRaw, key, algAES, 128))).items[0], rrInvalidField)
		})
	}
	failed(t, &do(t, newTestServer(), hdr{major: 1, minor: 3}, importItem(hdr{major: 1, minor: 3}, "a", false, key)).items[0], rrOperationNotSupported)
}

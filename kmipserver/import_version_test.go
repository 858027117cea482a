package kmipserver

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// importKey is an Import of a 256-bit AES key under id in version h.
func importKey(h hdr, id string, replace bool) v {
	return item(opImport, uid(id), enum(ttlv.TagObjectType, objSymmetricKey), ttlv.Boolean(ttlv.TagReplaceExisting, replace),
		st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, 1),
			st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, make([]byte, 32))),
			enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256))))
}

// TestImportVersionTypes: an Import under the identifier of an object
// the request's protocol version does not have (a 3.0 User, a 1.x
// Template, a 2.0 Certificate Request) is refused, with or without
// Replace Existing, with the answer an Import under the identifier of
// another identity's object gets under access control (Permission
// Denied), not Object Already Exists; the object is left as it was.
// Without access control the answer is Permission Denied too.
func TestImportVersionTypes(t *testing.T) {
	h14, h30 := hdr{major: 1, minor: 4}, hdr{major: 3, minor: 0, noCount: true}
	for _, acl := range []bool{true, false} {
		t.Run(fmt.Sprintf("access control %v", acl), func(t *testing.T) {
			s := newTestServer()
			if acl {
				s = newACLServer()
			}
			alice := createdID(t, doAs(t, s, "alice", v21, createAES(v21, 128)))
			user := createdID(t, doAs(t, s, "bob", h30, item(opCreateUser, st(ttlv.TagAttributes))))
			tmpl := createdID(t, doAs(t, s, "bob", h14, item(opRegister, enum(ttlv.TagObjectType, objTemplate), st(ttlv.TagTemplateAttribute),
				st(ttlv.TagTemplate, attr1("Cryptographic Length", integer(0, 128))))))
			own := createdID(t, doAs(t, s, "bob", v21, createAES(v21, 128)))
			for _, tc := range []struct {
				h      hdr
				hidden []string
			}{{v21, []string{user, tmpl}}, {h14, []string{user}}, {h30, []string{tmpl}}} {
				h := tc.h
				for _, replace := range []bool{false, true} {
					for _, id := range tc.hidden {
						got := &doAs(t, s, "bob", h, importKey(h, id, replace)).items[0]
						if rs, rr := status(got); rs != 1 || rr != rrPermissionDenied {
							t.Errorf("%d.%d Import (replace %v) under %s (not of this version): status %d reason 0x%X, want Permission Denied",
								h.major, h.minor, replace, id, rs, rr)
						}
						if acl {
							toAlice := refusal(&doAs(t, s, "bob", h, importKey(h, alice, replace)).items[0], alice)
							if r := refusal(got, id); r != toAlice {
								t.Errorf("%d.%d Import (replace %v) under %s (not of this version): %s; under alice's key: %s",
									h.major, h.minor, replace, id, r, toAlice)
							}
						}
					}
				}
				failed(t, &doAs(t, s, "bob", h, importKey(h, own, false)).items[0], rrObjectAlreadyExists)
			}
			// Left as they were: the User in 3.0, the Template in 1.4.
			r := ok(t, &doAs(t, s, "bob", h30, item(opGetAttributes, uid(user), enum(ttlv.TagAttributeReference, uint32(ttlv.TagObjectType)))).items[0])
			if ot := r.Child(ttlv.TagAttributes).Child(ttlv.TagObjectType); ot == nil || uint32(ot.Num) != objUser {
				t.Errorf("3.0 Get Attributes of the User after the Imports:\n%s", r)
			}
			ok(t, &doAs(t, s, "bob", h14, item(opGet, uid(tmpl))).items[0])
		})
	}
}

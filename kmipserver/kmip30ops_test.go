package kmipserver

import (
	"bytes"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestCreateCredentialUserGroup: the 3.0 draft's Create Credential, Create
// User and Create Group make System objects (Object Class, §4.40), a
// password kept only salted and hashed; a user's Credential Links must
// name credentials; none of them exists before 3.0, nor does Object Class.
func TestCreateCredentialUserGroup(t *testing.T) {
	s := newTestServer()
	h30 := hdr{major: 3, minor: 0, noCount: true}
	id := func(p *v) string { return p.Child(ttlv.TagUniqueIdentifier).Text() }
	pwCred := item(opCreateCredential, enum(ttlv.TagCredentialType, 7), st(ttlv.TagAttributes),
		st(ttlv.TagPasswordCredential, str(ttlv.TagPassword, "correct horse")))
	cred := id(ok(t, &do(t, s, h30, pwCred).items[0]))
	o := s.store.get([]byte(cred))
	if o == nil || o.typ != objPasswordCredential || bytes.Contains(o.body, []byte("correct horse")) {
		t.Fatalf("stored credential %+v holds the password as given", o)
	}
	if len(o.body) == 0 || o.findAttr(ttlv.TagObjectClass, "", "", 0) < 0 {
		t.Fatalf("stored credential without its hash or Object Class")
	}
	p := ok(t, &do(t, s, h30, item(opGetAttributes, ttlv.Identifier(ttlv.TagUniqueIdentifier, cred))).items[0])
	if a := payloadAttr(t, h30, p, ttlv.TagObjectClass); a == nil || uint32(a.Num) != objectClassSystem {
		t.Errorf("credential's Object Class %v, want System", a)
	}
	// The Credential Type's structure is required, and only it.
	failed(t, &do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 7), st(ttlv.TagAttributes))).items[0], rrInvalidField)
	failed(t, &do(t, s, h30, item(opCreateCredential, enum(ttlv.TagCredentialType, 7), st(ttlv.TagAttributes),
		st(ttlv.TagPasswordCredential, str(ttlv.TagPassword, "x")),
		st(ttlv.TagDeviceCredential, str(ttlv.TagDeviceSerialNumber, "y")))).items[0], rrInvalidField)

	// A user linked to the credential; not to a key, nor to what is not there.
	user := id(ok(t, &do(t, s, h30, item(opCreateUser, st(ttlv.TagAttributes,
		ttlv.Reference(ttlv.TagCredentialLink, cred), str(ttlv.TagName, "user-1")))).items[0]))
	if u := s.store.get([]byte(user)); u == nil || u.typ != objUser {
		t.Fatalf("user %v", u)
	}
	key := id(ok(t, &do(t, s, h30, createAES(h30, 128)).items[0]))
	failed(t, &do(t, s, h30, item(opCreateUser, st(ttlv.TagAttributes, ttlv.Reference(ttlv.TagCredentialLink, key)))).items[0], rrInvalidField)
	failed(t, &do(t, s, h30, item(opCreateUser, st(ttlv.TagAttributes, ttlv.Reference(ttlv.TagCredentialLink, "nope")))).items[0], rrObjectNotFound)
	// Names stay unique across every kind of object.
	failed(t, &do(t, s, h30, item(opCreateGroup, st(ttlv.TagAttributes, str(ttlv.TagName, "user-1")))).items[0], rrNonUniqueName)

	group := id(ok(t, &do(t, s, h30, item(opCreateGroup, st(ttlv.TagAttributes, str(ttlv.TagName, "group-1")))).items[0]))
	p = ok(t, &do(t, s, h30, item(opGetAttributes, ttlv.Identifier(ttlv.TagUniqueIdentifier, group))).items[0])
	if a := payloadAttr(t, h30, p, ttlv.TagObjectType); a == nil || uint32(a.Num) != objGroup {
		t.Errorf("group's Object Type %v", a)
	}
	// A key is a User object, in 3.0; 2.1 knows no Object Class.
	p = ok(t, &do(t, s, h30, item(opGetAttributes, ttlv.Identifier(ttlv.TagUniqueIdentifier, key))).items[0])
	if a := payloadAttr(t, h30, p, ttlv.TagObjectClass); a == nil || uint32(a.Num) != objectClassUser {
		t.Errorf("key's Object Class %v, want User", a)
	}
	p = ok(t, &do(t, s, v21, item(opGetAttributes, uid(key))).items[0])
	if a := payloadAttr(t, v21, p, ttlv.TagObjectClass); a != nil {
		t.Errorf("2.1 Get Attributes answers Object Class %v", a)
	}
	for _, op := range []uint32{opCreateCredential, opCreateUser, opCreateGroup, opObliterate} {
		failed(t, &do(t, s, v21, item(op, st(ttlv.TagAttributes))).items[0], rrOperationNotSupported)
	}
}

// TestObliterate: Obliterate takes an object out, attributes and all; an
// Active one must be revoked first; afterwards its identifier is Item Not
// Found (one never issued is Object Not Found); an Undo batch puts it back.
func TestObliterate(t *testing.T) {
	s := newTestServer()
	h30 := hdr{major: 3, minor: 0, noCount: true}
	ident := func(id string) v { return ttlv.Identifier(ttlv.TagUniqueIdentifier, id) }
	newKey := func() string {
		return ok(t, &do(t, s, h30, createAES(h30, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	k := newKey()
	n := s.Objects()
	ok(t, &do(t, s, h30, item(opObliterate, ident(k))).items[0])
	if s.Objects() != n-1 {
		t.Errorf("%d objects after Obliterate, want %d", s.Objects(), n-1)
	}
	failed(t, &do(t, s, h30, item(opGetAttributes, ident(k))).items[0], rrItemNotFound)
	failed(t, &do(t, s, h30, item(opGet, ident(k))).items[0], rrItemNotFound)
	failed(t, &do(t, s, h30, item(opObliterate, ident(k))).items[0], rrItemNotFound)
	failed(t, &do(t, s, h30, item(opGet, ident("never issued"))).items[0], rrObjectNotFound)

	active := newKey()
	ok(t, &do(t, s, h30, item(opActivate, ident(active))).items[0])
	failed(t, &do(t, s, h30, item(opObliterate, ident(active))).items[0], rrWrongKeyLifecycleState)

	// Undo: the item after Obliterate fails, Obliterate is undone.
	u := newKey()
	hu := h30
	hu.cont = batch.Undo
	r := do(t, s, hu, item(opObliterate, ident(u)), item(opGet, ident("never issued")))
	failed(t, &r.items[1], rrObjectNotFound)
	ok(t, &do(t, s, h30, item(opGetAttributes, ident(u))).items[0])
}

// TestQuery30: Query lists the 3.0 draft's operations and object types in
// 3.0 only.
func TestQuery30(t *testing.T) {
	s := newTestServer()
	for _, tc := range []struct {
		h    hdr
		want bool
	}{{hdr{major: 3, minor: 0, noCount: true}, true}, {v21, false}, {hdr{major: 1, minor: 4}, false}} {
		p := ok(t, &do(t, s, tc.h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations), enum(ttlv.TagQueryFunction, queryObjects))).items[0])
		var ops, objs int
		for _, c := range p.Children {
			switch {
			case c.Tag == ttlv.TagOperation && (uint32(c.Num) >= opCreateGroup && uint32(c.Num) <= opCreateCredential):
				ops++
			case c.Tag == ttlv.TagObjectType && systemObject(uint32(c.Num)):
				objs++
			}
		}
		if got := ops == 4 && objs == 6; got != tc.want || !tc.want && (ops != 0 || objs != 0) {
			t.Errorf("%d.%d: Query lists %d 3.0 operations, %d 3.0 object types", tc.h.major, tc.h.minor, ops, objs)
		}
	}
}

package kmipserver

import (
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestUniqueNames: a Name held by an object that is not destroyed is not
// given to another, nor twice to the same (KMIP 2.1 §4.32: Non Unique
// Name Attribute; Invalid Field in 1.x); Re-key moves it; a destroyed
// object's Name is free again.
func TestUniqueNames(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			reason := (&reqCtx{major: h.major}).reason(rrNonUniqueName)
			first := ok(t, &do(t, s, h, createAES(h, 128, name("n1"))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			failed(t, &do(t, s, h, createAES(h, 128, name("n1"))).items[0], reason)
			other := ok(t, &do(t, s, h, createAES(h, 128, name("n2"))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			var add, addSelf, mod, modSame v
			if h.major < 2 {
				add = item(opAddAttribute, uid(other), attr1("Name", name("n1")))
				addSelf = item(opAddAttribute, uid(first), attr1("Name", name("n1")))
				mod = item(opModifyAttribute, uid(other), attr1("Name", name("n1")))
				modSame = item(opModifyAttribute, uid(other), attr1("Name", name("n3")))
			} else {
				add = item(opAddAttribute, uid(other), st(ttlv.TagNewAttribute, name("n1")))
				addSelf = item(opAddAttribute, uid(first), st(ttlv.TagNewAttribute, name("n1")))
				mod = item(opModifyAttribute, uid(other), st(ttlv.TagCurrentAttribute, name("n2")), st(ttlv.TagNewAttribute, name("n1")))
				modSame = item(opModifyAttribute, uid(other), st(ttlv.TagCurrentAttribute, name("n2")), st(ttlv.TagNewAttribute, name("n3")))
				failed(t, &do(t, s, h, item(opSetAttribute, uid(other), st(ttlv.TagNewAttribute, name("n1")))).items[0], reason)
			}
			failed(t, &do(t, s, h, add).items[0], reason)
			failed(t, &do(t, s, h, addSelf).items[0], reason)
			failed(t, &do(t, s, h, mod).items[0], reason)
			ok(t, &do(t, s, h, modSame).items[0])
			// Re-key moves the Name to the replacement.
			nu := ok(t, &do(t, s, h, item(opReKey, uid(first))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			failed(t, &do(t, s, h, createAES(h, 128, name("n1"))).items[0], reason)
			// Destroyed, its Name is free.
			ok(t, &do(t, s, h, item(opDestroy, uid(nu))).items[0])
			ok(t, &do(t, s, h, createAES(h, 128, name("n1"))).items[0])
		})
	}
}

// TestImportUniqueNames: an Import may not take another object's Name,
// but replacing the object that holds it keeps it.
func TestImportUniqueNames(t *testing.T) {
	s := newTestServer()
	key := make([]byte, 16)
	holder := ok(t, &do(t, s, v21, createAES(v21, 128, name("held"))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	imp := func(id string) v {
		return item(opImport, uid(id), enum(ttlv.TagObjectType, objSymmetricKey), ttlv.Boolean(ttlv.TagReplaceExisting, true),
			st(ttlv.TagAttributes, name("held")), symKey(kfRaw, key, algAES, 128))
	}
	failed(t, &do(t, s, v21, imp("another")).items[0], rrNonUniqueName)
	ok(t, &do(t, s, v21, imp(holder)).items[0])
}

// TestUniqueNamesPerOwner: under access control each owner has a
// namespace of its own — bob may use a Name alice holds (and so learns
// nothing of hers by trying), not one he holds; an administrator's Names
// count against everyone's.
func TestUniqueNamesPerOwner(t *testing.T) {
	s := newACLServer("root")
	createdID(t, doAs(t, s, "alice", v21, createAES(v21, 128, name("k"))))
	failed(t, &doAs(t, s, "alice", v21, createAES(v21, 128, name("k"))).items[0], rrNonUniqueName)
	bobs := createdID(t, doAs(t, s, "bob", v21, createAES(v21, 128, name("k"))))
	failed(t, &doAs(t, s, "bob", v21, createAES(v21, 128, name("k"))).items[0], rrNonUniqueName)
	failed(t, &doAs(t, s, "root", v21, createAES(v21, 128, name("k"))).items[0], rrNonUniqueName)
	// Locate by the Name lists each owner's own object only.
	r := doAs(t, s, "bob", v21, item(opLocate, st(ttlv.TagAttributes, name("k"))))
	var ids []string
	for _, c := range ok(t, &r.items[0]).Children {
		if c.Tag == ttlv.TagUniqueIdentifier {
			ids = append(ids, c.Text())
		}
	}
	if len(ids) != 1 || ids[0] != bobs {
		t.Errorf("bob's Locate by Name: %v, want only %s", ids, bobs)
	}
}

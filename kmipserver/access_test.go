package kmipserver

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// as is the context of a request from identity (empty: anonymous).
func as(identity string) context.Context {
	return WithPeer(context.Background(), Peer{Identity: identity})
}

// doAs is do for a client of the identity.
func doAs(t testing.TB, s *Server, identity string, h hdr, items ...v) resp {
	t.Helper()
	return decode(t, s.ServeTTLV(as(identity), nil, request(h, items...)))
}

func newACLServer(admins ...string) *Server {
	s := newTestServer()
	return New(Config{Now: s.now, Rand: s.rand, Access: &AccessControl{Admins: admins}})
}

func createdID(t testing.TB, r resp) string {
	t.Helper()
	return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
}

func reasonOf(it *v) uint32 {
	_, rr := status(it)
	return rr
}

// objectItems are a batch item of every operation that names an object,
// each naming id (and, for a wrapped Get, wrapping with wrapKey).
func objectItems(id, wrapKey string) []v {
	data := bstr(ttlv.TagData, make([]byte, 16))
	ecb := st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeECB))
	group := str(ttlv.TagObjectGroup, "g")
	return []v{
		item(opGet, uid(id)),
		item(opGet, uid(wrapKey), st(ttlv.TagKeyWrappingSpecification, enum(ttlv.TagWrappingMethod, 1),
			st(ttlv.TagEncryptionKeyInformation, uid(id)))),
		item(opGetAttributes, uid(id)),
		item(opGetAttributeList, uid(id)),
		item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, group)),
		item(opModifyAttribute, uid(id), st(ttlv.TagNewAttribute, str(ttlv.TagContactInformation, "x"))),
		item(opDeleteAttribute, uid(id), st(ttlv.TagCurrentAttribute, group)),
		item(opSetAttribute, uid(id), st(ttlv.TagNewAttribute, str(ttlv.TagContactInformation, "y"))),
		item(opActivate, uid(id)),
		item(opCheck, uid(id)),
		item(opObtainLease, uid(id)),
		item(opEncrypt, uid(id), ecb, data),
		item(opDecrypt, uid(id), ecb, data),
		item(opMAC, uid(id), data),
		item(opSign, uid(id), data),
		item(opSignatureVerify, uid(id), data, bstr(ttlv.TagSignatureData, make([]byte, 16))),
		item(opReKey, uid(id)),
		item(opDeriveKey, enum(ttlv.TagObjectType, objSymmetricKey), uid(id),
			enum(ttlv.TagDerivationMethod, 1), st(ttlv.TagDerivationParameters, bstr(ttlv.TagDerivationData, data.Bytes)),
			st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128))),
		item(opGetUsageAllocation, uid(id), ttlv.LongInteger(ttlv.TagUsageLimitsCount, 1)),
		item(opCreateSplitKey, uid(id), enum(ttlv.TagObjectType, objSplitKey), integer(ttlv.TagSplitKeyParts, 3),
			integer(ttlv.TagSplitKeyThreshold, 3), enum(ttlv.TagSplitKeyMethod, 1)),
		item(opJoinSplitKey, enum(ttlv.TagObjectType, objSymmetricKey), uid(id), uid(id)),
		item(opCertify, uid(id)),
		item(opReCertify, uid(id)),
		item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, id)),
		item(opValidate, uid(id)),
		item(opExport, uid(id)),
		item(opImport, uid(id), enum(ttlv.TagObjectType, objSymmetricKey), ttlv.Boolean(ttlv.TagReplaceExisting, true),
			st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, 1),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, make([]byte, 32))),
				enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256)))),
		item(opArchive, uid(id)),
		item(opRecover, uid(id)),
		item(opRevoke, uid(id), st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, 1))),
		item(opDestroy, uid(id)),
	}
}

func opOf(it *v) string {
	n, _ := ttlv.EnumName(ttlv.TagOperation, uint32(it.Child(ttlv.TagOperation).Num))
	return n
}

// TestAccessEveryOperation: bob gets Permission Denied for every
// operation on alice's key, each alone and all in one batch (an Import replacing it too), and nothing
// of the key changes; alice's own items are not refused.
func TestAccessEveryOperation(t *testing.T) {
	s := newACLServer()
	alice := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	bobKey := createdID(t, doAs(t, s, "bob", h21, createAES(h21, 256)))
	before := ok(t, &doAs(t, s, "alice", h21, item(opGetAttributes, uid(alice))).items[0]).String()
	items := objectItems(alice, bobKey)
	for _, it := range items {
		r := doAs(t, s, "bob", h21, it)
		if got := reasonOf(&r.items[0]); got != rrPermissionDenied {
			t.Errorf("bob %s of alice's key: reason 0x%X, want Permission Denied\n%s", opOf(&it), got, r.items[0].String())
		}
	}
	r := doAs(t, s, "bob", hdr{major: 2, minor: 1, cont: 1 /* Continue */}, items...)
	for i := range r.items {
		if got := reasonOf(&r.items[i]); got != rrPermissionDenied {
			t.Errorf("batch item %d (%s): reason 0x%X, want Permission Denied", i, opOf(&items[i]), got)
		}
	}
	after := ok(t, &doAs(t, s, "alice", h21, item(opGetAttributes, uid(alice))).items[0]).String()
	if after != before {
		t.Errorf("bob's refused items changed alice's key:\nbefore %s\nafter  %s", before, after)
	}
	// The wrapped Get wraps bob's key with alice's: alice may not Get
	// bob's key, so it is her own Get that is checked here.
	for _, it := range objectItems(alice, alice) {
		r := doAs(t, s, "alice", h21, it)
		if reasonOf(&r.items[0]) == rrPermissionDenied {
			t.Errorf("alice %s of her own key refused: %s", opOf(&it), r.items[0].String())
		}
	}
}

// TestAccessBulkMixed: in one batch, bob's items on his objects succeed
// and those on alice's fail alone, ordered or not.
func TestAccessBulkMixed(t *testing.T) {
	s := newACLServer()
	alice := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	for _, unordered := range []bool{false, true} {
		t.Run(fmt.Sprintf("unordered=%v", unordered), func(t *testing.T) {
			own := createdID(t, doAs(t, s, "bob", h21, createAES(h21, 128)))
			h := hdr{major: 2, minor: 1, cont: 1, unordered: unordered}
			r := doAs(t, s, "bob", h, item(opGet, uid(own)), item(opGet, uid(alice)),
				item(opGetAttributes, uid(own)), item(opDestroy, uid(alice)), createAES(h21, 128))
			want := []uint32{0, rrPermissionDenied, 0, rrPermissionDenied, 0}
			for i, w := range want {
				if got := reasonOf(&r.items[i]); got != w {
					t.Errorf("item %d: reason 0x%X, want 0x%X\n%s", i, got, w, r.items[i].String())
				}
			}
			if _, m := keyMaterial(t, ok(t, &r.items[0]), ttlv.TagSymmetricKey); len(m) != 16 {
				t.Errorf("bob's own key: %d bytes", len(m))
			}
		})
	}
	// Undo: the denied item undoes bob's Create before it.
	r := doAs(t, s, "bob", hdr{major: 2, minor: 1, cont: 3}, createAES(h21, 128), item(opGet, uid(alice)))
	if rs, _ := status(&r.items[0]); rs != 3 /* Operation Undone */ {
		t.Errorf("Create before a denied item under Undo: status %d, want undone", rs)
	}
	failed(t, &r.items[1], rrPermissionDenied)
	// The ID Placeholder of a denied Locate is not alice's key.
	r = doAs(t, s, "bob", h21, item(opLocate), item(opGet))
	for _, id := range texts(ok(t, &r.items[0]), ttlv.TagUniqueIdentifier) {
		if id == alice {
			t.Errorf("bob's Locate lists alice's key")
		}
	}
}

// TestAccessLocate: Locate lists only the caller's objects (the index's
// candidates and the full scan alike); an administrator sees all.
func TestAccessLocate(t *testing.T) {
	s := newACLServer("root")
	var aliceIDs, bobIDs []string
	for range 3 {
		aliceIDs = append(aliceIDs, createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256))))
		bobIDs = append(bobIDs, createdID(t, doAs(t, s, "bob", h21, createAES(h21, 256))))
	}
	all := append(slices.Clone(aliceIDs), bobIDs...)
	for _, scan := range []bool{false, true} {
		s.scanLocate = scan
		for _, f := range [][]v{nil, {st(ttlv.TagAttributes, enum(ttlv.TagObjectType, objSymmetricKey))}} {
			for who, want := range map[string][]string{"alice": aliceIDs, "bob": bobIDs, "root": all, "carol": nil} {
				got := texts(ok(t, &doAs(t, s, who, h21, item(opLocate, f...)).items[0]), ttlv.TagUniqueIdentifier)
				slices.Sort(got)
				w := slices.Sorted(slices.Values(want))
				if !slices.Equal(got, w) {
					t.Errorf("scan=%v filter=%d: %s located %v, want %v", scan, len(f), who, got, w)
				}
			}
		}
	}
}

// TestAccessAdmin: an administrator uses and destroys others' objects.
func TestAccessAdmin(t *testing.T) {
	s := newACLServer("root")
	id := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	ok(t, &doAs(t, s, "root", h21, item(opGet, uid(id))).items[0])
	ok(t, &doAs(t, s, "root", h21, item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, str(ttlv.TagObjectGroup, "g")))).items[0])
	ok(t, &doAs(t, s, "root", h21, item(opDestroy, uid(id))).items[0])
	failed(t, &doAs(t, s, "rootx", h21, item(opGet, uid(id))).items[0], rrPermissionDenied)
}

func grant(value string) v {
	return st(ttlv.TagNewAttribute, st(ttlv.TagAttribute, str(ttlv.TagVendorIdentification, "x"),
		str(ttlv.TagAttributeName, GrantAttribute), str(ttlv.TagAttributeValue, value)))
}

// TestAccessGrant: the owner's grants let bob use the key in the
// operations named (or all), find it with Locate, never change its
// attributes; carol still gets nothing.
func TestAccessGrant(t *testing.T) {
	s := newACLServer()
	id := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	failed(t, &doAs(t, s, "bob", h21, item(opAddAttribute, uid(id), grant("bob"))).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "alice", h21, item(opAddAttribute, uid(id), grant("bob:Get, GetAttributes"))).items[0])
	ok(t, &doAs(t, s, "bob", h21, item(opGet, uid(id))).items[0])
	ok(t, &doAs(t, s, "bob", h21, item(opGetAttributes, uid(id))).items[0])
	failed(t, &doAs(t, s, "bob", h21, item(opDestroy, uid(id))).items[0], rrPermissionDenied)
	failed(t, &doAs(t, s, "bob", h21, item(opAddAttribute, uid(id), grant("carol"))).items[0], rrPermissionDenied)
	failed(t, &doAs(t, s, "carol", h21, item(opGet, uid(id))).items[0], rrPermissionDenied)
	if got := texts(ok(t, &doAs(t, s, "bob", h21, item(opLocate)).items[0]), ttlv.TagUniqueIdentifier); !slices.Equal(got, []string{id}) {
		t.Errorf("bob's Locate: %v, want the granted key", got)
	}
	if got := texts(ok(t, &doAs(t, s, "carol", h21, item(opLocate)).items[0]), ttlv.TagUniqueIdentifier); len(got) != 0 {
		t.Errorf("carol's Locate: %v", got)
	}
	// A grant of every operation, to an identity with a ':' in it.
	ok(t, &doAs(t, s, "alice", h21, item(opAddAttribute, uid(id), grant("CN=x:y"))).items[0])
	failed(t, &doAs(t, s, "CN=x", h21, item(opGet, uid(id))).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "CN=x:y", h21, item(opGet, uid(id))).items[0])
	failed(t, &doAs(t, s, "CN=x:y", h21, item(opModifyAttribute, uid(id),
		st(ttlv.TagNewAttribute, str(ttlv.TagContactInformation, "x")))).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "CN=x:y", h21, item(opDestroy, uid(id))).items[0])
}

func TestGrants(t *testing.T) {
	for _, c := range []struct {
		v, who string
		op     uint32
		want   bool
	}{
		{"bob", "bob", opDestroy, true},
		{"bob", "bo", opGet, false},
		{"bob:Get", "bob", opGet, true},
		{"bob:Get", "bob", opDestroy, false},
		{"bob:Get", "bob", opLocate, true},
		{"bob:Get,Encrypt", "bob", opEncrypt, true},
		{"bob:Nonsense", "bob", opGet, false},
		{"bob:", "bob", opGet, false},
		{"a:b:Get", "a:b", opGet, true},
		{"a:b:Get", "a", opGet, false},
	} {
		if got := grants([]byte(c.v), c.who, c.op); got != c.want {
			t.Errorf("grants(%q, %q, 0x%X) = %v, want %v", c.v, c.who, c.op, got, c.want)
		}
	}
}

// TestAccessAnonymous: without identity a client may only Query and
// Discover Versions; without AccessControl everyone uses everything.
func TestAccessAnonymous(t *testing.T) {
	s := newACLServer()
	failed(t, &doAs(t, s, "", h21, createAES(h21, 256)).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "", h21, item(opQuery, enum(ttlv.TagQueryFunction, 1))).items[0])
	ok(t, &doAs(t, s, "", h21, item(opDiscoverVersions)).items[0])
	id := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	failed(t, &doAs(t, s, "", h21, item(opGet, uid(id))).items[0], rrPermissionDenied)

	open := newTestServer()
	id = createdID(t, doAs(t, open, "alice", h21, createAES(h21, 256)))
	ok(t, &doAs(t, open, "bob", h21, item(opGet, uid(id))).items[0])
	ok(t, &doAs(t, open, "", h21, item(opDestroy, uid(id))).items[0])
}

// TestAccessOperationJSON: the bare-operation JSON path is checked too.
func TestAccessOperationJSON(t *testing.T) {
	s := newACLServer()
	id := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	req := []byte(`{"tag":"Get","value":[{"tag":"UniqueIdentifier","type":"TextString","value":"` + id + `"}]}`)
	if out, ok := s.ServeOperationJSON(as("bob"), nil, req); ok {
		t.Errorf("bob's Get through /kmip/2_1 answered: %s", out)
	} else if !strings.HasPrefix(string(out), "PermissionDenied:") {
		t.Errorf("bob's Get through /kmip/2_1: %s", out)
	}
	if out, ok := s.ServeOperationJSON(as("alice"), nil, req); !ok {
		t.Errorf("alice's Get through /kmip/2_1: %s", out)
	}
}

// TestOwnerPersisted: the owner survives a round trip through the record,
// and a record of format 1 (no owner) is still read.
func TestOwnerPersisted(t *testing.T) {
	s := newACLServer()
	id := createdID(t, doAs(t, s, "alice", h21, createAES(h21, 256)))
	o := s.store.get([]byte(id))
	o.mu.RLock()
	rec := o.encodeRecord(nil)
	o.mu.RUnlock()
	got, err := s.decodeRecord(Record{ID: id, Data: rec})
	if err != nil {
		t.Fatal(err)
	}
	if got.owner != "alice" {
		t.Errorf("owner %q after the record, want alice", got.owner)
	}
	// Format 1: the same bytes without the owner's.
	v1 := append([]byte{recordFormatV1}, rec[1:len(rec)-4-len("alice")]...)
	got, err = s.decodeRecord(Record{ID: id, Data: v1})
	if err != nil {
		t.Fatalf("format 1 record: %v", err)
	}
	if got.owner != "" {
		t.Errorf("format 1 record: owner %q", got.owner)
	}
}

// TestObjectsFoundThroughAccessControl: the operations find the objects a
// request names with reqCtx.find (lookup, objectByID) and add new ones with
// reqCtx.add, so that access control and ownership apply to every
// operation, those added later included. Only the functions listed here
// use the store directly.
func TestObjectsFoundThroughAccessControl(t *testing.T) {
	allowed := map[string]bool{
		"find": true, "add": true, "findToReplace": true, // access.go itself
		"getFast": true, "checkLink": true, // check mayUse themselves
		"restore": true, "loadStore": true,
	}
	fset := token.NewFileSet()
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil || allowed[fd.Name.Name] {
				continue
			}
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				if st, ok := fd.Recv.List[0].Type.(*ast.StarExpr); ok {
					if id, ok := st.X.(*ast.Ident); ok && (id.Name == "store" || id.Name == "index") {
						continue // the store's own methods
					}
				}
			}
			ast.Inspect(fd.Body, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || (sel.Sel.Name != "get" && sel.Sel.Name != "add" && sel.Sel.Name != "addIfAbsent") {
					return true
				}
				if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "store" {
					if sel.Sel.Name == "addIfAbsent" && fd.Name.Name == "importOp" {
						return true // sets the owner before
					}
					t.Errorf("%s: %s uses the store's %s: use reqCtx.find or reqCtx.add (access control)",
						fset.Position(sel.Pos()), fd.Name.Name, sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// linkTo is a Link attribute naming id.
func linkTo(id string) v {
	return st(ttlv.TagLink, enum(ttlv.TagLinkType, linkPublicKey), str(ttlv.TagLinkedObjectIdentifier, id))
}

// refusal is an item's Result Status, Reason and Message, the identifier
// in the message replaced by ID.
func refusal(it *v, id string) string {
	msg := ""
	if m := it.Child(ttlv.TagResultMessage); m != nil {
		msg = strings.ReplaceAll(m.Text(), id, "ID")
	}
	return fmt.Sprintf("status %d reason 0x%X %q", it.Child(ttlv.TagResultStatus).Num, reasonOf(it), msg)
}

// TestAccessLink: bob may not link his objects to alice's key (a Link in
// Create, Add, Modify and Set Attribute, in 1.4 and 2.1), and the refusal
// is the very answer a Link to an identifier that does not exist gets,
// and a Get of one: it tells him nothing of whether her key exists. His
// links to his own key and to one alice granted him, and an
// administrator's links, are kept.
func TestAccessLink(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, h21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newACLServer("root")
			alice := createdID(t, doAs(t, s, "alice", h, createAES(h, 256)))
			shared := createdID(t, doAs(t, s, "alice", h, createAES(h, 256)))
			ok(t, &doAs(t, s, "alice", h, item(opAddAttribute, uid(shared), st(ttlv.TagNewAttribute, st(ttlv.TagAttribute,
				str(ttlv.TagAttributeName, GrantAttribute), str(ttlv.TagAttributeValue, "bob:Get"))))).items[0])
			bobKey := createdID(t, doAs(t, s, "bob", h, createAES(h, 256, linkTo(shared))))
			const unknown = "no-such-object"
			getUnknown := refusal(&doAs(t, s, "bob", h, item(opGet, uid(unknown))).items[0], unknown)
			newAttr := func(a v) v {
				if h.major < 2 {
					return attr1("Link", a)
				}
				return st(ttlv.TagNewAttribute, a)
			}
			items := map[string]func(id string) v{
				"Create":       func(id string) v { return createAES(h, 128, linkTo(id)) },
				"AddAttribute": func(id string) v { return item(opAddAttribute, uid(bobKey), newAttr(linkTo(id))) },
				"ModifyAttribute": func(id string) v {
					if h.major < 2 {
						l := linkTo(id)
						l.Tag = ttlv.TagAttributeValue
						return item(opModifyAttribute, uid(bobKey), st(ttlv.TagAttribute, str(ttlv.TagAttributeName, "Link"),
							integer(ttlv.TagAttributeIndex, 0), l))
					}
					return item(opModifyAttribute, uid(bobKey), st(ttlv.TagCurrentAttribute, linkTo(shared)),
						st(ttlv.TagNewAttribute, linkTo(id)))
				},
			}
			if h.major >= 2 {
				items["SetAttribute"] = func(id string) v { return item(opSetAttribute, uid(bobKey), newAttr(linkTo(id))) }
			}
			for name, mk := range items {
				toUnknown := refusal(&doAs(t, s, "bob", h, mk(unknown)).items[0], unknown)
				toAlice := refusal(&doAs(t, s, "bob", h, mk(alice)).items[0], alice)
				if toAlice != toUnknown || toAlice != getUnknown {
					t.Errorf("%s of a Link to alice's key: %s; to an unknown identifier: %s; Get of an unknown identifier: %s",
						name, toAlice, toUnknown, getUnknown)
				}
			}
			attrs := ok(t, &doAs(t, s, "bob", h, item(opGetAttributes, uid(bobKey))).items[0]).String()
			if strings.Contains(attrs, alice) {
				t.Errorf("bob's key links to alice's:\n%s", attrs)
			}
			// What is allowed: his own key, one granted him, an administrator.
			ok(t, &doAs(t, s, "bob", h, item(opAddAttribute, uid(bobKey), newAttr(linkTo(bobKey)))).items[0])
			ok(t, &doAs(t, s, "bob", h, createAES(h, 128, linkTo(shared))).items[0])
			ok(t, &doAs(t, s, "root", h, item(opAddAttribute, uid(bobKey), newAttr(linkTo(alice)))).items[0])
		})
	}
}

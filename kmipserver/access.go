package kmipserver

import (
	"slices"
	"strings"

	"github.com/kmipwire/kmipwire/ttlv"
)

// AccessControl keeps each client's objects from the others
// (Config.Access). Every object is owned by the identity that created it
// (Item.Identity: by default the verified client certificate's Common
// Name, or an HTTP bearer token's identity); a client may use the objects
// it owns, those an owner granted it (GrantAttribute), and, as an
// administrator, every object. Any other object named by a batch item —
// its Unique Identifier, the ID Placeholder, a wrapping key, a Derive Key
// or Join Split Key input — fails the item with Permission Denied, and
// Locate leaves it out. A Link attribute a client sets (Create, Register
// and the like, Add, Modify or Set Attribute, Import) must name an object
// Locate would list to it: any other identifier, another identity's or
// none's, fails the item as an unknown identifier does. A client without
// identity may only ask Query and Discover Versions.
type AccessControl struct {
	// Admins are the identities that may use every object, whoever owns
	// it.
	Admins []string
}

// GrantAttribute is the name of the custom attribute (KMIP 1.4 §3.39,
// a Vendor Attribute in KMIP 2.x: any Vendor Identification) by which an
// object's owner lets another identity use it. Its value is a Text
// String: the identity alone grants every operation, "IDENTITY:Op,Op"
// (Operation names as KMIP 2.1 §11.40 spells them: Get, Encrypt,
// Destroy…) grants those; an object with any grant to an identity is
// listed by its Locate. Unknown operation names grant nothing. No grant
// lets its holder change the object's attributes (Add, Modify, Delete and
// Set Attribute): only the owner and administrators do, grants included.
// An object may carry several grants.
const GrantAttribute = "x-kmipwire-grant"

// anonymousOp lists what a client without identity may do under access
// control: what touches no object.
func anonymousOp(op uint32) bool {
	return op == opQuery || op == opDiscoverVersions
}

// changesAttributes lists the operations no grant allows.
func changesAttributes(op uint32) bool {
	switch op {
	case opAddAttribute, opModifyAttribute, opDeleteAttribute, opSetAttribute:
		return true
	}
	return false
}

// isAdmin reports whether identity is an administrator.
func (a *AccessControl) isAdmin(identity string) bool {
	return identity != "" && slices.Contains(a.Admins, identity)
}

// admit refuses, under access control, an operation that a client
// without identity may not ask.
func (c *reqCtx) admit(op uint32) *opError {
	if !c.allowsOp(op) { // login.go
		return fail(rrNotAuthorised, "not authorised: the ticket's Rights do not allow this operation")
	}
	if c.s.access == nil || c.identity != "" || anonymousOp(op) {
		return nil
	}
	return fail(rrPermissionDenied, "permission denied: the client has no identity (a client certificate or bearer token)")
}

// mayUse reports whether the client may use o in the current operation
// (c.op). Call it without o.mu held.
func (c *reqCtx) mayUse(o *object) bool { return c.mayUseIn(o, c.op) }

// mayUseIn reports whether the client may use o in operation op (for
// Locate: whether it may see o at all). Call it without o.mu held.
func (c *reqCtx) mayUseIn(o *object, op uint32) bool {
	if !c.allowsObject(o, op) { // a Delegated Login ticket's Rights (login.go)
		return false
	}
	if c.s.access == nil || c.admin {
		return true
	}
	if c.identity == "" {
		return false
	}
	if o.owner == c.identity {
		return true
	}
	if changesAttributes(op) {
		return false
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	for i := range o.attrs {
		a := &o.attrs[i]
		if a.tag != 0 || a.name != GrantAttribute {
			continue
		}
		_, v, n := ttlv.ConsumeTextString(a.enc)
		if n > 0 && grants(v, c.identity, op) {
			return true
		}
	}
	return false
}

// grants reports whether the grant value v lets identity use its object
// in operation op (any grant does for Locate).
func grants(v []byte, identity string, op uint32) bool {
	g := string(v)
	if g == identity {
		return true
	}
	i := strings.LastIndexByte(g, ':') // an identity may hold a ':'
	if i < 0 || g[:i] != identity {
		return false
	}
	ops := g[i+1:]
	if op == opLocate {
		return true
	}
	for name := range strings.SplitSeq(ops, ",") {
		if o, known := ttlv.LookupEnum(ttlv.TagOperation, strings.TrimSpace(name)); known && o == op {
			return true
		}
	}
	return false
}

// denied is the failure of an item naming an object the client may not
// use.
func (c *reqCtx) denied(o *object) *opError {
	if !c.allowsObject(o, c.op) { // login.go
		return fail(rrNotAuthorised, "not authorised: the ticket's Rights do not allow this operation on object %s", o.id)
	}
	return fail(rrPermissionDenied, "permission denied: %q may not use object %s", c.identity, o.id)
}

// find returns the object with the identifier, nil when there is none or
// the request's protocol version does not have its kind of object
// (visible), or a Permission Denied failure when the client may not use
// it. Every lookup by identifier goes through it (objectByID, lookup) but
// Get's fast path, which checks visibility itself. Call it without o.mu
// held.
func (c *reqCtx) find(id []byte) (*object, *opError) {
	o := c.s.store.get(id)
	if o == nil || !c.visible(o) {
		return nil, nil
	}
	if !c.mayUse(o) {
		return nil, c.denied(o)
	}
	return o, nil
}

// findToReplace is find for Import, whose identifier either names the
// object it replaces or is taken for a new one: an object the request's
// protocol version does not have (visible) holds the identifier all the
// same, and is refused as one the client may not use (denied), not
// answered nil. Call it without o.mu held.
func (c *reqCtx) findToReplace(id []byte) (*object, *opError) {
	o, err := c.find(id)
	if o != nil || err != nil {
		return o, err
	}
	if o := c.s.store.get(id); o != nil {
		return nil, c.denied(o)
	}
	return nil, nil
}

// add stores a new object, owned by the client.
func (c *reqCtx) add(o *object) {
	o.owner = c.identity
	c.s.store.add(o)
}

// checkLink refuses, under access control, a Link attribute (KMIP 2.1
// §4.31) whose Linked Object Identifier names an object the client may
// not see (one Locate would not list to it), with the answer the
// operation gives for an identifier that does not exist; a Link to an
// identifier that does not exist is refused alike, so that the answer
// tells neither whether another identity's object exists nor lets a
// client link into it. The specification leaves a Link's target to the
// client ("identifies the target Managed Cryptographic Object by its
// Unique Identifier") and says nothing of its owner. The Enumeration and
// Integer forms name objects of the request itself, which the batch
// items that made or named them were checked for. An object the
// request's protocol version does not have (showsObject: a 3.0 system
// object before 3.0, a Certificate Request in 1.x, a Template from 2.0
// on) is not there for the request, as for every lookup by identifier
// (find), so a Link to it is refused alike. Without access control, and
// for an administrator, a Link to an identifier that does not exist is
// kept, and so is one to such an object: the answer stays the one an
// unknown identifier gets. Call it without the lock of any object held.
func (c *reqCtx) checkLink(a *attrIn) *opError {
	if c.s.access == nil || c.admin || a.tag != ttlv.TagLink {
		return nil
	}
	id := a.val.Child(ttlv.TagLinkedObjectIdentifier)
	if id == nil || id.Type != ttlv.TypeTextString && id.Type != ttlv.TypeIdentifier {
		return nil
	}
	if o := c.s.store.get(id.Bytes); o == nil || !c.visible(o) || !c.mayUseIn(o, opLocate) {
		return c.notFound(id.Bytes)
	}
	return nil
}

package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// rrNonUniqueName is the Non Unique Name Attribute Result Reason (KMIP
// 2.1 §11.46; Invalid Field in 1.x).
const rrNonUniqueName uint32 = 0x35

// nameTaken reports whether a Name (its Name Value) is already held: by
// self, an object not stored yet (nil for none), or by any stored object
// that is not destroyed, skip excepted (the object being given the name,
// or the one an Import replaces). The caller holds no object's lock: each
// candidate is locked in turn. Two clients giving two objects one Name at
// the same instant may both succeed: the check and the change are not one
// step. KMIP 2.1 §4.32:
// "Names SHALL be unique within a given key management server"; the
// index's Name lists give the candidates, each checked as it is now.
// Names that move (Re-key, Re-key Key Pair, Re-certify) are not checked.
// Under access control the server holds one namespace per owner: only the
// caller's own objects (every object for an administrator) can hold a Name
// against it, so that a client neither learns another's Names by trying
// them nor takes them from it first.
func (c *reqCtx) nameTaken(name *ttlv.Value, self, skip *object) bool {
	a := attrIn{tag: ttlv.TagName, index: -1, val: *name}
	a.val.Tag = ttlv.TagName
	if nameValue(&a.val) == nil {
		return false
	}
	if self != nil && c.matches(self, &a) {
		return true
	}
	cands, _ := c.s.store.idx.candidates([]attrIn{a})
	for _, o := range cands {
		if o == self || o == skip || o.removed.Load() || !c.sameNamespace(o) {
			continue
		}
		o.mu.RLock()
		taken := !destroyed(o.state) && c.matches(o, &a)
		o.mu.RUnlock()
		if taken {
			return true
		}
	}
	return false
}

// nameConflict is the failure for a Name already held.
func nameConflict(name *ttlv.Value) *opError {
	v := *name
	text := ""
	if nv := nameValue(&v); nv != nil {
		text = nv.Text()
	}
	return fail(rrNonUniqueName, "Name %q is already in use (names are unique within the server)", text)
}

// nameHeld reports whether o, whose lock the caller holds, has the Name
// already.
func (c *reqCtx) nameHeld(o *object, a *attrIn) bool {
	n := *a
	n.val.Tag = ttlv.TagName
	return c.matches(o, &n)
}

// newNames checks the Names a request gives a new object (Create, Register,
// Derive Key, …): none held by a stored object, none given twice in one
// set. The sets of a key pair (common, private, public) may share a Name.
// Call it with no object's lock held.
func (c *reqCtx) newNames(sets ...[]attrIn) *opError {
	for _, set := range sets {
		for i := range set {
			a := &set[i]
			if a.tag != ttlv.TagName {
				continue
			}
			for j := range i {
				if set[j].tag == ttlv.TagName && string(set[j].encode().enc[3:]) == string(a.encode().enc[3:]) {
					return nameConflict(&a.val)
				}
			}
			if c.nameTaken(&a.val, nil, nil) {
				return nameConflict(&a.val)
			}
		}
	}
	return nil
}

// sameNamespace reports whether o's Names count against the caller's:
// always without access control, else when the caller owns o or is an
// administrator.
func (c *reqCtx) sameNamespace(o *object) bool {
	return c.s.access == nil || c.admin || o.owner == c.identity
}

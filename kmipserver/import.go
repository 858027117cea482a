package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Values of Import (KMIP 2.1 §6.1.25, 1.4 §4.41).
const (
	rrObjectAlreadyExists uint32 = 0x18 // Result Reason, §11.46
	keyWrapNotWrapped     uint32 = 0x01 // Key Wrap Type, §11.29
	// maxImportIDLen bounds the Unique Identifier a client gives an
	// imported object.
	maxImportIDLen = 256
)

// importOp answers Import (KMIP 2.1 §6.1.25, 1.4 §4.41): the object, under
// the Unique Identifier the request gives, with the attributes it gives —
// "all attributes MUST be set to the supplied values rather than any
// server generated values", the read-only ones included (State, dates,
// Digest, …). What the request leaves out the server sets as for a
// Register. An object with that identifier is replaced when Replace
// Existing is true (its state, attributes and value, the identifier and
// creation order kept); otherwise the Import fails with Object Already
// Exists. A wrapped object is stored as given, or unwrapped first when
// Key Wrap Type is Not Wrapped (unwrapBody: its wrapping key must be on
// the server). The Unique Identifier goes to the ID Placeholder.
//
// Identifiers are one namespace over every protocol version, so an
// object the request's version does not have (showsObject: a 3.0 system
// object before 3.0, a Certificate Request in 1.x, a Template from 2.0
// on) still holds its identifier: Import can neither make a second
// object with it nor, the object not being there for the request,
// replace it. The refusal (findToReplace) is the one an object the
// client may not use under access control gets (another identity's:
// denied, Permission Denied, or Not Authorised for a ticket's Rights),
// with or without Replace Existing and with or without access control.
// It is not Object Already Exists, the answer for an object the client
// can see, which would tell it apart.
func (c *reqCtx) importOp(p *ttlv.Value, b []byte) ([]byte, *opError) {
	u := p.Child(ttlv.TagUniqueIdentifier)
	if u == nil || !(u.Type == ttlv.TypeTextString || u.Type == ttlv.TypeIdentifier && c.major >= 3) || len(u.Bytes) == 0 {
		return b, fail(rrInvalidField, "Import needs the Unique Identifier of the object, a Text String")
	}
	if len(u.Bytes) > maxImportIDLen {
		return b, fail(rrInvalidField, "Unique Identifier of %d bytes (at most %d)", len(u.Bytes), maxImportIDLen)
	}
	id := string(u.Bytes)
	ot := p.Child(ttlv.TagObjectType)
	if ot == nil {
		return b, fail(rrInvalidField, "Import without Object Type")
	}
	typ := uint32(ot.Num)
	tag, ok := objectTag(typ)
	if !ok || typ == objTemplate && !c.v1() {
		return b, fail(rrInvalidField, "Import of object type %d not supported", typ)
	}
	obj := p.Child(tag)
	if obj == nil || obj.Type != ttlv.TypeStructure {
		return b, fail(rrInvalidField, "Import without the %s object", tag)
	}
	if kwt := p.Child(ttlv.TagKeyWrapType); kwt != nil && uint32(kwt.Num) == keyWrapNotWrapped {
		if kb := obj.Child(ttlv.TagKeyBlock); kb != nil && kb.Child(ttlv.TagKeyWrappingData) != nil {
			plain, err := c.unwrapBody(ttlv.Marshal(obj)) // unwrap.go
			if err != nil {
				return b, err
			}
			var v ttlv.Value
			if err := ttlv.Unmarshal(plain, &v); err != nil {
				return b, fail(rrGeneralFailure, "unwrapped object: %v", err)
			}
			obj = &v
		}
	}
	replace := false
	if r := p.Child(ttlv.TagReplaceExisting); r != nil {
		if r.Type != ttlv.TypeBoolean {
			return b, fail(rrInvalidField, "Replace Existing is not a Boolean")
		}
		replace = r.Num != 0
	}
	// 2.x: an Attributes Structure; 1.4: Attribute items in the payload.
	in, err := collectAttrs(nil, p.Child(ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	for i := range p.Children {
		if ch := &p.Children[i]; ch.Tag == ttlv.TagAttribute {
			a, err := parseAttribute(ch)
			if err != nil {
				return b, err
			}
			in = append(in, a)
		}
	}
	o := &object{id: id}
	o.typ = typ
	if err := c.applyImported(o, in, obj); err != nil {
		return b, err
	}
	old, denied := c.findToReplace(u.Bytes) // access.go
	if denied != nil {
		return b, denied
	}
	for i := range o.attrs { // names.go: unique, but for the object replaced
		if o.attrs[i].tag != ttlv.TagName {
			continue
		}
		var n ttlv.Value
		if ttlv.Unmarshal(o.attrs[i].enc, &n) == nil && c.nameTaken(&n, nil, old) {
			return b, nameConflict(&n)
		}
	}
	if old != nil && !replace {
		return b, fail(rrObjectAlreadyExists, "object %s exists (Replace Existing is not true)", id)
	}
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	if old != nil {
		old.mu.Lock()
		c.record(old)
		old.objState = o.objState
		old.served.Store(false)
		old.used.Store(0)
		old.mu.Unlock()
	} else {
		o.owner = c.identity
		if !c.s.store.addIfAbsent(o) {
			return b, fail(rrObjectAlreadyExists, "object %s exists", id)
		}
		c.recordCreated(o)
	}
	c.placeholder = id
	return appendID(b, o), nil
}

// applyImported builds an imported object: the field attributes given
// (checked as at Register), the object value, the attributes a Register
// would set, and then every other attribute given in place of the
// server's instances of it.
func (c *reqCtx) applyImported(o *object, in []attrIn, obj *ttlv.Value) *opError {
	state := uint32(0)
	var rest []attrIn
	for i := range in {
		a := &in[i]
		switch a.tag {
		case ttlv.TagUniqueIdentifier:
			if string(a.val.Bytes) != o.id {
				return fail(rrInvalidField, "Unique Identifier attribute %q differs from the object's %q", a.val.Bytes, o.id)
			}
		case ttlv.TagObjectType, ttlv.TagCryptographicAlgorithm, ttlv.TagCryptographicLength, ttlv.TagCryptographicUsageMask:
			if err := c.applyInitial(o, in[i:i+1]); err != nil {
				return err
			}
		case ttlv.TagState:
			if a.val.Type != ttlv.TypeEnumeration || a.val.Num < int64(statePreActive) || a.val.Num > int64(stateDestroyedCompromised) {
				return fail(rrInvalidField, "State is not a State enumeration value")
			}
			state = uint32(a.val.Num)
		case ttlv.TagTemplate:
			return fail(rrInvalidField, "Import takes attributes, not Templates")
		default:
			if a.tag == 0 && a.name == "" {
				continue
			}
			if err := c.resolveLink(a); err != nil {
				return err
			}
			rest = append(rest, *a)
		}
	}
	if err := c.loadObject(o, obj); err != nil {
		return err
	}
	// The export flags first: initDates derives Always Sensitive and
	// Never Extractable from them.
	for i := range rest {
		if t := rest[i].tag; t == ttlv.TagSensitive || t == ttlv.TagExtractable || t == ttlv.TagFresh {
			o.setAttr(rest[i].encode())
		}
	}
	c.initDates(o, true)
	for i := range rest {
		a := &rest[i]
		if i == firstOf(rest, a) {
			kept := o.attrs[:0:0]
			for _, s := range o.attrs {
				if !s.is(a.tag, a.vendor, a.name) {
					kept = append(kept, s)
				}
			}
			o.attrs = kept
		}
		o.attrs = append(o.attrs, a.encode())
	}
	if state != 0 {
		o.state = state
	}
	if destroyed(o.state) {
		o.body, o.getResp, o.sym, o.priv, o.pub, o.aead = nil, nil, nil, nil, nil, nil
	}
	o.encodeGetResp() // an Archive Date given: no Get answer
	c.refresh(o)
	return nil
}

// firstOf returns the index in in of the first attribute that is a.
func firstOf(in []attrIn, a *attrIn) int {
	for i := range in {
		if in[i].tag == a.tag && (a.tag != 0 || in[i].name == a.name && in[i].vendor == a.vendor) {
			return i
		}
	}
	return -1
}

// addIfAbsent stores a new object unless one with its identifier exists
// (Import with an identifier chosen by the client); false if one does.
func (st *store) addIfAbsent(o *object) bool {
	st.orderMu.Lock()
	defer st.orderMu.Unlock()
	sh := &st.shards[shardOf(o.id)]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	if _, ok := sh.m[o.id]; ok {
		return false
	}
	o.seq = st.seq.Add(1)
	st.order = append(st.order, o)
	st.idx.add(o)
	sh.m[o.id] = o
	return true
}

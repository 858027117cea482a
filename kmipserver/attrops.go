package kmipserver

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// attrRef names an attribute asked for: a tag, or a custom/vendor name.
type attrRef struct {
	tag          ttlv.Tag
	vendor, name string
}

func (r *attrRef) matches(a *attr) bool {
	if r.tag != 0 {
		return a.tag == r.tag
	}
	return a.tag == 0 && a.name == r.name && (r.vendor == "" || r.vendor == a.vendor)
}

// refOf reads an Attribute Name (1.x), an Attribute Reference (2.x:
// Enumeration of the tag, or Structure{Vendor Identification, Attribute
// Name}).
func refOf(v *ttlv.Value) (attrRef, bool) {
	switch {
	case v.Tag == ttlv.TagAttributeName:
		return refOfName(string(v.Bytes))
	case v.Tag == ttlv.TagAttributeReference && v.Type == ttlv.TypeEnumeration:
		return attrRef{tag: ttlv.Tag(v.Num)}, true
	case v.Tag == ttlv.TagAttributeReference && v.Type == ttlv.TypeStructure:
		r := attrRef{}
		if vi := v.Child(ttlv.TagVendorIdentification); vi != nil {
			r.vendor = string(vi.Bytes)
		}
		if n := v.Child(ttlv.TagAttributeName); n != nil {
			r.name = string(n.Bytes)
		}
		return r, r.name != ""
	}
	return attrRef{}, false
}

// refOfName reads a KMIP 1.x Attribute Name: a standard attribute's, or a
// custom one.
func refOfName(name string) (attrRef, bool) {
	if isCustomName(name) {
		return attrRef{name: name}, true
	}
	t, ok := ttlv.LookupAttributeName(name)
	return attrRef{tag: t}, ok
}

// refOfRaw reads a KMIP 2.x Attribute Reference as a typed payload keeps
// it (its type varies): an Enumeration of the tag, or a Structure of
// Vendor Identification and Attribute Name.
func refOfRaw(r kmip.Raw) (attrRef, bool) {
	switch r.Type() {
	case ttlv.TypeEnumeration:
		_, v, n := ttlv.ConsumeEnumeration(r)
		return attrRef{tag: ttlv.Tag(v)}, n > 0
	case ttlv.TypeStructure:
		var ref attrRef
		for b := r.Value(); len(b) > 0; {
			tag, _, v, n := ttlv.ConsumeValue(b)
			if n < 0 {
				break
			}
			switch tag {
			case ttlv.TagVendorIdentification:
				ref.vendor = string(v)
			case ttlv.TagAttributeName:
				ref.name = string(v)
			}
			b = b[n:]
		}
		return ref, ref.name != ""
	}
	return attrRef{}, false
}

// getAttributes answers Get Attributes (2.1 §6.1.23, 1.4 §4.12): the
// attributes named, or all; unknown names are left out.
func (c *reqCtx) getAttributes(p *kmip.GetAttributesRequestPayload, payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	var refs []attrRef
	for _, name := range p.AttributeName {
		if r, ok := refOfName(name); ok {
			refs = append(refs, r)
		}
	}
	for _, raw := range p.AttributeReference {
		if r, ok := refOfRaw(raw); ok {
			refs = append(refs, r)
		}
	}
	asked := len(p.AttributeName) > 0 || len(p.AttributeReference) > 0
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	o.syncFresh()
	o.syncUsage()
	b = appendID(b, o)
	var mark int
	if !c.v1() {
		b, mark = ttlv.BeginStructure(b, ttlv.TagAttributes)
	}
	c.eachAttr(o, func(a *attr, idx int32) {
		if asked {
			hit := false
			for i := range refs {
				hit = hit || refs[i].matches(a)
			}
			if !hit {
				return
			}
		}
		b = c.appendAttr(b, a, idx)
	})
	if !c.v1() {
		ttlv.EndStructure(b, mark)
	}
	return b, nil
}

// getAttributeList answers Get Attribute List (2.1 §6.1.24, 1.4 §4.13).
func (c *reqCtx) getAttributeList(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	o.syncFresh()
	o.syncUsage()
	b = appendID(b, o)
	var seen []attrRef
	c.eachAttr(o, func(a *attr, idx int32) {
		for i := range seen {
			if seen[i].matches(a) {
				return
			}
		}
		seen = append(seen, attrRef{tag: a.tag, vendor: a.vendor, name: a.name})
		switch {
		case c.v1():
			b = ttlv.AppendTextString(b, ttlv.TagAttributeName, a.attrName())
		case a.tag != 0:
			b = ttlv.AppendEnumeration(b, ttlv.TagAttributeReference, uint32(a.tag))
		default:
			var m int
			b, m = ttlv.BeginStructure(b, ttlv.TagAttributeReference)
			b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, a.vendor)
			b = ttlv.AppendTextString(b, ttlv.TagAttributeName, a.name)
			ttlv.EndStructure(b, m)
		}
	})
	return b, nil
}

// newAttrOf reads the attribute of Add/Modify Attribute: a KMIP 1.x
// Attribute, or the 2.x New Attribute{tagged attribute}.
func newAttrOf(p *ttlv.Value, wrapper ttlv.Tag) (attrIn, bool, *opError) {
	if a := p.Child(ttlv.TagAttribute); a != nil {
		in, err := parseAttribute(a)
		return in, true, err
	}
	w := p.Child(wrapper)
	if w == nil || w.Type != ttlv.TypeStructure || len(w.Children) != 1 {
		return attrIn{}, false, fail(rrInvalidField, "missing %s with one attribute", wrapper)
	}
	ch := &w.Children[0]
	if ch.Tag == ttlv.TagAttribute {
		in, err := parseAttribute(ch)
		return in, false, err
	}
	return attrIn{tag: ch.Tag, index: -1, val: *ch}, false, nil
}

// addedAttrWrapper is the Structure that holds the attribute of an Add
// Attribute: New Attribute (2.0 and 2.1 §6.1.2), or Current Attribute
// when the request has that and no New Attribute. The first committee
// note draft of the KMIP 2.0 test cases (cnd01: TC-ECC-1-20, TC-PGP-1-20,
// …) wrote it so; Add Attribute has no current value to name, so the one
// attribute given can only be the one to add — tolerated on input (the
// Standard's form is read first).
func addedAttrWrapper(p *ttlv.Value) ttlv.Tag {
	if p.Child(ttlv.TagNewAttribute) == nil && p.Child(ttlv.TagCurrentAttribute) != nil {
		return ttlv.TagCurrentAttribute
	}
	return ttlv.TagNewAttribute
}

// settable checks that a client may set the attribute, and applies the
// field attributes; it returns handled=true when a was a field.
func (c *reqCtx) setField(o *object, a *attrIn, modify bool) (bool, *opError) {
	switch a.tag {
	case ttlv.TagCryptographicUsageMask:
		if o.hasUsage && !modify {
			return true, fail(rrAttributeSingleValued, "Cryptographic Usage Mask is already set")
		}
		if !o.hasUsage && modify {
			return true, fail(rrAttributeNotFound, "object has no Cryptographic Usage Mask")
		}
		o.usage, o.hasUsage = uint32(a.val.Num), true
		return true, nil
	case ttlv.TagActivationDate:
		if o.state != statePreActive {
			return true, c.wrongState("Activation Date can only change while Pre-Active")
		}
	}
	if isField(a.tag) || readOnly(a.tag) || modify && immutable(a.tag) {
		return true, fail(rrAttributeReadOnly, "attribute %s is read-only", a.tag)
	}
	return false, nil
}

// addAttribute answers Add Attribute (2.1 §6.1.2, 1.4 §4.14).
func (c *reqCtx) addAttribute(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	a, legacy, err := newAttrOf(p, addedAttrWrapper(p))
	if err != nil {
		return b, err
	}
	if err := c.resolveLink(&a); err != nil { // the target's lock, not o's
		return b, err
	}
	if a.tag == ttlv.TagName && c.nameTaken(&a.val, nil, o) { // names.go: the others, no lock held
		return b, nameConflict(&a.val)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if a.tag == ttlv.TagName && c.nameHeld(o, &a) {
		return b, nameConflict(&a.val)
	}
	prev := o.snapshot()
	done, err := c.setField(o, &a, false)
	if err != nil {
		return b, err
	}
	st := a.encode()
	if !done {
		if !multiValued(a.tag) && o.findAttr(a.tag, a.vendor, a.name, 0) >= 0 {
			return b, fail(rrAttributeSingleValued, "attribute %s already has a value", a.tag)
		}
		o.attrs = append(o.attrs, st)
	}
	c.recordPrev(o, prev)
	c.touch(o)
	c.refresh(o)
	b = appendID(b, o)
	if legacy || c.v1() {
		idx := int32(0)
		if !done {
			for i := range o.attrs[:len(o.attrs)-1] {
				if o.attrs[i].is(a.tag, a.vendor, a.name) {
					idx++
				}
			}
		}
		b = c.appendAttr(b, &st, idx)
	}
	return b, nil
}

// recordPrev journals a state taken before a change.
func (c *reqCtx) recordPrev(o *object, prev objState) {
	c.changed(o)
	if c.journaling {
		c.journal = append(c.journal, journalEntry{obj: o, prev: prev})
	}
}

// instanceOf finds the stored instance an attribute names: by index
// (1.x) or by value (2.x Current Attribute); -1 if none.
func (o *object) instanceOf(a *attrIn, cur *attrIn) int {
	if cur != nil {
		enc := cur.encode().enc
		for i := range o.attrs {
			s := &o.attrs[i]
			if s.is(cur.tag, cur.vendor, cur.name) && string(s.enc[3:]) == string(enc[3:]) {
				return i
			}
		}
		return -1
	}
	idx := a.index
	if idx < 0 {
		idx = 0
	}
	return o.findAttr(a.tag, a.vendor, a.name, idx)
}

// currentOf reads a 2.x Current Attribute, nil when absent.
func (c *reqCtx) currentOf(p *ttlv.Value) (*attrIn, *opError) {
	w := p.Child(ttlv.TagCurrentAttribute)
	if w == nil {
		return nil, nil
	}
	if w.Type != ttlv.TypeStructure || len(w.Children) != 1 {
		return nil, fail(rrInvalidField, "Current Attribute must hold one attribute")
	}
	ch := &w.Children[0]
	a := attrIn{tag: ch.Tag, index: -1, val: *ch}
	if ch.Tag == ttlv.TagAttribute {
		var err *opError
		if a, err = parseAttribute(ch); err != nil {
			return &a, err
		}
	}
	// a Link named by the forms a Link is given in (uidref.go)
	if err := c.resolveLinkedID(&a); err != nil {
		return nil, err
	}
	return &a, nil
}

// modifyAttribute answers Modify Attribute (2.1 §6.1.30, 1.4 §4.15).
func (c *reqCtx) modifyAttribute(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	a, legacy, err := newAttrOf(p, ttlv.TagNewAttribute)
	if err != nil {
		return b, err
	}
	if err := c.resolveLink(&a); err != nil { // the target's lock, not o's
		return b, err
	}
	cur, err := c.currentOf(p)
	if err != nil {
		return b, err
	}
	newName := a.tag == ttlv.TagName && !(cur != nil && string(cur.encode().enc[3:]) == string(a.encode().enc[3:]))
	if newName && c.nameTaken(&a.val, nil, o) { // names.go: the others, no lock held
		return b, nameConflict(&a.val)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if newName && c.nameHeld(o, &a) {
		return b, nameConflict(&a.val)
	}
	prev := o.snapshot()
	done, err := c.setField(o, &a, true)
	if err != nil {
		return b, err
	}
	st := a.encode()
	idx := int32(0)
	if !done {
		i := o.instanceOf(&a, cur)
		if i < 0 {
			return b, fail(rrAttributeNotFound, "object has no such instance of %s", a.tag)
		}
		for j := 0; j < i; j++ {
			if o.attrs[j].is(a.tag, a.vendor, a.name) {
				idx++
			}
		}
		o.attrs[i] = st
	}
	c.recordPrev(o, prev)
	c.touch(o)
	c.refresh(o)
	b = appendID(b, o)
	if legacy || c.v1() {
		b = c.appendAttr(b, &st, idx)
	}
	return b, nil
}

// deleteAttribute answers Delete Attribute (2.1 §6.1.15, 1.4 §4.16).
func (c *reqCtx) deleteAttribute(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	cur, err := c.currentOf(p)
	if err != nil {
		return b, err
	}
	var ref attrIn
	if cur != nil {
		ref = *cur
	} else {
		ref.index = -1
		found := false
		for i := range p.Children {
			ch := &p.Children[i]
			switch ch.Tag {
			case ttlv.TagAttributeName, ttlv.TagAttributeReference:
				r, ok := refOf(ch)
				if !ok {
					return b, fail(rrInvalidField, "unknown attribute %v", ch.String())
				}
				ref.tag, ref.vendor, ref.name, found = r.tag, r.vendor, r.name, true
			case ttlv.TagAttributeIndex:
				ref.index = int32(ch.Num)
			}
		}
		if !found {
			return b, fail(rrInvalidField, "Delete Attribute names no attribute")
		}
	}
	if isField(ref.tag) || immutable(ref.tag) {
		return b, fail(rrAttributeReadOnly, "attribute %s cannot be deleted", ref.tag)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	i := o.instanceOf(&ref, cur)
	if i < 0 {
		return b, fail(rrAttributeNotFound, "object has no such instance of %s", ref.tag)
	}
	c.record(o)
	old := o.attrs[i]
	idx := int32(0)
	for j := 0; j < i; j++ {
		if o.attrs[j].is(old.tag, old.vendor, old.name) {
			idx++
		}
	}
	out := make([]attr, 0, len(o.attrs)-1)
	out = append(out, o.attrs[:i]...)
	o.attrs = append(out, o.attrs[i+1:]...)
	c.touch(o)
	b = appendID(b, o)
	if c.v1() {
		b = c.appendAttr(b, &old, idx)
	}
	return b, nil
}

// setAttribute answers Set Attribute (KMIP 2.1 §6.1.52, 2.0): the object
// gets the attribute, added when it has none, replaced when it has one; an
// attribute with several instances is refused (Modify Attribute names
// which).
func (c *reqCtx) setAttribute(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	a, _, err := newAttrOf(p, ttlv.TagNewAttribute)
	if err != nil {
		return b, err
	}
	if err := c.resolveLink(&a); err != nil { // the target's lock, not o's
		return b, err
	}
	if a.tag == ttlv.TagName && c.nameTaken(&a.val, nil, o) { // names.go: the others, no lock held
		return b, nameConflict(&a.val)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if a.tag == ttlv.TagName && c.nameHeld(o, &a) {
		return b, nameConflict(&a.val)
	}
	prev := o.snapshot()
	first := o.findAttr(a.tag, a.vendor, a.name, 0)
	exists := first >= 0
	if a.tag == ttlv.TagCryptographicUsageMask {
		exists = o.hasUsage
	}
	done, err := c.setField(o, &a, exists)
	if err != nil {
		return b, err
	}
	if !done {
		if exists && o.findAttr(a.tag, a.vendor, a.name, 1) >= 0 {
			return b, fail(rrMultiValuedAttribute, "attribute %s has several instances: use Modify Attribute", a.tag)
		}
		if exists {
			o.attrs[first] = a.encode()
		} else {
			o.attrs = append(o.attrs, a.encode())
		}
	}
	c.recordPrev(o, prev)
	c.touch(o)
	c.refresh(o)
	return appendID(b, o), nil
}

package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Values of Re-key (KMIP 2.1 §6.1.45, 1.4 §4.4).
const (
	opReKey        uint32 = 0x04 // Operation, 2.1 §11.36
	opSetAttribute uint32 = 0x31

	linkReplacement uint32 = 0x106 // Link Type, 2.1 §11.28
	linkReplaced    uint32 = 0x107
)

// rekeyCarried are the attributes a replacement key takes over from the
// key it replaces (1.4 §4.4's table: the others are set anew or not set).
func rekeyCarried(a *attr) bool {
	switch a.tag {
	case ttlv.TagName, ttlv.TagObjectGroup, ttlv.TagCryptographicParameters, ttlv.TagApplicationSpecificInformation,
		ttlv.TagContactInformation, ttlv.TagSensitive, ttlv.TagExtractable, 0:
		return true
	}
	return false
}

// reKey answers Re-key (2.1 §6.1.45, 1.4 §4.4) of a Symmetric Key: a new
// key of the same algorithm, length and usage, with fresh material, that
// takes over the old key's Names, groups, Cryptographic Parameters and
// custom attributes (those given in the request override them); with an
// Offset its Activation Date is now plus the Offset, without one the old
// key's (reKeyDates). The old key loses its
// Names; the keys are linked (Replacement Object, Replaced Object).
func (c *reqCtx) reKey(p *ttlv.Value, b []byte) ([]byte, *opError) {
	old, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	in, err := collectAttrs(nil, templateOf(p, ttlv.TagTemplateAttribute, ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	id, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	old.mu.Lock()
	defer old.mu.Unlock()
	c.refresh(old)
	if old.typ != objSymmetricKey {
		return b, fail(rrInvalidField, "Re-key applies to Symmetric Keys (Re-key Key Pair to key pairs)")
	}
	if destroyed(old.state) {
		return b, c.wrongState("object %s is destroyed", old.id)
	}
	o := &object{id: id}
	o.typ, o.alg, o.length, o.usage, o.hasUsage = old.typ, old.alg, old.length, old.usage, old.hasUsage
	for i := range old.attrs {
		if rekeyCarried(&old.attrs[i]) {
			o.attrs = append(o.attrs, old.attrs[i])
		}
	}
	if err := c.applyInitial(o, in); err != nil {
		return b, err
	}
	if err := c.genSymmetric(o); err != nil {
		return b, err
	}
	c.initDates(o, false)
	c.reKeyDates(old, o, p.Child(ttlv.TagOffset))
	c.refresh(o)
	o.setAttr(linkAttr(linkReplaced, old.id))
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	c.supersede(old, id)
	c.add(o)
	c.recordCreated(o)
	c.placeholder = id
	return appendID(b, o), nil
}

// reKeyDates sets the replacement's Activation, Process Start, Protect
// Stop and Deactivation Dates (1.4 §4.4, Table 172; 2.1 §6.1.45): without
// an Offset, the existing key's; with one, Activation Date now + Offset
// and the other three moved by as much as the Activation Date moved.
func (c *reqCtx) reKeyDates(old, o *object, offset *ttlv.Value) {
	later := []ttlv.Tag{ttlv.TagProcessStartDate, ttlv.TagProtectStopDate, ttlv.TagDeactivationDate}
	if offset == nil {
		for _, t := range append(later, ttlv.TagActivationDate) {
			if v, ok := old.date(t); ok {
				o.setDate(t, v)
			}
		}
		return
	}
	at2 := c.now.Unix() + offset.Num
	o.setDate(ttlv.TagActivationDate, at2)
	if at1, ok := old.date(ttlv.TagActivationDate); ok {
		for _, t := range later {
			if v, ok := old.date(t); ok {
				o.setDate(t, v+(at2-at1))
			}
		}
	}
}

// supersede marks old, whose lock the caller holds, as replaced by the
// object newID (Re-key, Re-key Key Pair, Re-certify): recorded for Undo,
// its Names given up to the replacement, linked to it (Replacement Object
// Link). The attributes are a new slice: the recorded ones stay as they
// were.
func (c *reqCtx) supersede(old *object, newID string) {
	c.record(old)
	kept := old.attrs[:0:0]
	for _, a := range old.attrs {
		if a.tag != ttlv.TagName {
			kept = append(kept, a)
		}
	}
	old.attrs = append(kept, linkAttr(linkReplacement, newID))
	c.touch(old)
}

package kmipserver

import (
	"bytes"

	"github.com/kmipwire/kmipwire/ttlv"
)

// KMIP 1.x Templates (1.4 §2.2.6, deprecated in 1.3, removed in 2.0): a
// managed object holding attributes, registered with a Name; a
// Template-Attribute (1.4 §2.1.8) names Templates before its own
// attributes, and the object made gets the Templates' attributes, then
// the request's, which override them.

// objTemplate is the Template object type (1.4 §9.1.3.2.12).
const objTemplate uint32 = 0x06

// templateAttrs returns the attributes of the Template a Template-Attribute
// names (name is its Name Structure): Item Not Found when no Template of
// that Name exists.
func (c *reqCtx) templateAttrs(name *ttlv.Value) ([]attrIn, *opError) {
	want := attrIn{tag: ttlv.TagName, index: -1, val: *name}
	enc := want.encode().enc
	filter := []attrIn{want, {tag: ttlv.TagObjectType, index: -1, val: ttlv.Enumeration(ttlv.TagObjectType, objTemplate)}}
	cands, indexed := c.s.store.idx.candidates(filter)
	if !indexed {
		cands = c.s.store.all()
	}
	for _, o := range cands {
		if o.removed.Load() || !c.mayUse(o) {
			continue
		}
		o.mu.RLock()
		match := o.typ == objTemplate && c.showsObject(o) && !destroyed(o.state) && o.body != nil && o.hasAttrEnc(ttlv.TagName, enc)
		body := o.body
		o.mu.RUnlock()
		if !match {
			continue
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(body, &v); err != nil {
			return nil, fail(rrGeneralFailure, "template %s: %v", o.id, err)
		}
		in, err := collectAttrs(nil, &v)
		if err != nil {
			return nil, err
		}
		// the attributes of the Template object itself (its Name) are
		// not the Template's content
		return in, nil
	}
	nv := name.Child(ttlv.TagNameValue)
	if nv == nil {
		return nil, fail(rrInvalidField, "Template-Attribute Name without a Name Value")
	}
	return nil, fail(rrItemNotFound, "no Template named %q", nv.Bytes)
}

// hasAttrEnc reports an attribute instance encoded as enc. Call it with
// o.mu held.
func (o *object) hasAttrEnc(t ttlv.Tag, enc []byte) bool {
	for i := range o.attrs {
		if o.attrs[i].tag == t && bytes.Equal(o.attrs[i].enc, enc) {
			return true
		}
	}
	return false
}

package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// export answers Export (KMIP 2.1 §6.1.18, 1.4 §4.40): the object with
// all of its attributes — Object Type, Unique Identifier, the attributes
// (a 2.x Attributes Structure, 1.x Attribute items, as Get Attributes
// writes them) and the object value as Get serves it, in the Key Format
// Type and with the Key Wrapping Specification asked for. A destroyed
// object is exported without its value ("the key material … SHALL not be
// returned"). Export is not a Get: the Fresh attribute stays as it is
// (2.1 §4.24 clears it on Get only). The Unique Identifier goes to the ID
// Placeholder.
func (c *reqCtx) export(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	kf, w, err := c.getOptions(p)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	o.syncFresh()
	o.syncUsage()
	if o.archived() {
		return b, fail(rrObjectArchived, "object %s is archived (Recover it first)", o.id)
	}
	var body []byte
	if !destroyed(o.state) && o.body != nil {
		if err := o.exportable(w != nil); err != nil {
			return b, err
		}
		if body, err = c.servedBody(o, kf, w); err != nil {
			return b, err
		}
	}
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, o.typ)
	b = appendID(b, o)
	var mark int
	if !c.v1() {
		b, mark = ttlv.BeginStructure(b, ttlv.TagAttributes)
	}
	c.eachAttr(o, func(a *attr, idx int32) { b = c.appendAttr(b, a, idx) })
	if !c.v1() {
		ttlv.EndStructure(b, mark)
	}
	c.placeholder = o.id
	return append(b, body...), nil
}

// getOptions reads what Get and Export let a client choose of the object
// value: the Key Format Type (0 for the stored one) and a Key Wrapping
// Specification (nil for none).
func (c *reqCtx) getOptions(p *ttlv.Value) (uint32, *wrapping, *opError) {
	var kf uint32
	var w *wrapping
	for i := range p.Children {
		ch := &p.Children[i]
		switch ch.Tag {
		case ttlv.TagKeyFormatType:
			kf = uint32(ch.Num)
		case ttlv.TagKeyWrappingSpecification:
			var err *opError
			if w, err = c.wrappingOf(ch); err != nil {
				return 0, nil, err
			}
		}
	}
	return kf, w, nil
}

// servedBody is the object Structure as Get serves it: the stored one,
// converted to the Key Format Type kf (0: as stored) and wrapped by w
// (nil: not wrapped). Call with o.mu held.
func (c *reqCtx) servedBody(o *object, kf uint32, w *wrapping) ([]byte, *opError) {
	body := o.body
	if kf != 0 && kf != o.kf {
		var err *opError
		if body, err = c.convert(o, kf); err != nil {
			return nil, err
		}
	}
	if w != nil {
		return w.wrapBody(body)
	}
	return body, nil
}

package kmipserver

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// export answers Export (KMIP 2.1 §6.1.18, 1.4 §4.40): the object with
// all of its attributes — Object Type, Unique Identifier, the attributes
// (a 2.x Attributes Structure, 1.x Attribute items, as Get Attributes
// writes them) and the object value as Get serves it, in the Key Format
// Type and with the Key Wrapping Specification asked for. A destroyed
// object is exported without its value ("the key material … SHALL not be
// returned"). Export is not a Get: the Fresh attribute stays as it is
// (2.1 §4.24 clears it on Get only). The Unique Identifier goes to the ID
// Placeholder.
func (c *reqCtx) export(p *kmip.ExportRequestPayload, payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	kf, w, err := c.getOptions(p.KeyFormatType, p.KeyWrappingSpecification)
	if err != nil {
		return b, err
	}
	// Key Wrap Type Not Wrapped: the value unwrapped first, no lock held
	// (the wrapping key is locked to be read; unwrap.go).
	var unwrapped []byte
	if kwt, ok := p.KeyWrapType.Get(); ok && kwt == kmip.KeyWrapTypeNotWrapped {
		o.mu.RLock()
		stored, isWrapped := o.body, o.wrapped()
		o.mu.RUnlock()
		if isWrapped {
			if unwrapped, err = c.unwrapBody(stored); err == nil && w != nil {
				unwrapped, err = w.wrapBody(unwrapped)
			}
			if err != nil {
				return b, err
			}
		}
	}
	var pfx []byte
	if kf == kfPKCS12 { // made before o is locked: it reads other objects
		if pfx, err = c.pkcs12Of(o); err != nil { // pkcs12.go
			return b, err
		}
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
		if body = unwrapped; body == nil {
			if body, err = c.servedBody(o, kf, w, pfx); err != nil {
				return b, err
			}
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
func (c *reqCtx) getOptions(kf kmip.Optional[kmip.KeyFormatType], ks *kmip.KeyWrappingSpecification) (uint32, *wrapping, *opError) {
	if ks == nil {
		return uint32(kf.Value), nil, nil
	}
	w, err := c.wrappingOf(ks)
	if err != nil {
		return 0, nil, err
	}
	return uint32(kf.Value), w, nil
}

// servedBody is the object Structure as Get serves it: the stored one,
// converted to the Key Format Type kf (0: as stored) and wrapped by w
// (nil: not wrapped). For Key Format Type PKCS#12, pfx is the container
// (pkcs12Of, made before o.mu was taken). Call with o.mu held.
func (c *reqCtx) servedBody(o *object, kf uint32, w *wrapping, pfx []byte) ([]byte, *opError) {
	body := o.body
	if kf == kfPKCS12 && pfx != nil {
		body = c.pkcs12Body(pfx)
	} else if kf != 0 && kf != o.kf {
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

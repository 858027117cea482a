package kmipserver

import (
	"crypto/ecdh"

	"github.com/kmipwire/kmipwire/ttlv"
)

// rekeyPairSet lists the attributes Re-key Key Pair does not copy from the
// existing keys but sets anew (1.4 §4.5, Table 177; 2.1 §6.1.47): the
// dates (the Activation and Deactivation Dates follow reKeyDates), the
// Digest of the new key material, the Links (to the new partner and to the
// replaced key), the Random Number Generator and what a new object gets
// (initDates).
func rekeyPairSet(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagDigest, ttlv.TagInitialDate, ttlv.TagLastChangeDate, ttlv.TagDestroyDate,
		ttlv.TagCompromiseOccurrenceDate, ttlv.TagCompromiseDate, ttlv.TagRevocationReason,
		ttlv.TagArchiveDate, ttlv.TagActivationDate, ttlv.TagDeactivationDate, ttlv.TagProcessStartDate,
		ttlv.TagProtectStopDate, ttlv.TagOriginalCreationDate, ttlv.TagLink, ttlv.TagRandomNumberGenerator,
		ttlv.TagShortUniqueIdentifier, ttlv.TagFresh, ttlv.TagAlwaysSensitive, ttlv.TagNeverExtractable,
		ttlv.TagKeyValuePresent, ttlv.TagLeaseTime:
		return true
	}
	return false
}

// reKeyKeyPair answers Re-key Key Pair (KMIP 1.4 §4.5, 2.1 §6.1.47; a 1.1
// operation): a new key pair of the existing one's algorithm, length and
// curve, whose attributes are copied from the existing keys but for those
// set anew (rekeyPairSet) and those the request gives (Common, Private
// Key and Public Key Attributes or Template-Attributes, as Create Key
// Pair). The new keys take over the Names, which the existing ones lose;
// each existing key gets a Replacement Object Link to its replacement and
// each new key a Replaced Object Link back. Without an Offset the
// replacement's Activation and Deactivation Dates are the existing
// private key's; with one, Activation Date now + Offset and the others
// moved by as much (Table 176). The new Private Key Unique Identifier goes
// to the ID Placeholder. The keys are generated with no lock held.
func (c *reqCtx) reKeyKeyPair(p *ttlv.Value, b []byte) ([]byte, *opError) {
	id := []byte(c.placeholder)
	if u := p.Child(ttlv.TagPrivateKeyUniqueIdentifier); u != nil && (u.Type == ttlv.TypeTextString || u.Type == ttlv.TypeIdentifier && c.major >= 3) && len(u.Bytes) > 0 {
		id = u.Bytes
	}
	if len(id) == 0 {
		return b, fail(rrMissingData, "no Private Key Unique Identifier and no ID placeholder")
	}
	oldPriv, denied := c.find(id)
	if denied != nil {
		return b, denied
	}
	if oldPriv == nil {
		return b, c.notFound(id)
	}
	var common, privIn, pubIn []attrIn
	var err *opError
	if common, err = collectAttrs(nil, templateOf(p, ttlv.TagCommonTemplateAttribute, ttlv.TagCommonAttributes)); err != nil {
		return b, err
	}
	if privIn, err = collectAttrs(nil, templateOf(p, ttlv.TagPrivateKeyTemplateAttribute, ttlv.TagPrivateKeyAttributes)); err != nil {
		return b, err
	}
	if pubIn, err = collectAttrs(nil, templateOf(p, ttlv.TagPublicKeyTemplateAttribute, ttlv.TagPublicKeyAttributes)); err != nil {
		return b, err
	}
	if err := c.newNames(common, privIn, pubIn); err != nil { // names.go
		return b, err
	}
	// The existing keys as they are now (snapshots, no lock kept).
	oldPriv.mu.Lock()
	c.refresh(oldPriv)
	privWas := &object{id: oldPriv.id, objState: oldPriv.snapshot()}
	oldPriv.mu.Unlock()
	if privWas.typ != objPrivateKey {
		return b, fail(rrInvalidField, "Re-key Key Pair applies to Private Keys (Re-key to symmetric keys)")
	}
	if destroyed(privWas.state) || privWas.priv == nil {
		return b, c.wrongState("private key %s is destroyed or holds no usable key", privWas.id)
	}
	pubID, ok := linked(privWas, linkPublicKey)
	oldPub, denied := c.find([]byte(pubID))
	if denied != nil {
		return b, denied
	}
	if !ok || oldPub == nil {
		return b, fail(rrInvalidField, "private key %s has no linked Public Key", privWas.id)
	}
	oldPub.mu.RLock()
	pubWas := &object{id: oldPub.id, objState: oldPub.snapshot()}
	oldPub.mu.RUnlock()
	spec := keySpec{alg: privWas.alg, length: privWas.length}
	switch k := privWas.priv.(type) {
	case *ecdh.PrivateKey:
		if k.Curve() == ecdh.X25519() {
			spec.curve = curve25519
		}
	case *k1PrivateKey:
		spec.curve = curveSECP256K1
	}
	newPrivID, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	newPubID, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	po, uo := &object{id: newPrivID}, &object{id: newPubID}
	for _, pair := range []struct {
		o, was *object
		sets   [][]attrIn
	}{{po, privWas, [][]attrIn{common, privIn}}, {uo, pubWas, [][]attrIn{common, pubIn}}} {
		o, was := pair.o, pair.was
		o.typ, o.usage, o.hasUsage = was.typ, was.usage, was.hasUsage
		for _, a := range was.attrs {
			if !rekeyPairSet(a.tag) {
				o.attrs = append(o.attrs, a)
			}
		}
		for _, set := range pair.sets {
			if err := c.applyInitial(o, dropTag(set, ttlv.TagObjectType)); err != nil {
				return b, err
			}
		}
	}
	if err := c.genKeyPair(spec, po, uo); err != nil {
		return b, err
	}
	po.setAttr(linkAttr(linkPublicKey, newPubID))
	uo.setAttr(linkAttr(linkPrivateKey, newPrivID))
	for _, pair := range []struct{ o, was *object }{{po, privWas}, {uo, pubWas}} {
		c.initDates(pair.o, false)
		c.reKeyDates(privWas, pair.o, p.Child(ttlv.TagOffset))
		c.refresh(pair.o)
		pair.o.setAttr(linkAttr(linkReplaced, pair.was.id))
	}
	if err := c.constrain(po, uo); err != nil { // constraints.go
		return b, err
	}
	// The existing keys: Names given up, linked to their replacements.
	for _, pair := range []struct {
		old   *object
		newID string
	}{{oldPriv, newPrivID}, {oldPub, newPubID}} {
		o := pair.old
		o.mu.Lock()
		c.supersede(o, pair.newID)
		o.mu.Unlock()
	}
	for _, o := range []*object{po, uo} {
		c.add(o)
		c.recordCreated(o)
	}
	c.placeholder = newPrivID
	b = ttlv.AppendTextString(b, ttlv.TagPrivateKeyUniqueIdentifier, newPrivID)
	return ttlv.AppendTextString(b, ttlv.TagPublicKeyUniqueIdentifier, newPubID), nil
}

// linked returns the identifier of the object's first Link of a type.
func linked(o *object, linkType uint32) (string, bool) {
	for i := range o.attrs {
		if id, ok := linkIDOf(&o.attrs[i], linkType); ok {
			return id, true
		}
	}
	return "", false
}

// linkIDOf returns the Linked Object Identifier of attribute a when a is a
// Link of the Link Type.
func linkIDOf(a *attr, linkType uint32) (string, bool) {
	if a.tag != ttlv.TagLink {
		return "", false
	}
	var v ttlv.Value
	if ttlv.Unmarshal(a.enc, &v) != nil {
		return "", false
	}
	if lt, id := v.Child(ttlv.TagLinkType), v.Child(ttlv.TagLinkedObjectIdentifier); lt != nil && id != nil && uint32(lt.Num) == linkType {
		return id.Text(), true
	}
	return "", false
}

package kmipserver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/kmipwire/kmipwire/ttlv"
)

// PKCS#12 key material (Key Format Type PKCS#12, RFC 7292; KMIP 1.4
// §2.1.7, §3.45, §4.11, 2.1 §4.39, §6.1.22). A private key registered as a
// PKCS#12 container is opened with the password of the Secret Data object
// its PKCS#12 Password Link names: the server keeps the key as PKCS#8,
// makes a Certificate object of each certificate inside and links the key
// to the first of the chain (PKCS#12 Certificate Link), each certificate
// to its issuer's. Get in Key Format Type PKCS#12 builds a container
// again: the key, the chain its links give, under the linked password,
// named by its PKCS#12 Friendly Name. Opening a container (its legacy and
// current encryptions, the RFC 7292 Appendix B key derivation, the MAC)
// is software.sslmate.com/src/go-pkcs12's, after previewPKCS12 has bounded
// what it costs (pkcs12cost.go); writing one is pkcs12write.go's.

const (
	kfPKCS12 uint32 = 0x16 // Key Format Type, 2.1 §11.25

	linkPKCS12Certificate uint32 = 0x10C // Link Type, 2.1 §11.28
	linkPKCS12Password    uint32 = 0x10D

	// maxPKCS12Chain bounds the certificates a container is made or read
	// with.
	maxPKCS12Chain = 16
)

// pkcs12Opened is what a registered PKCS#12 container holds.
type pkcs12Opened struct {
	key   crypto.PrivateKey
	pkcs8 []byte   // the key as PKCS#8, as stored
	certs [][]byte // DER certificates: the key's first, then each one's issuer
	// friendlyName is the key's PKCS#12 Friendly Name: the one the client
	// gave, or the container's ("" for none).
	friendlyName string
}

// pkcs12Material returns the PKCS#12 container of a Register's private
// key Structure, nil when it holds another Key Format Type or a wrapped
// value (KMIP 1.x writes a PKCS#12 Key Value as a Byte String without Key
// Wrapping Data, as the OASIS 1.4 test cases do; 2.x as Key Material).
func pkcs12Material(obj *ttlv.Value) []byte {
	kb := obj.Child(ttlv.TagKeyBlock)
	if kb == nil || kb.Child(ttlv.TagKeyWrappingData) != nil {
		return nil
	}
	if kf := kb.Child(ttlv.TagKeyFormatType); kf == nil || uint32(kf.Num) != kfPKCS12 {
		return nil
	}
	kv := kb.Child(ttlv.TagKeyValue)
	switch {
	case kv == nil:
		return nil
	case kv.Type == ttlv.TypeByteString:
		return kv.Bytes
	}
	if km := kv.Child(ttlv.TagKeyMaterial); km != nil && km.Type == ttlv.TypeByteString {
		return km.Bytes
	}
	return nil
}

// openPKCS12 opens a registered PKCS#12 container with the password its
// PKCS#12 Password Link (among the request's attributes) names, and
// returns the Private Key Structure to store in its place: the key as
// PKCS#8, with its Cryptographic Algorithm and Length.
func (c *reqCtx) openPKCS12(pfx []byte, in []attrIn) (*ttlv.Value, *pkcs12Opened, *opError) {
	opened, err := c.decodePKCS12(pfx, in)
	if err != nil {
		return nil, nil, err
	}
	var alg uint32
	var length int32
	if k, ok := opened.key.(interface{ Public() crypto.PublicKey }); ok {
		alg, length = keyInfo(k.Public())
	}
	obj, err := c.tree(encodeKeyBody(ttlv.TagPrivateKey, kfPKCS8, opened.pkcs8, alg, length))
	if err != nil {
		return nil, nil, err
	}
	return obj, opened, nil
}

func (c *reqCtx) decodePKCS12(pfx []byte, in []attrIn) (*pkcs12Opened, *opError) {
	var ids []string
	for i := range in {
		if id, ok := c.linkIn(&in[i], linkPKCS12Password); ok {
			ids = append(ids, id)
		}
	}
	password, err := c.pkcs12Password(ids)
	if err != nil {
		return nil, err
	}
	names, perr := previewPKCS12(pfx) // pkcs12cost.go
	if perr != nil {
		return nil, fail(rrInvalidField, "%v", perr)
	}
	// The key is the one under the PKCS#12 Friendly Name given, which is
	// else the name the container gives it (1.4 §3.45, 2.1 §4.39).
	name := friendlyNameIn(in)
	switch {
	case name == "" && len(names) > 0:
		name = names[0]
	case name != "" && !slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) }) &&
		slices.ContainsFunc(names, func(n string) bool { return n != "" }):
		return nil, fail(rrInvalidField, "PKCS#12: no private key under the friendly name %q (the container has %q)", name, names)
	}
	key, leaf, cas, derr := c.decodeChain(pfx, password)
	if derr != nil {
		switch {
		case errors.Is(derr, pkcs12.ErrIncorrectPassword) || errors.Is(derr, pkcs12.ErrDecryption):
			return nil, fail(rrBadPassword, "PKCS#12: the password does not open the container")
		case errors.Is(derr, context.Canceled) || errors.Is(derr, context.DeadlineExceeded):
			return nil, fail(rrGeneralFailure, "PKCS#12: %v", derr)
		}
		return nil, fail(rrInvalidField, "PKCS#12: %v", derr)
	}
	if len(cas) >= maxPKCS12Chain {
		return nil, fail(rrInvalidField, "PKCS#12: %d certificates, more than %d", len(cas)+1, maxPKCS12Chain)
	}
	der, merr := x509.MarshalPKCS8PrivateKey(key)
	if merr != nil {
		return nil, fail(rrInvalidField, "PKCS#12: private key: %v", merr)
	}
	return &pkcs12Opened{key: key, pkcs8: der, certs: chainOrder(key, append([]*x509.Certificate{leaf}, cas...)),
		friendlyName: name}, nil
}

// friendlyNameIn returns the PKCS#12 Friendly Name among a request's
// attributes, "" without one.
func friendlyNameIn(in []attrIn) string {
	for i := range in {
		if in[i].tag == ttlv.TagPKCS_12FriendlyName && in[i].val.Type == ttlv.TypeTextString {
			return in[i].val.Text()
		}
	}
	return ""
}

// friendlyName returns an object's PKCS#12 Friendly Name, "alias"
// without one (the name 1.4 §3.45 and 2.1 §4.39 say a server SHOULD use).
// Call it with o.mu held.
func (o *object) friendlyName() string {
	if i := o.findAttr(ttlv.TagPKCS_12FriendlyName, "", "", 0); i >= 0 {
		if _, text, n := ttlv.ConsumeTextString(o.attrs[i].enc); n > 0 {
			return string(text)
		}
	}
	return "alias"
}

// decodeChain opens a container with the library, one container at a
// time: previewPKCS12 cannot see the iteration counts of a shrouded key
// inside encrypted contents, so that a crafted one keeps at most one core
// busy, whatever the number of requests that bring it.
func (c *reqCtx) decodeChain(pfx []byte, password string) (crypto.PrivateKey, *x509.Certificate, []*x509.Certificate, error) {
	select {
	case c.s.pkcs12Slot <- struct{}{}:
	case <-c.ctx.Done():
		return nil, nil, nil, fmt.Errorf("%w while another container was being opened", c.ctx.Err())
	}
	defer func() { <-c.s.pkcs12Slot }()
	return pkcs12.DecodeChain(pfx, password)
}

// chainOrder orders a container's certificates: the one of the key first
// (the first one when none matches it), then each one's issuer while the
// container holds it; the others follow as they came.
func chainOrder(key crypto.PrivateKey, certs []*x509.Certificate) [][]byte {
	first := 0
	if k, ok := key.(interface{ Public() crypto.PublicKey }); ok {
		for i, cert := range certs {
			if p, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool }); ok && p.Equal(k.Public()) {
				first = i
				break
			}
		}
	}
	used := make([]bool, len(certs))
	ordered := make([][]byte, 0, len(certs))
	for i := first; i >= 0; {
		used[i] = true
		ordered = append(ordered, certs[i].Raw)
		next := -1
		for j, cert := range certs {
			if !used[j] && bytes.Equal(cert.RawSubject, certs[i].RawIssuer) {
				next = j
				break
			}
		}
		i = next
	}
	for i, cert := range certs {
		if !used[i] {
			ordered = append(ordered, cert.Raw)
		}
	}
	return ordered
}

// linkIn returns the Linked Object Identifier of a request's Link
// attribute of a Link Type.
func (c *reqCtx) linkIn(a *attrIn, linkType uint32) (string, bool) {
	if a.tag != ttlv.TagLink {
		return "", false
	}
	lt, id := a.val.Child(ttlv.TagLinkType), a.val.Child(ttlv.TagLinkedObjectIdentifier)
	if lt == nil || id == nil || uint32(lt.Num) != linkType {
		return "", false
	}
	text, err := c.resolveID(true, id.Type, id.Bytes, id.Num)
	if err != nil {
		return "", false
	}
	return string(text), true
}

// linkTargets returns the Linked Object Identifiers of an object's Links of a
// Link Type. Call it with o.mu held.
func linkTargets(o *object, linkType uint32) []string {
	var ids []string
	for i := range o.attrs {
		if id, ok := linkIDOf(&o.attrs[i], linkType); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// pkcs12Password returns the password of the Secret Data object a PKCS#12
// Password Link names: exactly one link, to an Active Secret Data object
// of Secret Data Type Password (1.4 Table 330, 2.1 §11.1 Bad Password:
// "missing or multiple PKCS#12 Password Links, or not Secret Data, or not
// Active"). One not Active is the state's failure — Wrong Key Lifecycle
// State in 2.x, Permission Denied in 1.x, as the OASIS TC-PKCS12-2 cases
// expect; the others are Bad Password (Invalid Field in 1.x, which has no
// Bad Password).
func (c *reqCtx) pkcs12Password(ids []string) (string, *opError) {
	if len(ids) != 1 {
		return "", fail(rrBadPassword, "PKCS#12 needs one PKCS#12 Password Link, not %d", len(ids))
	}
	o, err := c.find([]byte(ids[0]))
	if err != nil {
		return "", err
	}
	if o == nil {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: no object %q", ids[0])
	}
	c.rlock(o)
	typ, state, body := o.typ, o.state, o.body
	o.mu.RUnlock()
	if typ != objSecretData || body == nil {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: object %s is not a Secret Data object", o.id)
	}
	if state != stateActive {
		return "", fail(rrWrongKeyLifecycleState, "PKCS#12 Password Link: Secret Data %s is not Active", o.id)
	}
	var sd ttlv.Value
	if ttlv.Unmarshal(body, &sd) != nil {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: Secret Data %s unreadable", o.id)
	}
	if t := sd.Child(ttlv.TagSecretDataType); t == nil || uint32(t.Num) != secretPassword {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: Secret Data %s is not a Password", o.id)
	}
	kb := sd.Child(ttlv.TagKeyBlock)
	var km *ttlv.Value
	if kb != nil && kb.Child(ttlv.TagKeyWrappingData) == nil {
		if kv := kb.Child(ttlv.TagKeyValue); kv != nil {
			km = kv.Child(ttlv.TagKeyMaterial)
		}
	}
	if km == nil || km.Type != ttlv.TypeByteString {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: Secret Data %s holds no plain password", o.id)
	}
	if !utf8.Valid(km.Bytes) {
		return "", fail(rrBadPassword, "PKCS#12 Password Link: the password of %s is not UTF-8 text", o.id)
	}
	return string(km.Bytes), nil
}

// pkcs12Certificates makes the Certificate objects of an opened container,
// not yet stored: the key and each with the key's PKCS#12 Friendly Name,
// the key linked to the first (PKCS#12 Certificate Link), each to the
// next.
func (c *reqCtx) pkcs12Certificates(key *object, opened *pkcs12Opened) ([]*object, *opError) {
	if opened.friendlyName != "" {
		key.setAttr(attr{tag: ttlv.TagPKCS_12FriendlyName, enc: ttlv.AppendTextString(nil, ttlv.TagPKCS_12FriendlyName, opened.friendlyName)})
	}
	objs := make([]*object, 0, len(opened.certs))
	prev := key
	for _, der := range opened.certs {
		id, ierr := c.s.newID()
		if ierr != nil {
			return nil, fail(rrGeneralFailure, "%v", ierr)
		}
		o := &object{id: id}
		o.typ = objCertificate
		if opened.friendlyName != "" {
			o.setAttr(attr{tag: ttlv.TagPKCS_12FriendlyName, enc: ttlv.AppendTextString(nil, ttlv.TagPKCS_12FriendlyName, opened.friendlyName)})
		}
		tree, err := c.tree(ttlv.AppendValue(nil, ptr(ttlv.Structure(ttlv.TagCertificate,
			ttlv.Enumeration(ttlv.TagCertificateType, certX509), ttlv.ByteString(ttlv.TagCertificateValue, der)))))
		if err != nil {
			return nil, err
		}
		if err := c.loadObject(o, tree); err != nil {
			return nil, err
		}
		c.initDates(o, true)
		prev.setAttr(linkAttr(linkPKCS12Certificate, id))
		prev = o
		objs = append(objs, o)
	}
	return objs, nil
}

func ptr[T any](v T) *T { return &v }

// pkcs12Of builds the PKCS#12 container a Get in Key Format Type PKCS#12
// answers for a private key (1.4 §4.11, 2.1 §6.1.22): the key under the
// password of its PKCS#12 Password Link, with the certificate chain its
// PKCS#12 Certificate Link starts (or, without one, its public key's)
// and each certificate's PKCS#12 Certificate Link (or Certificate Link)
// continues. Call it without the lock of any object held: it locks each
// object it reads in turn.
func (c *reqCtx) pkcs12Of(o *object) ([]byte, *opError) {
	c.rlock(o)
	typ, priv, name := o.typ, o.priv, o.friendlyName()
	passwords, next, pubs := linkTargets(o, linkPKCS12Password), linkTargets(o, linkPKCS12Certificate), linkTargets(o, linkPublicKey)
	o.mu.RUnlock()
	if typ != objPrivateKey || priv == nil {
		return nil, fail(rrKeyFormatTypeUnsupported, "key format type PKCS#12 is available for usable private keys only")
	}
	password, err := c.pkcs12Password(passwords)
	if err != nil {
		return nil, err
	}
	if len(next) == 0 && len(pubs) == 1 {
		if pub, _ := c.find([]byte(pubs[0])); pub != nil {
			c.rlock(pub)
			if next = linkTargets(pub, linkPKCS12Certificate); len(next) == 0 {
				next = linkTargets(pub, linkCertificate)
			}
			pub.mu.RUnlock()
		}
	}
	chain, err := c.certificateChain(next)
	if err != nil {
		return nil, err
	}
	pfx, eerr := writePKCS12(c.s.rand, priv, chain, password, name) // pkcs12write.go
	switch {
	case errors.Is(eerr, errNotBMP):
		return nil, fail(rrInvalidField, "PKCS#12: %v", eerr)
	case eerr != nil:
		return nil, fail(rrKeyFormatTypeUnsupported, "PKCS#12: %v", eerr)
	}
	return pfx, nil
}

// certificateChain follows certificate links from the identifiers first:
// more than one link to follow from an object is more than one chain, an
// error (1.4 §4.11); a certificate seen before ends the chain.
func (c *reqCtx) certificateChain(next []string) ([]*x509.Certificate, *opError) {
	var chain []*x509.Certificate
	seen := make(map[string]bool)
	for len(next) > 0 {
		if len(next) > 1 {
			return nil, fail(rrInvalidField, "PKCS#12: more than one certificate chain (%d certificate links)", len(next))
		}
		id := next[0]
		if seen[id] {
			break
		}
		seen[id] = true
		if len(chain) == maxPKCS12Chain {
			return nil, fail(rrInvalidField, "PKCS#12: certificate chain longer than %d", maxPKCS12Chain)
		}
		o, err := c.find([]byte(id))
		if err != nil {
			return nil, err
		}
		if o == nil {
			return nil, fail(rrInvalidField, "PKCS#12: certificate link to no object %q", id)
		}
		c.rlock(o)
		typ, body := o.typ, o.body
		if next = linkTargets(o, linkPKCS12Certificate); len(next) == 0 {
			next = linkTargets(o, linkCertificate)
		}
		o.mu.RUnlock()
		var v ttlv.Value
		if typ != objCertificate || body == nil || ttlv.Unmarshal(body, &v) != nil {
			return nil, fail(rrInvalidField, "PKCS#12: object %s is not a usable certificate", id)
		}
		cv := v.Child(ttlv.TagCertificateValue)
		if cv == nil {
			return nil, fail(rrInvalidField, "PKCS#12: certificate %s has no value", id)
		}
		cert, perr := x509.ParseCertificate(cv.Bytes)
		if perr != nil {
			return nil, fail(rrInvalidField, "PKCS#12: certificate %s: %v", id, perr)
		}
		chain = append(chain, cert)
	}
	return chain, nil
}

// pkcs12Body is the Private Key Structure of a PKCS#12 container: its Key
// Value a Byte String in KMIP 1.x (the form the OASIS 1.4 cases send and
// expect), Key Material in 2.x; no Cryptographic Algorithm or Length (the
// container says what it holds).
func (c *reqCtx) pkcs12Body(pfx []byte) []byte {
	b, m := ttlv.BeginStructure(make([]byte, 0, 64+len(pfx)), ttlv.TagPrivateKey)
	b, kb := ttlv.BeginStructure(b, ttlv.TagKeyBlock)
	b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, kfPKCS12)
	if c.v1() {
		b = ttlv.AppendByteString(b, ttlv.TagKeyValue, pfx)
	} else {
		var kv int
		b, kv = ttlv.BeginStructure(b, ttlv.TagKeyValue)
		b = ttlv.AppendByteString(b, ttlv.TagKeyMaterial, pfx)
		ttlv.EndStructure(b, kv)
	}
	ttlv.EndStructure(b, kb)
	ttlv.EndStructure(b, m)
	return b
}

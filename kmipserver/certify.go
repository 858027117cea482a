package kmipserver

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Values of Certify and Re-certify (KMIP 2.1 §6.1.6, §6.1.45; 1.4 §4.7,
// §4.8).
const (
	opCertify   uint32 = 0x06 // Operation, 2.1 §11.36
	opReCertify uint32 = 0x07

	csrPKCS10 uint32 = 0x02 // Certificate Request Type, §11.8
	csrPEM    uint32 = 0x03

	linkCertificate uint32 = 0x101 // Link Type, 2.1 §11.28

	rrInvalidCSR uint32 = 0x2F // Result Reason, §11.46 (2.1; Invalid Field in 1.x)

	// certValidity is how long a certificate Certify issues is valid when
	// the request gives no Deactivation Date.
	certValidity = 365 * 24 * time.Hour
	// maxCSRSize bounds a Certificate Request.
	maxCSRSize = 64 << 10
)

// authority is the certificate authority that signs what Certify and
// Re-certify issue: Config.CA, or one the server makes on first use.
type authority struct {
	once   sync.Once
	given  *tls.Certificate
	cert   *x509.Certificate
	signer crypto.Signer
	err    error
}

// load returns the CA's certificate and key, making them the first time
// when Config.CA is nil: an ECDSA P-256 key and a self-signed CA
// certificate valid ten years from now, kept in memory only.
func (a *authority) load(rand io.Reader, now time.Time) (*x509.Certificate, crypto.Signer, error) {
	a.once.Do(func() {
		if a.given != nil {
			a.cert, a.signer, a.err = fromTLS(a.given)
			return
		}
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand)
		if err != nil {
			a.err = fmt.Errorf("CA key: %w", err)
			return
		}
		serial, err := randomSerial(rand)
		if err != nil {
			a.err = err
			return
		}
		tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: VendorIdentification + " CA"},
			NotBefore: now.Add(-time.Minute), NotAfter: now.Add(10 * 365 * 24 * time.Hour),
			KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign, BasicConstraintsValid: true, IsCA: true}
		der, err := x509.CreateCertificate(rand, tmpl, tmpl, &key.PublicKey, key)
		if err == nil {
			a.cert, err = x509.ParseCertificate(der)
		}
		a.signer, a.err = key, err
	})
	return a.cert, a.signer, a.err
}

// fromTLS reads Config.CA.
func fromTLS(c *tls.Certificate) (*x509.Certificate, crypto.Signer, error) {
	cert := c.Leaf
	if cert == nil {
		if len(c.Certificate) == 0 {
			return nil, nil, errors.New("Config.CA holds no certificate")
		}
		var err error
		if cert, err = x509.ParseCertificate(c.Certificate[0]); err != nil {
			return nil, nil, fmt.Errorf("Config.CA: %w", err)
		}
	}
	signer, ok := c.PrivateKey.(crypto.Signer)
	if !ok {
		return nil, nil, errors.New("Config.CA's private key is not a crypto.Signer")
	}
	return cert, signer, nil
}

// CertificateAuthority returns the certificate of the authority that signs
// the certificates Certify and Re-certify issue — Config.CA's, or the one
// the server made for itself — for clients that verify them (and for
// Validate, which trusts it).
func (s *Server) CertificateAuthority() (*x509.Certificate, error) {
	cert, _, err := s.ca.load(s.rand, s.now())
	return cert, err
}

func randomSerial(rand io.Reader) (*big.Int, error) {
	var b [16]byte
	if _, err := io.ReadFull(rand, b[:]); err != nil {
		return nil, fmt.Errorf("serial number: %w", err)
	}
	b[0] &= 0x7f // positive
	return new(big.Int).SetBytes(b[:]), nil
}

// certRequestOf reads the Certificate Request of Certify or Re-certify
// (2.x Certificate Request Value, 1.x Certificate Request): PKCS#10 in DER
// or PEM, its signature checked. nil without one.
func certRequestOf(p *ttlv.Value) (*x509.CertificateRequest, *opError) {
	v := p.Child(ttlv.TagCertificateRequestValue)
	if v == nil {
		v = p.Child(ttlv.TagCertificateRequest)
	}
	if v == nil {
		return nil, nil
	}
	if v.Type != ttlv.TypeByteString || len(v.Bytes) > maxCSRSize {
		return nil, fail(rrInvalidField, "Certificate Request is not a Byte String of at most %d bytes", maxCSRSize)
	}
	typ := p.Child(ttlv.TagCertificateRequestType)
	if typ == nil {
		return nil, fail(rrInvalidField, "Certificate Request without Certificate Request Type")
	}
	der := v.Bytes
	switch uint32(typ.Num) {
	case csrPKCS10:
	case csrPEM:
		blk, _ := pem.Decode(der)
		if blk == nil || blk.Type != "CERTIFICATE REQUEST" && blk.Type != "NEW CERTIFICATE REQUEST" {
			return nil, fail(rrInvalidCSR, "Certificate Request is not a PEM CERTIFICATE REQUEST")
		}
		der = blk.Bytes
	default:
		return nil, fail(rrFeatureNotSupported, "Certificate Request Type %d not supported (PKCS#10, PEM)", typ.Num)
	}
	csr, err := x509.ParseCertificateRequest(der)
	if err != nil {
		return nil, fail(rrInvalidCSR, "Certificate Request: %v", err)
	}
	if err := csr.CheckSignature(); err != nil {
		return nil, fail(rrInvalidCSR, "Certificate Request signature: %v", err)
	}
	return csr, nil
}

// storedCertRequest reads the request a Certificate Request object holds
// (2.1 §2.2), as certRequestOf reads one given in a request.
func storedCertRequest(o *object) (*x509.CertificateRequest, *opError) {
	o.mu.RLock()
	typ, st, body := o.typ, o.state, o.body
	o.mu.RUnlock()
	if typ != objCertificateRequest {
		return nil, fail(rrInvalidField, "object %s is not a Certificate Request", o.id)
	}
	if destroyed(st) || body == nil {
		return nil, fail(rrWrongKeyLifecycleState, "certificate request %s is destroyed", o.id)
	}
	var v ttlv.Value
	if err := ttlv.Unmarshal(body, &v); err != nil {
		return nil, fail(rrGeneralFailure, "stored certificate request: %v", err)
	}
	return certRequestOf(&v)
}

// subjectOf is the subject a client asks for in attributes: an X.509
// Certificate Subject's Subject Distinguished Name, or the 2.x Certificate
// Subject CN, O, … (2.1 §4.6); ok is false for none.
func subjectOf(in []attrIn) (pkix.Name, bool) {
	var n pkix.Name
	var atvs []pkix.AttributeTypeAndValue
	for i := range in {
		a := &in[i]
		if a.tag == ttlv.TagX_509CertificateSubject {
			if dn := a.val.Child(ttlv.TagSubjectDistinguishedName); dn != nil {
				var seq pkix.RDNSequence
				if rest, err := asn1.Unmarshal(dn.Bytes, &seq); err == nil && len(rest) == 0 {
					n.FillFromRDNSequence(&seq)
					return n, true
				}
			}
		}
		for _, oid := range []asn1.ObjectIdentifier{oidC, oidST, oidL, oidO, oidOU, oidCN, oidEmail, oidUID,
			oidSerialNumber, oidTitle, oidDC, oidDNQualifier} {
			if s, _, _ := nameAttrTags(oid); a.tag == s && a.val.Type == ttlv.TypeTextString {
				atvs = append(atvs, pkix.AttributeTypeAndValue{Type: oid, Value: a.val.Text()})
			}
		}
	}
	// As ExtraNames, in the request's order: the certificate's subject
	// holds exactly these, one to a relative distinguished name.
	return pkix.Name{ExtraNames: atvs}, len(atvs) > 0
}

// keyUsageOf derives X.509 key usages from a Cryptographic Usage Mask
// (KMIP 2.1 §12.1).
func keyUsageOf(mask uint32, has bool) x509.KeyUsage {
	if !has {
		return x509.KeyUsageDigitalSignature
	}
	var u x509.KeyUsage
	if mask&(usageSign|usageVerify) != 0 {
		u |= x509.KeyUsageDigitalSignature
	}
	if mask&(usageEncrypt|usageDecrypt) != 0 {
		u |= x509.KeyUsageDataEncipherment
	}
	if mask&usageWrapKey != 0 || mask&usageUnwrapKey != 0 {
		u |= x509.KeyUsageKeyEncipherment
	}
	if mask&usageKeyAgreement != 0 {
		u |= x509.KeyUsageKeyAgreement
	}
	if u == 0 {
		u = x509.KeyUsageDigitalSignature
	}
	return u
}

// More Cryptographic Usage Mask bits (KMIP 2.1 §12.1).
const (
	usageUnwrapKey    uint32 = 0x20
	usageKeyAgreement uint32 = 0x800
)

// issue signs a certificate for pub with the server's CA and makes the
// Certificate object holding it, with the attributes in and those derived
// from the certificate.
func (c *reqCtx) issue(pub crypto.PublicKey, subject pkix.Name, notAfter time.Time, usage x509.KeyUsage, in []attrIn) (*object, *opError) {
	caCert, signer, err := c.s.ca.load(c.s.rand, c.now)
	if err != nil {
		return nil, fail(rrGeneralFailure, "certificate authority: %v", err)
	}
	serial, err := randomSerial(c.s.rand)
	if err != nil {
		return nil, fail(rrGeneralFailure, "%v", err)
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: subject, NotBefore: c.now, NotAfter: notAfter,
		KeyUsage: usage, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(c.s.rand, tmpl, caCert, pub, signer)
	if err != nil {
		return nil, fail(rrCryptographicFailure, "issuing the certificate: %v", err)
	}
	id, err := c.s.newID()
	if err != nil {
		return nil, fail(rrGeneralFailure, "%v", err)
	}
	o := &object{id: id}
	o.typ = objCertificate
	var keep []attrIn
	for _, a := range in {
		if a.tag != ttlv.TagCertificateType && a.tag != ttlv.TagCertificateLength && !certDerived(a.tag) {
			keep = append(keep, a)
		}
	}
	if err := c.applyInitial(o, dropTag(keep, ttlv.TagObjectType)); err != nil {
		return nil, err
	}
	cv := ttlv.Structure(ttlv.TagCertificate, ttlv.Enumeration(ttlv.TagCertificateType, certX509), ttlv.ByteString(ttlv.TagCertificateValue, der))
	if err := c.loadObject(o, &cv); err != nil {
		return nil, err
	}
	if _, err := c.withDefaults(o, o.typ); err != nil { // defaults.go
		return nil, err
	}
	return o, nil
}

// certify answers Certify (KMIP 2.1 §6.1.6, 1.4 §4.7): a certificate,
// signed by the server's certificate authority (Config.CA), for the public
// key of a PKCS#10 Certificate Request (DER or PEM; its subject), or else
// for the Public Key the Unique Identifier (or the ID Placeholder) names —
// the subject then from the request's attributes (an X.509 Certificate
// Subject, the 2.x Certificate Subject CN, …), or CN = the key's Unique
// Identifier. It is valid from now to the Deactivation Date given, or for
// a year; its key usage follows the key's Cryptographic Usage Mask. The
// key and the certificate are linked (Certificate Link, Public Key Link);
// the certificate's identifier goes to the ID Placeholder.
func (c *reqCtx) certify(p *ttlv.Value, b []byte) ([]byte, *opError) {
	csr, err := certRequestOf(p)
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
	for i := range in {
		if in[i].tag == ttlv.TagCertificateType && uint32(in[i].val.Num) != certX509 {
			return b, fail(rrFeatureNotSupported, "Certificate Type %d not supported (X.509)", in[i].val.Num)
		}
	}
	var key *object
	var pub crypto.PublicKey
	var mask uint32
	var hasMask bool
	subject, named := subjectOf(in)
	if csr != nil {
		pub, subject, named = csr.PublicKey, csr.Subject, true
	}
	if csr == nil || p.Child(ttlv.TagUniqueIdentifier) != nil {
		if key, err = c.lookup(p); err != nil {
			return b, err
		}
		key.mu.RLock()
		typ, st, kpub := key.typ, key.state, key.pub
		mask, hasMask = key.usage, key.hasUsage
		key.mu.RUnlock()
		switch {
		case typ == objCertificateRequest && csr == nil:
			// "the Public Key or the Certificate Request being
			// certified" (2.1 §6.1.6): the stored request's key.
			if csr, err = storedCertRequest(key); err != nil {
				return b, err
			}
			pub, subject, named = csr.PublicKey, csr.Subject, true
			key, mask, hasMask = nil, 0, false
		case typ != objPublicKey || kpub == nil:
			return b, fail(rrInvalidField, "object %s is not a Public Key or Certificate Request the server can read", key.id)
		case destroyed(st):
			return b, c.wrongState("public key %s is destroyed", key.id)
		case csr == nil:
			pub = kpub
		}
	}
	if !named {
		subject = pkix.Name{CommonName: key.id}
	}
	notAfter := c.now.Add(certValidity)
	for i := range in {
		if in[i].tag == ttlv.TagDeactivationDate && in[i].val.Type == ttlv.TypeDateTime {
			notAfter = time.Unix(in[i].val.Num, 0)
		}
	}
	o, err := c.issue(pub, subject, notAfter, keyUsageOf(mask, hasMask), in)
	if err != nil {
		return b, err
	}
	if key != nil {
		o.setAttr(linkAttr(linkPublicKey, key.id))
	}
	c.initDates(o, false)
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	if key != nil {
		key.mu.Lock()
		c.record(key)
		key.setAttr(linkAttr(linkCertificate, o.id))
		c.touch(key)
		key.mu.Unlock()
	}
	c.add(o)
	c.recordCreated(o)
	c.placeholder = o.id
	return appendID(b, o), nil
}

// recertifySet lists the attributes Re-certify does not copy from the
// existing certificate (1.4 §4.8 Table 187, 2.1 §6.1.45): set anew, or
// derived from the new certificate.
func recertifySet(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagCertificateType, ttlv.TagCertificateLength, ttlv.TagKeyFormatType:
		return true
	}
	return certDerived(t) || rekeyPairSet(t) && t != ttlv.TagLink
}

// reCertify answers Re-certify (KMIP 2.1 §6.1.45, 1.4 §4.8): a new
// certificate for the existing one's key pair — the public key of the
// Certificate Request given, or the existing certificate's — with the
// request's subject or the existing one's, as long-lived as the existing
// one, signed by the server's certificate authority. The new certificate
// takes the existing one's attributes but for those set anew
// (recertifySet), takes over its Names, and the certificates are linked
// (Replacement, Replaced Object); the public key's Certificate Link moves
// to the new one. Without an Offset its Activation and Deactivation Dates
// are the existing certificate's; with one, Activation Date now + Offset
// and the Deactivation Date moved as much (Table 186). The new identifier
// goes to the ID Placeholder.
func (c *reqCtx) reCertify(p *ttlv.Value, b []byte) ([]byte, *opError) {
	old, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	csr, err := certRequestOf(p)
	if err != nil {
		return b, err
	}
	if u := p.Child(ttlv.TagCertificateRequestUniqueIdentifier); u != nil && csr == nil {
		// The request as a stored Certificate Request object (2.1 §6.1.45).
		if u.Type != ttlv.TypeTextString {
			return b, fail(rrInvalidField, "Certificate Request Unique Identifier is not a Text String")
		}
		ro, err := c.objectByID(u.Bytes)
		if err != nil {
			return b, err
		}
		if csr, err = storedCertRequest(ro); err != nil {
			return b, err
		}
	}
	in, err := collectAttrs(nil, templateOf(p, ttlv.TagTemplateAttribute, ttlv.TagAttributes))
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	old.mu.Lock()
	c.refresh(old)
	was := &object{id: old.id, objState: old.snapshot()}
	old.mu.Unlock()
	if was.typ != objCertificate || was.body == nil {
		return b, fail(rrInvalidField, "object %s is not a certificate with its value", was.id)
	}
	if destroyed(was.state) {
		return b, c.wrongState("certificate %s is destroyed", was.id)
	}
	var cv ttlv.Value
	if err := ttlv.Unmarshal(was.body, &cv); err != nil {
		return b, fail(rrGeneralFailure, "stored certificate: %v", err)
	}
	var prev *x509.Certificate
	if v := cv.Child(ttlv.TagCertificateValue); v != nil {
		prev, _ = x509.ParseCertificate(v.Bytes)
	}
	if prev == nil {
		return b, fail(rrInvalidField, "certificate %s is not an X.509 certificate the server can read", was.id)
	}
	pub, subject := prev.PublicKey, prev.Subject
	if csr != nil {
		pub, subject = csr.PublicKey, csr.Subject
	}
	// The existing certificate's attributes, then the request's; its Names
	// move to the new one as they are (not checked as new names).
	var carried []attrIn
	var names []attr
	for _, a := range was.attrs {
		if recertifySet(a.tag) || a.tag == ttlv.TagLink {
			continue
		}
		if a.tag == ttlv.TagName {
			names = append(names, a)
			continue
		}
		var v ttlv.Value
		if ttlv.Unmarshal(a.enc, &v) == nil {
			carried = append(carried, attrIn{tag: a.tag, vendor: a.vendor, name: a.name, index: -1, val: v})
		}
	}
	if was.hasUsage {
		carried = append(carried, attrIn{tag: ttlv.TagCryptographicUsageMask, index: -1, val: ttlv.Integer(ttlv.TagCryptographicUsageMask, int32(was.usage))})
	}
	o, err := c.issue(pub, subject, c.now.Add(prev.NotAfter.Sub(prev.NotBefore)), prev.KeyUsage, append(carried, in...))
	if err != nil {
		return b, err
	}
	o.attrs = append(o.attrs, names...)
	pubID, hasKey := linked(was, linkPublicKey)
	if hasKey {
		o.setAttr(linkAttr(linkPublicKey, pubID))
	}
	c.initDates(o, false)
	c.reKeyDates(was, o, p.Child(ttlv.TagOffset))
	c.refresh(o)
	o.setAttr(linkAttr(linkReplaced, was.id))
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	old.mu.Lock()
	c.supersede(old, o.id)
	old.mu.Unlock()
	// (a linked key the client may not use is left as it is)
	if key, _ := c.find([]byte(pubID)); hasKey && key != nil {
		key.mu.Lock()
		c.record(key)
		kept := key.attrs[:0:0]
		for _, a := range key.attrs {
			if id, ok := linked(&object{objState: objState{attrs: []attr{a}}}, linkCertificate); !ok || id != was.id {
				kept = append(kept, a)
			}
		}
		key.attrs = append(kept, linkAttr(linkCertificate, o.id))
		c.touch(key)
		key.mu.Unlock()
	}
	c.add(o)
	c.recordCreated(o)
	c.placeholder = o.id
	return appendID(b, o), nil
}

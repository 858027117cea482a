package kmipserver

import (
	"crypto/x509"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Values of Validate (KMIP 2.1 §6.1.57, 1.4 §4.24).
const (
	opValidate      uint32 = 0x17 // Operation, 2.1 §11.36
	validityUnknown uint32 = 0x03 // Validity Indicator, 2.1 §11.61

	// maxChain bounds the certificates of one Validate.
	maxChain = 16
)

// validate answers Validate (KMIP 2.1 §6.1.57, 1.4 §4.24), whose policy
// and trust anchors the specification leaves to the server. This server's:
// the chain is the Certificates of the request, then the certificates its
// Unique Identifiers name, leaf first, each signed by the next; every one
// must be within its validity period at the Validity Date (now by
// default). The chain is Valid when it ends at a trust anchor — the
// server's certificate authority (Config.CA, which signs what Certify
// issues), or a self-signed certificate among the managed objects named
// (one a client registered, not one sent by value) — Invalid when a
// signature does not verify or a certificate is out of its period, and
// Unknown when it ends elsewhere or holds a certificate crypto/x509 cannot
// read.
func (c *reqCtx) validate(p *ttlv.Value, b []byte) ([]byte, *opError) {
	var chain []*x509.Certificate
	var managed []bool
	unreadable := false
	at := c.now
	add := func(v *ttlv.Value, isManaged bool) *opError {
		if len(chain) >= maxChain {
			return fail(rrInvalidField, "a chain of more than %d certificates", maxChain)
		}
		cv := v.Child(ttlv.TagCertificateValue)
		if cv == nil || cv.Type != ttlv.TypeByteString {
			return fail(rrInvalidField, "Certificate without Certificate Value")
		}
		cert, err := x509.ParseCertificate(cv.Bytes)
		if err != nil {
			unreadable = true
			return nil
		}
		chain, managed = append(chain, cert), append(managed, isManaged)
		return nil
	}
	for i := range p.Children {
		ch := &p.Children[i]
		switch ch.Tag {
		case ttlv.TagCertificate:
			if err := add(ch, false); err != nil {
				return b, err
			}
		case ttlv.TagValidityDate:
			if ch.Type != ttlv.TypeDateTime {
				return b, fail(rrInvalidField, "Validity Date is not a Date-Time")
			}
			at = time.Unix(ch.Num, 0)
		}
	}
	for i := range p.Children {
		ch := &p.Children[i]
		if ch.Tag != ttlv.TagUniqueIdentifier {
			continue
		}
		if ch.Type != ttlv.TypeTextString && !(ch.Type == ttlv.TypeIdentifier && c.major >= 3) {
			return b, fail(rrInvalidField, "Unique Identifier of type %s", ch.Type)
		}
		o, denied := c.find(ch.Bytes)
		if denied != nil {
			return b, denied
		}
		if o == nil {
			return b, c.notFound(ch.Bytes)
		}
		c.rlock(o)
		typ, body, st := o.typ, o.body, o.state
		o.mu.RUnlock()
		if typ != objCertificate {
			return b, fail(rrInvalidField, "object %s is not a Certificate", o.id)
		}
		if destroyed(st) || body == nil {
			return b, c.wrongState("certificate %s is destroyed", o.id)
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(body, &v); err != nil {
			return b, fail(rrGeneralFailure, "stored certificate: %v", err)
		}
		if err := add(&v, true); err != nil {
			return b, err
		}
	}
	if len(chain) == 0 && !unreadable {
		return b, fail(rrInvalidField, "Validate without a certificate")
	}
	return ttlv.AppendEnumeration(b, ttlv.TagValidityIndicator, c.chainValidity(chain, managed, unreadable, at)), nil
}

// chainValidity applies validate's policy.
func (c *reqCtx) chainValidity(chain []*x509.Certificate, managed []bool, unreadable bool, at time.Time) uint32 {
	for i, cert := range chain {
		if at.Before(cert.NotBefore) || at.After(cert.NotAfter) {
			return validityInvalid
		}
		if i+1 < len(chain) && cert.CheckSignatureFrom(chain[i+1]) != nil {
			return validityInvalid
		}
	}
	if unreadable {
		return validityUnknown
	}
	last := chain[len(chain)-1]
	// A registered self-signed certificate is pinned: its own signature
	// suffices, CA or not.
	if managed[len(chain)-1] && last.CheckSignature(last.SignatureAlgorithm, last.RawTBSCertificate, last.Signature) == nil {
		return validityValid
	}
	if ca, err := c.s.CertificateAuthority(); err == nil && (last.Equal(ca) || last.CheckSignatureFrom(ca) == nil) {
		if !at.Before(ca.NotBefore) && !at.After(ca.NotAfter) {
			return validityValid
		}
		return validityInvalid
	}
	return validityUnknown
}

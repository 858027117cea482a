package kmipserver

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/kmipwire/kmipwire/ttlv"
)

// certX509 is the X.509 Certificate Type (KMIP 2.1 §11.9, 1.4
// §9.1.3.2.6).
const certX509 uint32 = 0x01

// Object identifiers of the name attributes KMIP's Certificate Attributes
// carry (RFC 4519, RFC 5280 §4.1.2.4; PKCS #9 for the email address).
var (
	oidCN           = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidSerialNumber = asn1.ObjectIdentifier{2, 5, 4, 5}
	oidC            = asn1.ObjectIdentifier{2, 5, 4, 6}
	oidL            = asn1.ObjectIdentifier{2, 5, 4, 7}
	oidST           = asn1.ObjectIdentifier{2, 5, 4, 8}
	oidO            = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidOU           = asn1.ObjectIdentifier{2, 5, 4, 11}
	oidTitle        = asn1.ObjectIdentifier{2, 5, 4, 12}
	oidDNQualifier  = asn1.ObjectIdentifier{2, 5, 4, 46}
	oidEmail        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
	oidUID          = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 1}
	oidDC           = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
)

// nameAttrTags gives, for a name attribute, the KMIP 2.x Certificate
// Subject and Certificate Issuer attributes holding it (2.1 §4.6).
func nameAttrTags(oid asn1.ObjectIdentifier) (subject, issuer ttlv.Tag, ok bool) {
	switch {
	case oid.Equal(oidCN):
		return ttlv.TagCertificateSubjectCN, ttlv.TagCertificateIssuerCN, true
	case oid.Equal(oidO):
		return ttlv.TagCertificateSubjectO, ttlv.TagCertificateIssuerO, true
	case oid.Equal(oidOU):
		return ttlv.TagCertificateSubjectOU, ttlv.TagCertificateIssuerOU, true
	case oid.Equal(oidEmail):
		return ttlv.TagCertificateSubjectEmail, ttlv.TagCertificateIssuerEmail, true
	case oid.Equal(oidC):
		return ttlv.TagCertificateSubjectC, ttlv.TagCertificateIssuerC, true
	case oid.Equal(oidST):
		return ttlv.TagCertificateSubjectST, ttlv.TagCertificateIssuerST, true
	case oid.Equal(oidL):
		return ttlv.TagCertificateSubjectL, ttlv.TagCertificateIssuerL, true
	case oid.Equal(oidUID):
		return ttlv.TagCertificateSubjectUID, ttlv.TagCertificateIssuerUID, true
	case oid.Equal(oidSerialNumber):
		return ttlv.TagCertificateSubjectSerialNumber, ttlv.TagCertificateIssuerSerialNumber, true
	case oid.Equal(oidTitle):
		return ttlv.TagCertificateSubjectTitle, ttlv.TagCertificateIssuerTitle, true
	case oid.Equal(oidDC):
		return ttlv.TagCertificateSubjectDC, ttlv.TagCertificateIssuerDC, true
	case oid.Equal(oidDNQualifier):
		return ttlv.TagCertificateSubjectDNQualifier, ttlv.TagCertificateIssuerDNQualifier, true
	}
	return 0, 0, false
}

// certDerived reports the attributes the server derives from a
// certificate, which a client may not set (KMIP 2.1 §4.6, §4.22,
// §4.64–§4.66: "Modifiable by client: No"; 1.4 §3.9–§3.16).
func certDerived(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagX_509CertificateIdentifier, ttlv.TagX_509CertificateSubject, ttlv.TagX_509CertificateIssuer,
		ttlv.TagCertificateIdentifier, ttlv.TagCertificateSubject, ttlv.TagCertificateIssuer,
		ttlv.TagDigitalSignatureAlgorithm:
		return true
	}
	_, _, name := nameAttrOf(t)
	return name
}

// nameAttrOf reports whether t is one of the 2.x Certificate Subject or
// Issuer name attributes (2.1 §4.6), and which.
func nameAttrOf(t ttlv.Tag) (subject, issuer, ok bool) {
	for _, oid := range []asn1.ObjectIdentifier{oidCN, oidO, oidOU, oidEmail, oidC, oidST, oidL, oidUID,
		oidSerialNumber, oidTitle, oidDC, oidDNQualifier} {
		s, i, _ := nameAttrTags(oid)
		if t == s || t == i {
			return t == s, t == i, true
		}
	}
	return false, false, false
}

// signatureAlgorithm maps an X.509 signature algorithm to the Digital
// Signature Algorithm enumeration (KMIP 2.1 §11.17); ok is false for one
// KMIP does not name.
func signatureAlgorithm(a x509.SignatureAlgorithm) (uint32, bool) {
	switch a {
	case x509.MD2WithRSA:
		return 0x01, true
	case x509.MD5WithRSA:
		return 0x02, true
	case x509.SHA1WithRSA:
		return 0x03, true
	case x509.SHA256WithRSA:
		return dsaSHA256WithRSA, true
	case x509.SHA384WithRSA:
		return dsaSHA384WithRSA, true
	case x509.SHA512WithRSA:
		return dsaSHA512WithRSA, true
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return dsaRSASSAPSS, true
	case x509.DSAWithSHA1:
		return 0x09, true
	case x509.DSAWithSHA256:
		return 0x0B, true
	case x509.ECDSAWithSHA1:
		return 0x0C, true
	case x509.ECDSAWithSHA256:
		return dsaECDSAWithSHA256, true
	case x509.ECDSAWithSHA384:
		return dsaECDSAWithSHA384, true
	case x509.ECDSAWithSHA512:
		return dsaECDSAWithSHA512, true
	}
	return 0, false
}

// setCertificateAttributes sets the attributes a server derives from a
// certificate (KMIP 2.1 §4.6–§4.8, §4.21, §4.22, §4.64–§4.66; 1.4
// §3.8–§3.16): Certificate Type and Length, a SHA-256 Digest of the
// Certificate Value, and for an X.509 certificate (readCertificate) the
// Cryptographic Algorithm and Length of its public key, the Digital
// Signature Algorithm, the X.509 Certificate Identifier, Subject and
// Issuer (distinguished names as encoded in the certificate), the KMIP 1.0
// Certificate Identifier, Subject and Issuer (as RFC 2253 text; 1.x only)
// and the 2.x Certificate Subject and Issuer name attributes (CN, O, …).
// Which of them a conversation sees follows its version (hasAttr).
func (o *object) setCertificateAttributes(obj *ttlv.Value) {
	ct, cv := obj.Child(ttlv.TagCertificateType), obj.Child(ttlv.TagCertificateValue)
	if ct == nil || cv == nil || cv.Type != ttlv.TypeByteString {
		return
	}
	der := cv.Bytes
	o.setAttr(attr{tag: ttlv.TagCertificateType, enc: ttlv.AppendEnumeration(nil, ttlv.TagCertificateType, uint32(ct.Num))})
	o.setAttr(attr{tag: ttlv.TagCertificateLength, enc: ttlv.AppendInteger(nil, ttlv.TagCertificateLength, int32(len(der)))})
	o.setDigest(der, kfRaw)
	// The certificate's own format: Raw (as the OASIS TC-CERTATTR and
	// TC-IMPEXP answers show).
	o.setAttr(attr{tag: ttlv.TagKeyFormatType, enc: ttlv.AppendEnumeration(nil, ttlv.TagKeyFormatType, kfRaw)})
	if uint32(ct.Num) != certX509 {
		return
	}
	cf, ok := readCertificate(der)
	if !ok {
		return // kept as given, without the attributes of its contents
	}
	if cf.keyAlg != 0 {
		if o.alg == 0 {
			o.alg = cf.keyAlg
		}
		if o.length == 0 {
			o.length = cf.keyLen
		}
	}
	if cf.dsa != 0 {
		o.setAttr(attr{tag: ttlv.TagDigitalSignatureAlgorithm, enc: ttlv.AppendEnumeration(nil, ttlv.TagDigitalSignatureAlgorithm, cf.dsa)})
	}
	serial, _ := asn1.Marshal(cf.serial) // the DER INTEGER
	b, m := ttlv.BeginStructure(nil, ttlv.TagX_509CertificateIdentifier)
	b = ttlv.AppendByteString(b, ttlv.TagIssuerDistinguishedName, cf.rawIssuer)
	b = ttlv.AppendByteString(b, ttlv.TagCertificateSerialNumber, serial)
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagX_509CertificateIdentifier, enc: b})
	b, m = ttlv.BeginStructure(nil, ttlv.TagX_509CertificateSubject)
	b = ttlv.AppendByteString(b, ttlv.TagSubjectDistinguishedName, cf.rawSubject)
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagX_509CertificateSubject, enc: b})
	b, m = ttlv.BeginStructure(nil, ttlv.TagX_509CertificateIssuer)
	b = ttlv.AppendByteString(b, ttlv.TagIssuerDistinguishedName, cf.rawIssuer)
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagX_509CertificateIssuer, enc: b})
	// KMIP 1.0 §3.9–§3.11 (deprecated in 1.1, removed in 2.0).
	b, m = ttlv.BeginStructure(nil, ttlv.TagCertificateIdentifier)
	b = ttlv.AppendTextString(b, ttlv.TagIssuer, cf.issuer.String())
	b = ttlv.AppendTextString(b, ttlv.TagSerialNumber, hex.EncodeToString(cf.serial.Bytes()))
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagCertificateIdentifier, enc: b})
	b, m = ttlv.BeginStructure(nil, ttlv.TagCertificateSubject)
	b = ttlv.AppendTextString(b, ttlv.TagCertificateSubjectDistinguishedName, cf.subject.String())
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagCertificateSubject, enc: b})
	b, m = ttlv.BeginStructure(nil, ttlv.TagCertificateIssuer)
	b = ttlv.AppendTextString(b, ttlv.TagCertificateIssuerDistinguishedName, cf.issuer.String())
	ttlv.EndStructure(b, m)
	o.setAttr(attr{tag: ttlv.TagCertificateIssuer, enc: b})
	o.setNameAttrs(cf.subject, true)
	o.setNameAttrs(cf.issuer, false)
}

// setNameAttrs sets the KMIP 2.x Certificate Subject or Issuer attributes
// of a distinguished name's attributes (2.1 §4.6), one instance for each.
func (o *object) setNameAttrs(n pkix.Name, subject bool) {
	for _, atv := range n.Names {
		s, i, ok := nameAttrTags(atv.Type)
		if !ok {
			continue
		}
		text, ok := atv.Value.(string)
		if !ok {
			continue
		}
		t := i
		if subject {
			t = s
		}
		o.attrs = append(o.attrs, attr{tag: t, enc: ttlv.AppendTextString(nil, t, text)})
	}
}

// certFields are what the attributes take of an X.509 certificate.
type certFields struct {
	rawIssuer, rawSubject []byte
	issuer, subject       pkix.Name
	serial                *big.Int
	dsa                   uint32 // Digital Signature Algorithm, 0 if KMIP has none
	keyAlg                uint32 // Cryptographic Algorithm of the public key, 0 if unknown
	keyLen                int32
}

// readCertificate reads an X.509 certificate with crypto/x509, or — for
// one crypto/x509 refuses only for its public key (an elliptic curve Go
// does not implement, such as the secp256k1 of the OASIS TC-ECC cases) —
// reads the fields of its TBSCertificate that the attributes need (RFC
// 5280 §4.1) with cryptobyte.
func readCertificate(der []byte) (*certFields, bool) {
	if cert, err := x509.ParseCertificate(der); err == nil {
		cf := &certFields{rawIssuer: cert.RawIssuer, rawSubject: cert.RawSubject, issuer: cert.Issuer,
			subject: cert.Subject, serial: cert.SerialNumber}
		cf.dsa, _ = signatureAlgorithm(cert.SignatureAlgorithm)
		cf.keyAlg, cf.keyLen = keyInfo(cert.PublicKey)
		return cf, true
	}
	in := cryptobyte.String(der)
	var c, tbs, sigAlg, issuer, validity, subject, spki, keyAlg cryptobyte.String
	var sigOID, keyOID asn1.ObjectIdentifier
	cf := &certFields{serial: new(big.Int)}
	if !in.ReadASN1(&c, cbasn1.SEQUENCE) || !in.Empty() || !c.ReadASN1(&tbs, cbasn1.SEQUENCE) ||
		!tbs.SkipOptionalASN1(cbasn1.Tag(0).Constructed().ContextSpecific()) ||
		!tbs.ReadASN1Integer(cf.serial) ||
		!tbs.ReadASN1(&sigAlg, cbasn1.SEQUENCE) || !sigAlg.ReadASN1ObjectIdentifier(&sigOID) ||
		!tbs.ReadASN1Element(&issuer, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1(&validity, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1Element(&subject, cbasn1.SEQUENCE) ||
		!tbs.ReadASN1(&spki, cbasn1.SEQUENCE) || !spki.ReadASN1(&keyAlg, cbasn1.SEQUENCE) || !keyAlg.ReadASN1ObjectIdentifier(&keyOID) {
		return nil, false
	}
	cf.rawIssuer, cf.rawSubject = issuer, subject
	for _, n := range []struct {
		raw  []byte
		name *pkix.Name
	}{{issuer, &cf.issuer}, {subject, &cf.subject}} {
		var rdns pkix.RDNSequence
		if rest, err := asn1.Unmarshal(n.raw, &rdns); err != nil || len(rest) > 0 {
			return nil, false
		}
		n.name.FillFromRDNSequence(&rdns)
	}
	cf.dsa = signatureOIDs[sigOID.String()]
	if keyOID.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		if keyAlg.ReadASN1ObjectIdentifier(&curve) {
			if bits, ok := curveBits[curve.String()]; ok {
				cf.keyAlg, cf.keyLen = algECDSA, bits
			}
		}
	}
	return cf, true
}

// signatureOIDs maps signature algorithm identifiers (RFC 3279, RFC 4055,
// RFC 5758) to Digital Signature Algorithm values, for the certificates
// crypto/x509 does not read.
var signatureOIDs = map[string]uint32{
	"1.2.840.113549.1.1.2": 0x01, "1.2.840.113549.1.1.4": 0x02, "1.2.840.113549.1.1.5": 0x03,
	"1.2.840.113549.1.1.14": 0x04, "1.2.840.113549.1.1.11": dsaSHA256WithRSA,
	"1.2.840.113549.1.1.12": dsaSHA384WithRSA, "1.2.840.113549.1.1.13": dsaSHA512WithRSA,
	"1.2.840.113549.1.1.10": dsaRSASSAPSS, "1.2.840.10040.4.3": 0x09, "2.16.840.1.101.3.4.3.1": 0x0A,
	"2.16.840.1.101.3.4.3.2": 0x0B, "1.2.840.10045.4.1": 0x0C, "1.2.840.10045.4.3.1": 0x0D,
	"1.2.840.10045.4.3.2": dsaECDSAWithSHA256, "1.2.840.10045.4.3.3": dsaECDSAWithSHA384,
	"1.2.840.10045.4.3.4": dsaECDSAWithSHA512,
}

// curveBits gives the size of the named curves (SEC 2, RFC 5639) an EC
// certificate's key may be on.
var curveBits = map[string]int32{
	"1.3.132.0.10": 256, "1.3.132.0.33": 224, "1.2.840.10045.3.1.7": 256, "1.3.132.0.34": 384,
	"1.3.132.0.35": 521, "1.3.36.3.3.2.8.1.1.7": 256, "1.3.36.3.3.2.8.1.1.11": 384, "1.3.36.3.3.2.8.1.1.13": 512,
}

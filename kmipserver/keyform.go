package kmipserver

import (
	"encoding/asn1"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Key material the server keeps but cannot use. A well-formed key whose
// algorithm the server does not implement — an elliptic curve other than
// NIST P-224, P-256, P-384, P-521 and secp256k1 (secp256k1.go),
// or a PKCS#8 EncryptedPrivateKeyInfo (RFC 5958 §3), whose password the
// server does not have — is registered and served as given, like a
// wrapped key (KMIP 1.4 §2.1.3 lets a server hold key material opaque to
// it); cryptographic operations with it fail. Malformed material is still
// refused.

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1} // RFC 5480 §2.1.1
	goCurves       = []asn1.ObjectIdentifier{
		{1, 3, 132, 0, 33},          // P-224
		{1, 2, 840, 10045, 3, 1, 7}, // P-256
		{1, 3, 132, 0, 34},          // P-384
		{1, 3, 132, 0, 35},          // P-521
	}
)

// opaqueKey reports whether raw, in Key Format Type kf, is well-formed key
// material the server keeps without using.
func opaqueKey(kf uint32, raw []byte) bool {
	in := cryptobyte.String(raw)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, cbasn1.SEQUENCE) || !in.Empty() {
		return false
	}
	switch kf {
	case kfECPrivateKey: // RFC 5915 §3: version 1, key, [0] curve, [1] public key
		var version int
		var key, params cryptobyte.String
		var curve asn1.ObjectIdentifier
		return seq.ReadASN1Integer(&version) && version == 1 &&
			seq.ReadASN1(&key, cbasn1.OCTET_STRING) &&
			seq.ReadASN1(&params, cbasn1.Tag(0).Constructed().ContextSpecific()) &&
			params.ReadASN1ObjectIdentifier(&curve) && unknownCurve(curve)
	case kfPKCS8:
		var first cryptobyte.String
		var tag cbasn1.Tag
		if !seq.ReadAnyASN1(&first, &tag) {
			return false
		}
		if tag == cbasn1.SEQUENCE { // EncryptedPrivateKeyInfo: algorithm, encrypted data
			var alg asn1.ObjectIdentifier
			var data cryptobyte.String
			return first.ReadASN1ObjectIdentifier(&alg) && seq.ReadASN1(&data, cbasn1.OCTET_STRING) && seq.Empty()
		}
		var algID cryptobyte.String
		return tag == cbasn1.INTEGER && seq.ReadASN1(&algID, cbasn1.SEQUENCE) && ecAlgorithm(algID)
	case kfX509: // SubjectPublicKeyInfo
		var algID cryptobyte.String
		return seq.ReadASN1(&algID, cbasn1.SEQUENCE) && ecAlgorithm(algID)
	}
	return false
}

// ecAlgorithm reports an AlgorithmIdentifier of an EC key on a curve the
// server does not implement.
func ecAlgorithm(algID cryptobyte.String) bool {
	var alg, curve asn1.ObjectIdentifier
	return algID.ReadASN1ObjectIdentifier(&alg) && alg.Equal(oidECPublicKey) &&
		algID.ReadASN1ObjectIdentifier(&curve) && unknownCurve(curve)
}

func unknownCurve(curve asn1.ObjectIdentifier) bool {
	for _, c := range goCurves {
		if curve.Equal(c) {
			return false
		}
	}
	return true
}

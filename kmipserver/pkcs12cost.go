package kmipserver

import (
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// What opening a PKCS#12 container costs is the client's to choose: each
// password-based key derivation runs as many rounds as the container says
// (RFC 7292 Appendix B, RFC 8018 §5.2). previewPKCS12 reads, before any
// is run, the iteration counts the container shows — its MAC's, each
// encrypted content's, each shrouded key's in the contents that are not
// encrypted — and refuses one over maxPKCS12Iterations, the bound of
// Derive Key's PBKDF2 too (derive.go). Real containers use 2 048 (OpenSSL)
// to 10 000 (Java) rounds and keep their keys in unencrypted contents
// (OpenSSL, Java, Windows); a shrouded key inside encrypted contents is
// read by the container library without this check, which is why
// containers open one at a time (decodeChain, pkcs12.go). The same walk
// gives the friendly names of the keys in unencrypted contents, which
// KMIP's PKCS#12 Friendly Name selects and records (1.4 §3.45).

const maxPKCS12Iterations = 1_000_000

var (
	oidPKCS7Data          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1} // RFC 2315 §14
	oidPKCS7EncryptedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 6}
	oidKeyBag             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 1} // RFC 7292 §4.2
	oidShroudedKeyBag     = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 2}
	oidSafeContentsBag    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 6}
	oidPKCS12PBE          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1} // RFC 7292 Appendix C: pbeWithSHAAnd…
	oidPBES2              = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 13} // RFC 8018 Appendix A.4
	oidPBMAC1             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 14} // RFC 8018 Appendix A.5, RFC 9579
	oidPBKDF2             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 5, 12}

	errPKCS12Malformed = errors.New("malformed PKCS#12 container")
)

// previewPKCS12 checks the iteration counts of a PFX (RFC 7292 §4) and
// returns the friendly names of the keys its unencrypted contents hold
// ("" for one without).
func previewPKCS12(pfx []byte) ([]string, error) {
	in := cryptobyte.String(pfx)
	var p, authSafe, macData cryptobyte.String
	var version int
	var hasMAC bool
	if !in.ReadASN1(&p, cbasn1.SEQUENCE) || !p.ReadASN1Integer(&version) ||
		!p.ReadASN1(&authSafe, cbasn1.SEQUENCE) ||
		!p.ReadOptionalASN1(&macData, &hasMAC, cbasn1.SEQUENCE) {
		return nil, errPKCS12Malformed
	}
	if hasMAC { // MacData: DigestInfo, salt, iterations DEFAULT 1
		var digestInfo, alg cryptobyte.String
		if !macData.ReadASN1(&digestInfo, cbasn1.SEQUENCE) || !digestInfo.ReadASN1(&alg, cbasn1.SEQUENCE) ||
			!macData.SkipASN1(cbasn1.OCTET_STRING) {
			return nil, errPKCS12Malformed
		}
		n := int64(1)
		if macData.PeekASN1Tag(cbasn1.INTEGER) && !macData.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) {
			return nil, errPKCS12Malformed
		}
		if err := checkIterations("the MAC", n); err != nil {
			return nil, err
		}
		if err := algorithmCost("the MAC", alg); err != nil {
			return nil, err
		}
	}
	contents, err := dataContent(authSafe)
	if err != nil {
		return nil, err
	}
	var names []string
	var list cryptobyte.String
	if !contents.ReadASN1(&list, cbasn1.SEQUENCE) {
		return nil, errPKCS12Malformed
	}
	for !list.Empty() { // AuthenticatedSafe: ContentInfos
		var ci cryptobyte.String
		var oid asn1.ObjectIdentifier
		if !list.ReadASN1(&ci, cbasn1.SEQUENCE) || !ci.ReadASN1ObjectIdentifier(&oid) {
			return nil, errPKCS12Malformed
		}
		switch {
		case oid.Equal(oidPKCS7Data):
			var explicit, safe cryptobyte.String
			if !ci.ReadASN1(&explicit, contentSpecific0) ||
				!explicit.ReadASN1(&safe, cbasn1.OCTET_STRING) {
				return nil, errPKCS12Malformed
			}
			if err := safeContentsCost(safe, 0, &names); err != nil {
				return nil, err
			}
		case oid.Equal(oidPKCS7EncryptedData): // version, EncryptedContentInfo
			var explicit, ed, eci, alg cryptobyte.String
			if !ci.ReadASN1(&explicit, contentSpecific0) ||
				!explicit.ReadASN1(&ed, cbasn1.SEQUENCE) || !ed.SkipASN1(cbasn1.INTEGER) ||
				!ed.ReadASN1(&eci, cbasn1.SEQUENCE) || !eci.SkipASN1(cbasn1.OBJECT_IDENTIFIER) ||
				!eci.ReadASN1(&alg, cbasn1.SEQUENCE) {
				return nil, errPKCS12Malformed
			}
			if err := algorithmCost("encrypted contents", alg); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
}

// dataContent returns the octets of a ContentInfo of type data.
func dataContent(ci cryptobyte.String) (cryptobyte.String, error) {
	var oid asn1.ObjectIdentifier
	var explicit, octets cryptobyte.String
	if !ci.ReadASN1ObjectIdentifier(&oid) {
		return nil, errPKCS12Malformed
	}
	if !oid.Equal(oidPKCS7Data) {
		return nil, fmt.Errorf("PKCS#12 integrity mode %v not supported (password integrity only)", oid)
	}
	if !ci.ReadASN1(&explicit, contentSpecific0) ||
		!explicit.ReadASN1(&octets, cbasn1.OCTET_STRING) {
		return nil, errPKCS12Malformed
	}
	return octets, nil
}

// safeContentsCost checks the shrouded keys of an unencrypted
// SafeContents and of the SafeContents nested in it (RFC 7292 §4.2.6), and
// appends the friendly names of its keys to names.
func safeContentsCost(safe cryptobyte.String, depth int, names *[]string) error {
	if depth > 4 {
		return errors.New("PKCS#12 SafeContents nested too deep")
	}
	var bags cryptobyte.String
	if !safe.ReadASN1(&bags, cbasn1.SEQUENCE) {
		return errPKCS12Malformed
	}
	for !bags.Empty() {
		var bag, value, attrs cryptobyte.String
		var id asn1.ObjectIdentifier
		var hasAttrs bool
		if !bags.ReadASN1(&bag, cbasn1.SEQUENCE) || !bag.ReadASN1ObjectIdentifier(&id) ||
			!bag.ReadASN1(&value, contentSpecific0) ||
			!bag.ReadOptionalASN1(&attrs, &hasAttrs, cbasn1.SET) {
			return errPKCS12Malformed
		}
		switch {
		case id.Equal(oidShroudedKeyBag): // EncryptedPrivateKeyInfo
			var epki, alg cryptobyte.String
			if !value.ReadASN1(&epki, cbasn1.SEQUENCE) || !epki.ReadASN1(&alg, cbasn1.SEQUENCE) {
				return errPKCS12Malformed
			}
			if err := algorithmCost("a shrouded key", alg); err != nil {
				return err
			}
			*names = append(*names, friendlyNameOf(attrs))
		case id.Equal(oidKeyBag):
			*names = append(*names, friendlyNameOf(attrs))
		case id.Equal(oidSafeContentsBag):
			if err := safeContentsCost(value, depth+1, names); err != nil {
				return err
			}
		}
	}
	return nil
}

// friendlyNameOf returns the friendlyName among a bag's attributes (a
// SET OF SEQUENCE { attrId, SET OF values }, RFC 7292 §4.2), "" without one.
func friendlyNameOf(attrs cryptobyte.String) string {
	for !attrs.Empty() {
		var a, values, value cryptobyte.String
		var id asn1.ObjectIdentifier
		if !attrs.ReadASN1(&a, cbasn1.SEQUENCE) || !a.ReadASN1ObjectIdentifier(&id) ||
			!a.ReadASN1(&values, cbasn1.SET) {
			return ""
		}
		if id.Equal(oidFriendlyName) && values.ReadASN1(&value, cbasn1.Tag(30)) && len(value)%2 == 0 { // BMPString
			r := make([]rune, 0, len(value)/2)
			for i := 0; i < len(value); i += 2 {
				r = append(r, rune(value[i])<<8|rune(value[i+1]))
			}
			return string(r)
		}
	}
	return ""
}

// algorithmCost checks the iteration count of a password-based
// AlgorithmIdentifier: a PKCS#12 PBE's parameters (salt, iterations;
// RFC 7292 Appendix C), a PBES2 or PBMAC1 one's PBKDF2 parameters (salt,
// iterationCount, …; RFC 8018 Appendix A.2). Other algorithms derive no
// key from the password and are left to the container library.
func algorithmCost(what string, alg cryptobyte.String) error {
	var oid asn1.ObjectIdentifier
	var params cryptobyte.String
	if !alg.ReadASN1ObjectIdentifier(&oid) {
		return errPKCS12Malformed
	}
	switch {
	case len(oid) == len(oidPKCS12PBE)+1 && oid[:len(oidPKCS12PBE)].Equal(oidPKCS12PBE):
		if !alg.ReadASN1(&params, cbasn1.SEQUENCE) {
			return errPKCS12Malformed
		}
	case oid.Equal(oidPBES2), oid.Equal(oidPBMAC1):
		var outer, kdf cryptobyte.String
		var kdfOID asn1.ObjectIdentifier
		if !alg.ReadASN1(&outer, cbasn1.SEQUENCE) || !outer.ReadASN1(&kdf, cbasn1.SEQUENCE) ||
			!kdf.ReadASN1ObjectIdentifier(&kdfOID) {
			return errPKCS12Malformed
		}
		if !kdfOID.Equal(oidPBKDF2) {
			return nil // refused by the container library
		}
		if !kdf.ReadASN1(&params, cbasn1.SEQUENCE) {
			return errPKCS12Malformed
		}
	default:
		return nil
	}
	var salt cryptobyte.String
	var tag cbasn1.Tag
	var n int64
	if !params.ReadAnyASN1(&salt, &tag) || !params.ReadASN1Int64WithTag(&n, cbasn1.INTEGER) {
		return errPKCS12Malformed
	}
	return checkIterations(what, n)
}

func checkIterations(what string, n int64) error {
	if n < 1 || n > maxPKCS12Iterations {
		return fmt.Errorf("PKCS#12: %s asks for %d iterations (1 to %d)", what, n, maxPKCS12Iterations)
	}
	return nil
}

package jsonttlv

import "github.com/kmipwire/kmipwire/ttlv"

// cosmianTagName returns Cosmian KMS's spelling of t where it differs from
// the specification's normalized name, or "". Source:
// shared/spec/cosmian_vs_spec_tag_names.txt (Cosmian KMS 5.x Tag enum);
// on input the ttlv registry already accepts these spellings.
func cosmianTagName(t ttlv.Tag) string {
	switch t {
	case 0x4200B5:
		return "X509CertificateIdentifier"
	case 0x4200B6:
		return "X509CertificateIssuer"
	case 0x4200B7:
		return "X509CertificateSubject"
	case 0x4200FB:
		return "PKCS12FriendlyName"
	case 0x420159:
		return "PKCS11Interface"
	case 0x42015A:
		return "PKCS11Function"
	case 0x42015B:
		return "PKCS11InputParameters"
	case 0x42015C:
		return "PKCS11OutputParameters"
	case 0x42015D:
		return "PKCS11ReturnCode"
	}
	return ""
}

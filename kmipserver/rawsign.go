package kmipserver

import "crypto"

// unhashedRSA reports an RSA Sign or Signature Verify of Digested Data
// whose Cryptographic Parameters — the request's, then the key's — name
// no hash (neither Hashing Algorithm nor Digital Signature Algorithm) and
// no PSS padding: the server cannot know which hash made the digest, so it
// cannot build a PKCS#1 DigestInfo or a PSS encoding for it, and signs the
// bytes as given, PKCS#1 v1.5 padded (RFC 8017 §8.2 with the encoded
// message the digest itself; as the OASIS TC-RSA-SIGN-DIGESTEDDATA cases
// expect of 16 bytes and an RSA key).
func unhashedRSA(cp cryptoParams) bool {
	return cp.hashAlg == 0 && cp.dsa == 0 && cp.padding != padPSS
}

// ecdsaDigest is the digest an ECDSA Sign or Signature Verify signs: the
// Digested Data as given, whatever its length, when the request names no
// hash (ECDSA signs the leftmost bits of any digest, SEC 1 §4.1.3 step 5;
// as the OASIS TC-ECDSA-SIGN-DIGESTEDDATA cases expect of 16 bytes), else
// digestOf's.
func ecdsaDigest(cp cryptoParams, digested, data []byte, h crypto.Hash) ([]byte, *opError) {
	if digested != nil && cp.hashAlg == 0 && cp.dsa == 0 {
		return digested, nil
	}
	return digestOf(digested, data, h)
}

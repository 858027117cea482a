package kmipserver

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

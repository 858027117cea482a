package kmipserver

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// The PKCS#12 container Get writes (RFC 7292 §4, password privacy and
// integrity modes), as OpenSSL 3 writes one by default: the private key
// in a shrouded key bag of an unencrypted SafeContents, the certificates
// in a SafeContents encrypted as a whole, both with PBES2 (PBKDF2 with
// HMAC-SHA-256, AES-256-CBC; RFC 8018 §6.2), and an HMAC-SHA-256 MAC
// keyed by the Appendix B derivation. The key bag and the first
// certificate's bag carry the Friendly Name (PKCS#9 friendlyName, KMIP
// 1.4 §3.45, 2.1 §4.39) and a Local Key ID (the SHA-1 of that
// certificate, as OpenSSL writes it) that pair them. Written here rather
// than by the container library, whose encoder writes no Friendly Name
// and needs a certificate.

const pkcs12WriteIterations = 10_000

var (
	oidCertBag       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 10, 1, 3} // RFC 7292 §4.2
	oidX509CertType  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 22, 1}     // RFC 7292 §4.2.3
	oidFriendlyName  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 20}        // PKCS#9, RFC 2985 §5.5.1
	oidLocalKeyID    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 21}        // RFC 2985 §5.5.2
	oidHMACSHA256    = asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 9}            // RFC 8018 Appendix B.1.2
	oidAES256CBC     = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42}    // NIST CSOR
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	errNotBMP        = errors.New("text outside the Basic Multilingual Plane (a PKCS#12 BMPString)")
	contentSpecific0 = cbasn1.Tag(0).Constructed().ContextSpecific()
)

// writePKCS12 writes a PFX of the key and its certificate chain (the
// key's certificate first; none is allowed) under password, the key bag
// named friendlyName.
func writePKCS12(rnd io.Reader, key any, chain []*x509.Certificate, password, friendlyName string) ([]byte, error) {
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	name, err := bmpString(friendlyName)
	if err != nil {
		return nil, fmt.Errorf("friendly name: %w", err)
	}
	bmpPassword, err := bmpString(password)
	if err != nil {
		return nil, fmt.Errorf("password: %w", err)
	}
	bmpPassword = append(bmpPassword, 0, 0) // RFC 7292 Appendix B.1: with its NUL
	var localKeyID []byte
	if len(chain) > 0 {
		sum := sha1.Sum(chain[0].Raw)
		localKeyID = sum[:]
	}

	// the key: an unencrypted SafeContents of one shrouded key bag
	shrouded, err := pbes2Encrypt(rnd, pkcs8, password)
	if err != nil {
		return nil, err
	}
	var keySafe cryptobyte.Builder
	keySafe.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		addBag(b, oidShroudedKeyBag, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncryptedPrivateKeyInfo
				b.AddBytes(shrouded.alg)
				b.AddASN1OctetString(shrouded.data)
			})
		}, name, localKeyID)
	})
	keyContents, err := keySafe.Bytes()
	if err != nil {
		return nil, err
	}

	// the certificates: a SafeContents of certificate bags, encrypted
	var certContents []byte
	if len(chain) > 0 {
		var certSafe cryptobyte.Builder
		certSafe.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			for i, cert := range chain {
				var n, id []byte
				if i == 0 {
					n, id = name, localKeyID
				}
				addBag(b, oidCertBag, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // CertBag
						b.AddASN1ObjectIdentifier(oidX509CertType)
						b.AddASN1(contentSpecific0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(cert.Raw) })
					})
				}, n, id)
			}
		})
		if certContents, err = certSafe.Bytes(); err != nil {
			return nil, err
		}
	}
	var encCerts *pbes2Sealed
	if certContents != nil {
		if encCerts, err = pbes2Encrypt(rnd, certContents, password); err != nil {
			return nil, err
		}
	}

	var authSafe cryptobyte.Builder
	authSafe.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if encCerts != nil {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // ContentInfo, encryptedData
				b.AddASN1ObjectIdentifier(oidPKCS7EncryptedData)
				b.AddASN1(contentSpecific0, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncryptedData
						b.AddASN1Int64(0)
						b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // EncryptedContentInfo
							b.AddASN1ObjectIdentifier(oidPKCS7Data)
							b.AddBytes(encCerts.alg)
							b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(encCerts.data) })
						})
					})
				})
			})
		}
		addData(b, keyContents)
	})
	safes, err := authSafe.Bytes()
	if err != nil {
		return nil, err
	}

	macSalt := make([]byte, 16)
	if _, err := io.ReadFull(rnd, macSalt); err != nil {
		return nil, err
	}
	mac := hmac.New(sha256.New, pkcs12KDF(bmpPassword, macSalt, 3, pkcs12WriteIterations))
	mac.Write(safes)

	var pfx cryptobyte.Builder
	pfx.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		addData(b, safes)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // MacData
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // DigestInfo
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidSHA256)
					b.AddASN1NULL()
				})
				b.AddASN1OctetString(mac.Sum(nil))
			})
			b.AddASN1OctetString(macSalt)
			b.AddASN1Int64(pkcs12WriteIterations)
		})
	})
	return pfx.Bytes()
}

// addData adds a ContentInfo of type data holding octets.
func addData(b *cryptobyte.Builder, octets []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPKCS7Data)
		b.AddASN1(contentSpecific0, func(b *cryptobyte.Builder) { b.AddASN1OctetString(octets) })
	})
}

// addBag adds a SafeBag with its friendlyName and localKeyId attributes
// (each left out when nil).
func addBag(b *cryptobyte.Builder, id asn1.ObjectIdentifier, value func(*cryptobyte.Builder), name, localKeyID []byte) {
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(id)
		b.AddASN1(contentSpecific0, value)
		if name == nil && localKeyID == nil {
			return
		}
		b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
			if name != nil {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidFriendlyName)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.Tag(30), func(b *cryptobyte.Builder) { b.AddBytes(name) })
					})
				})
			}
			if localKeyID != nil {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(oidLocalKeyID)
					b.AddASN1(cbasn1.SET, func(b *cryptobyte.Builder) { b.AddASN1OctetString(localKeyID) })
				})
			}
		})
	})
}

// pbes2Sealed is data encrypted with PBES2: the AlgorithmIdentifier (DER)
// and the ciphertext.
type pbes2Sealed struct {
	alg, data []byte
}

// pbes2Encrypt encrypts data under password with PBES2 (RFC 8018 §6.2):
// PBKDF2-HMAC-SHA-256 of the password's UTF-8 octets (as RFC 8018 §3
// recommends and OpenSSL and Java do inside PKCS#12), AES-256-CBC with
// PKCS#7 padding.
func pbes2Encrypt(rnd io.Reader, data []byte, password string) (*pbes2Sealed, error) {
	salt, iv := make([]byte, 16), make([]byte, aes.BlockSize)
	if _, err := io.ReadFull(rnd, salt); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(rnd, iv); err != nil {
		return nil, err
	}
	key, err := pbkdf2.Key(sha256.New, password, salt, pkcs12WriteIterations, 32)
	if err != nil {
		return nil, err
	}
	blk, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	pad := aes.BlockSize - len(data)%aes.BlockSize
	out := make([]byte, len(data)+pad)
	copy(out, data)
	for i := len(data); i < len(out); i++ {
		out[i] = byte(pad)
	}
	cipher.NewCBCEncrypter(blk, iv).CryptBlocks(out, out)
	var alg cryptobyte.Builder
	alg.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBES2)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // keyDerivationFunc
				b.AddASN1ObjectIdentifier(oidPBKDF2)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(salt)
					b.AddASN1Int64(pkcs12WriteIterations)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // prf
						b.AddASN1ObjectIdentifier(oidHMACSHA256)
						b.AddASN1NULL()
					})
				})
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { // encryptionScheme
				b.AddASN1ObjectIdentifier(oidAES256CBC)
				b.AddASN1OctetString(iv)
			})
		})
	})
	a, err := alg.Bytes()
	if err != nil {
		return nil, err
	}
	return &pbes2Sealed{alg: a, data: out}, nil
}

// pkcs12KDF is the key derivation of RFC 7292 Appendix B.2 with SHA-256
// (u = 32, v = 64 bytes) for a key of at most u bytes — one block, A_1,
// all the MAC key needs: H^r(D || S || P), D the purpose id (3: MAC key)
// repeated to v bytes, S the salt and P the BMPString password (with its
// NUL) each repeated to a multiple of v bytes.
func pkcs12KDF(password, salt []byte, id byte, iterations int) []byte {
	const v = 64
	fill := func(s []byte) []byte {
		out := make([]byte, v*((len(s)+v-1)/v))
		for i := range out {
			out[i] = s[i%len(s)]
		}
		return out
	}
	h := sha256.New()
	h.Write(bytes.Repeat([]byte{id}, v))
	if len(salt) > 0 {
		h.Write(fill(salt))
	}
	if len(password) > 0 {
		h.Write(fill(password))
	}
	a := h.Sum(nil)
	for r := 1; r < iterations; r++ {
		s := sha256.Sum256(a)
		a = s[:]
	}
	return a
}

// bmpString encodes text as a BMPString (UCS-2, big-endian; ITU-T X.680
// §41), without a terminator.
func bmpString(s string) ([]byte, error) {
	out := make([]byte, 0, 2*len(s))
	for _, r := range s {
		if r > 0xFFFF || r >= 0xD800 && r < 0xE000 {
			return nil, errNotBMP
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return out, nil
}

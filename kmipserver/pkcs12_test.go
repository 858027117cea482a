package kmipserver

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	pkcs12 "software.sslmate.com/src/go-pkcs12"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// pkcs12Fixture is a key with a two-certificate chain (a CA and the
// certificate it issued for the key).
type pkcs12Fixture struct {
	key      *ecdsa.PrivateKey
	leaf, ca *x509.Certificate
}

func newPKCS12Fixture(t fatalHelper) *pkcs12Fixture {
	t.Helper()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "PKCS12 Test CA"},
		NotBefore: fixedNow, NotAfter: fixedNow.Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	leafTmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "pkcs12 leaf"},
		NotBefore: fixedNow, NotAfter: fixedNow.Add(24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(leafDER)
	if err != nil {
		t.Fatal(err)
	}
	return &pkcs12Fixture{key: key, leaf: leaf, ca: ca}
}

// pfx is the fixture as a PKCS#12 container (3DES, SHA-1 MAC: the
// algorithms of the OASIS TC-PKCS12-2 container).
func (f *pkcs12Fixture) pfx(t fatalHelper, password string) []byte {
	t.Helper()
	b, err := pkcs12.Legacy.Encode(f.key, f.leaf, []*x509.Certificate{f.ca}, password)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// attrs wraps attributes in the version's container: 2.x Attributes, 1.x
// a Template-Attribute of named Attributes.
func attrsFor(h hdr, as ...v) v {
	if h.major >= 2 {
		return st(ttlv.TagAttributes, as...)
	}
	out := make([]v, len(as))
	for i, a := range as {
		name, _ := ttlv.TagSpecName(a.Tag)
		out[i] = attr1(name, a)
	}
	return st(ttlv.TagTemplateAttribute, out...)
}

func link(typ uint32, id string) v {
	return st(ttlv.TagLink, enum(ttlv.TagLinkType, typ), str(ttlv.TagLinkedObjectIdentifier, id))
}

// registerPassword registers a Password Secret Data object, Pre-Active.
func registerPassword(t *testing.T, s *Server, h hdr, password string) string {
	t.Helper()
	return ok(t, &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objSecretData),
		attrsFor(h, integer(ttlv.TagCryptographicUsageMask, int32(usageDeriveKey))),
		st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, secretPassword),
			st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte(password))))))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
}

// registerPKCS12Item is a Register of a PKCS#12 private key, its Key
// Value in the version's form (a Byte String in 1.x, as the OASIS 1.4
// cases send it).
func registerPKCS12Item(h hdr, pfx []byte, as ...v) v {
	kv := st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, pfx))
	if h.major < 2 {
		kv = bstr(ttlv.TagKeyValue, pfx)
	}
	return item(opRegister, enum(ttlv.TagObjectType, objPrivateKey), attrsFor(h, as...),
		st(ttlv.TagPrivateKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfPKCS12), kv)))
}

// getPKCS12 answers the container of a Get in Key Format Type PKCS#12.
func getPKCS12(t *testing.T, s *Server, h hdr, id string) []byte {
	t.Helper()
	p := ok(t, &do(t, s, h, item(opGet, uid(id), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0])
	kb := p.Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock)
	if kf := kb.Child(ttlv.TagKeyFormatType); kf == nil || uint32(kf.Num) != kfPKCS12 {
		t.Fatalf("Key Format Type of the answer: %v", kf)
	}
	kv := kb.Child(ttlv.TagKeyValue)
	if h.major < 2 {
		if kv.Type != ttlv.TypeByteString {
			t.Fatalf("1.x PKCS#12 Key Value is %s, want a Byte String", kv.Type)
		}
		return kv.Bytes
	}
	return kv.Child(ttlv.TagKeyMaterial).Bytes
}

// checkPFX opens a container with the password and checks it holds the
// fixture's key and chain.
func (f *pkcs12Fixture) checkPFX(t *testing.T, pfx []byte, password string) {
	t.Helper()
	key, leaf, cas, err := pkcs12.DecodeChain(pfx, password)
	if err != nil {
		t.Fatalf("the answered PKCS#12 does not open: %v", err)
	}
	if k, ok := key.(*ecdsa.PrivateKey); !ok || !k.Equal(f.key) {
		t.Errorf("PKCS#12 key %T differs from the registered one", key)
	}
	if !leaf.Equal(f.leaf) {
		t.Errorf("PKCS#12 leaf certificate is %q, want %q", leaf.Subject, f.leaf.Subject)
	}
	if len(cas) != 1 || !cas[0].Equal(f.ca) {
		t.Errorf("PKCS#12 CA certificates: %d, want the test CA", len(cas))
	}
}

// TestPKCS12Register: a PKCS#12 private key is refused while its password
// is Pre-Active, then opened: the key kept as PKCS#8, a Certificate object
// for each certificate, linked key → leaf → CA (PKCS#12 Certificate
// Link), each with the Friendly Name; Get in PKCS#12 answers a container
// that opens with the password (the OASIS TC-PKCS12-2 flow).
func TestPKCS12Register(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx := f.pfx(t, "correct horse")
	for _, h := range []hdr{{major: 1, minor: 4}, {major: 2, minor: 0}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			pw := registerPassword(t, s, h, "correct horse")
			reg := registerPKCS12Item(h, pfx, link(linkPKCS12Password, pw), str(ttlv.TagPKCS_12FriendlyName, "alias"))
			stateReason := uint32(rrWrongKeyLifecycleState)
			if h.major < 2 {
				stateReason = rrPermissionDenied
			}
			failed(t, &do(t, s, h, reg).items[0], stateReason)
			ok(t, &do(t, s, h, item(opActivate, uid(pw))).items[0])
			id := ok(t, &do(t, s, h, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()

			g := ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
			kb := g.Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock)
			want, _ := x509.MarshalPKCS8PrivateKey(f.key)
			if kf := kb.Child(ttlv.TagKeyFormatType).Num; uint32(kf) != kfPKCS8 {
				t.Errorf("stored Key Format Type %d, want PKCS#8", kf)
			}
			if got := kb.Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes; !bytes.Equal(got, want) {
				t.Error("stored key is not the container's as PKCS#8")
			}
			if a := kb.Child(ttlv.TagCryptographicAlgorithm); a == nil || uint32(a.Num) != algECDSA {
				t.Errorf("Cryptographic Algorithm %v, want ECDSA", a)
			}

			links := linksOf(t, s, h, id)
			if len(links[linkPKCS12Password]) != 1 || links[linkPKCS12Password][0] != pw {
				t.Errorf("PKCS#12 Password Link %v, want %s", links[linkPKCS12Password], pw)
			}
			leafLinks := links[linkPKCS12Certificate]
			if len(leafLinks) != 1 {
				t.Fatalf("PKCS#12 Certificate Links of the key: %v, want one", leafLinks)
			}
			if c := certOf(t, s, h, leafLinks[0]); !c.Equal(f.leaf) {
				t.Errorf("the key's certificate is %q, want the leaf", c.Subject)
			}
			caLinks := linksOf(t, s, h, leafLinks[0])[linkPKCS12Certificate]
			if len(caLinks) != 1 {
				t.Fatalf("PKCS#12 Certificate Links of the leaf: %v, want one", caLinks)
			}
			if c := certOf(t, s, h, caLinks[0]); !c.Equal(f.ca) {
				t.Errorf("the leaf's certificate link names %q, want the CA", c.Subject)
			}
			for _, cid := range []string{leafLinks[0], caLinks[0]} {
				var name string
				for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(cid))).items[0])) {
					if a.Tag == ttlv.TagPKCS_12FriendlyName {
						name = a.Text()
					}
				}
				if name != "alias" {
					t.Errorf("certificate %s: PKCS#12 Friendly Name %q, want the key's", cid, name)
				}
			}

			f.checkPFX(t, getPKCS12(t, s, h, id), "correct horse")
			if h.major == 2 && h.minor == 1 { // Export serves the value as Get does
				e := ok(t, &do(t, s, h, item(opExport, uid(id), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0])
				f.checkPFX(t, e.Child(ttlv.TagPrivateKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes, "correct horse")
			}
		})
	}
}

// TestPKCS12RegisterRefused: what does not open is refused with a KMIP
// error, not kept: a wrong password, no or two Password Links, a link to
// an object that is not a password, a malformed container.
func TestPKCS12RegisterRefused(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx := f.pfx(t, "right")
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			bad := uint32(rrBadPassword)
			if h.major < 2 {
				bad = rrInvalidField // 1.x has no Bad Password (1.4 Table 330)
			}
			s := newTestServer()
			wrong := registerPassword(t, s, h, "wrong")
			right := registerPassword(t, s, h, "right")
			for _, id := range []string{wrong, right} {
				ok(t, &do(t, s, h, item(opActivate, uid(id))).items[0])
			}
			notPassword := registerSym(t, s, make([]byte, 16), algAES, usageEncrypt)
			for name, tc := range map[string]struct {
				item   v
				reason uint32
			}{
				"wrong password": {registerPKCS12Item(h, pfx, link(linkPKCS12Password, wrong)), bad},
				"no link":        {registerPKCS12Item(h, pfx), bad},
				"two links":      {registerPKCS12Item(h, pfx, link(linkPKCS12Password, right), link(linkPKCS12Password, wrong)), bad},
				"not a password": {registerPKCS12Item(h, pfx, link(linkPKCS12Password, notPassword)), bad},
				"malformed":      {registerPKCS12Item(h, pfx[:len(pfx)/2], link(linkPKCS12Password, right)), rrInvalidField},
				"not PKCS#12":    {registerPKCS12Item(h, []byte("PKCS#12?"), link(linkPKCS12Password, right)), rrInvalidField},
			} {
				r := do(t, s, h, tc.item)
				if rs, rr := status(&r.items[0]); rs != 1 || rr != tc.reason {
					t.Errorf("%s: status %d reason 0x%X, want reason 0x%X", name, rs, rr, tc.reason)
				}
			}
			// nothing was kept: the only objects are the three registered
			loc := ok(t, &do(t, s, h, item(opLocate)).items[0])
			if ids := texts(loc, ttlv.TagUniqueIdentifier); len(ids) != 3 {
				t.Errorf("Locate finds %d objects after the refused Registers, want 3", len(ids))
			}
		})
	}
}

// TestPKCS12Get: Get in Key Format Type PKCS#12 of a key registered in
// another format builds the container from its links: the password of
// its PKCS#12 Password Link, the chain its PKCS#12 Certificate Link
// starts (the OASIS TC-PKCS12-1 flow); or through its public key's
// Certificate Link. A key without a password link, or whose password is
// not Active, is refused.
func TestPKCS12Get(t *testing.T) {
	f := newPKCS12Fixture(t)
	der, err := x509.MarshalPKCS8PrivateKey(f.key)
	if err != nil {
		t.Fatal(err)
	}
	registerKey := func(t *testing.T, s *Server, h hdr, as ...v) string {
		t.Helper()
		return ok(t, &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objPrivateKey), attrsFor(h, as...),
			st(ttlv.TagPrivateKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfPKCS8),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, der)))))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	registerCertLinked := func(t *testing.T, s *Server, h hdr, c *x509.Certificate, as ...v) string {
		t.Helper()
		return ok(t, &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objCertificate), attrsFor(h, as...),
			st(ttlv.TagCertificate, enum(ttlv.TagCertificateType, certX509), bstr(ttlv.TagCertificateValue, c.Raw)))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	}
	for _, h := range []hdr{{major: 1, minor: 4}, {major: 2, minor: 0}} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			pw := registerPassword(t, s, h, "pass phrase")
			ca := registerCertLinked(t, s, h, f.ca)
			leaf := registerCertLinked(t, s, h, f.leaf, link(linkPKCS12Certificate, ca))

			id := registerKey(t, s, h, link(linkPKCS12Password, pw), link(linkPKCS12Certificate, leaf))
			stateReason := uint32(rrWrongKeyLifecycleState)
			if h.major < 2 {
				stateReason = rrPermissionDenied
			}
			failed(t, &do(t, s, h, item(opGet, uid(id), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0], stateReason)
			ok(t, &do(t, s, h, item(opActivate, uid(pw))).items[0])
			f.checkPFX(t, getPKCS12(t, s, h, id), "pass phrase")

			// the chain through the public key: private key → Public Key
			// Link → public key → Certificate Link → leaf → Certificate
			// Link → CA (1.4 §4.11)
			leaf2 := registerCertLinked(t, s, h, f.leaf, link(linkCertificate, ca))
			pubKey := st(ttlv.TagPublicKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfX509),
				st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, mustPKIX(t, f.key.Public())))))
			pub := ok(t, &do(t, s, h, item(opRegister, enum(ttlv.TagObjectType, objPublicKey),
				attrsFor(h, link(linkCertificate, leaf2)), pubKey)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			viaPub := registerKey(t, s, h, link(linkPKCS12Password, pw), link(linkPublicKey, pub))
			f.checkPFX(t, getPKCS12(t, s, h, viaPub), "pass phrase")

			bad := uint32(rrBadPassword)
			if h.major < 2 {
				bad = rrInvalidField
			}
			noPassword := registerKey(t, s, h, link(linkPKCS12Certificate, leaf))
			failed(t, &do(t, s, h, item(opGet, uid(noPassword), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0], bad)
			// a key without certificates: a container of the key alone
			noChain := registerKey(t, s, h, link(linkPKCS12Password, pw))
			if names, err := previewPKCS12(getPKCS12(t, s, h, noChain)); err != nil || len(names) != 1 || names[0] != "alias" {
				t.Errorf("container of a key without certificates: keys %q, %v; want one, named alias", names, err)
			}
			twoChains := registerKey(t, s, h, link(linkPKCS12Password, pw), link(linkPKCS12Certificate, leaf), link(linkPKCS12Certificate, leaf2))
			failed(t, &do(t, s, h, item(opGet, uid(twoChains), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0], rrInvalidField)
			// a certificate is no private key
			failed(t, &do(t, s, h, item(opGet, uid(leaf), enum(ttlv.TagKeyFormatType, kfPKCS12))).items[0], rrKeyFormatTypeUnsupported)
		})
	}
}

func mustPKIX(t *testing.T, pub crypto.PublicKey) []byte {
	t.Helper()
	b, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPKCS12ChainOrder: the certificates of a container are linked from
// the key's own, then issuer by issuer, whatever order the container
// gives them in.
func TestPKCS12ChainOrder(t *testing.T) {
	f := newPKCS12Fixture(t)
	got := chainOrder(f.key, []*x509.Certificate{f.ca, f.leaf})
	if len(got) != 2 || !bytes.Equal(got[0], f.leaf.Raw) || !bytes.Equal(got[1], f.ca.Raw) {
		t.Error("chain not ordered leaf, CA")
	}
}

// pfxBuilder writes PFX structures (RFC 7292 §4) for the cost check.
type pfxBuilder struct{}

func (pfxBuilder) pbe(b *cryptobyte.Builder, n int64) { // pbeWithSHAAnd3-KeyTripleDES-CBC
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 12, 1, 3})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1OctetString(make([]byte, 8))
			b.AddASN1Int64(n)
		})
	})
}

func (pfxBuilder) pbes2(b *cryptobyte.Builder, n int64) { // PBKDF2-HMAC-SHA256, AES-256-CBC
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oidPBES2)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(oidPBKDF2)
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1OctetString(make([]byte, 8))
					b.AddASN1Int64(n)
				})
			})
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 1, 42})
				b.AddASN1OctetString(make([]byte, 16))
			})
		})
	})
}

// shrouded is a SafeContents with one shrouded key bag (its encryption
// alg), nested depth times in safe contents bags.
func (p pfxBuilder) shrouded(alg func(*cryptobyte.Builder), depth int) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			if depth > 0 {
				b.AddASN1ObjectIdentifier(oidSafeContentsBag)
				b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
					b.AddBytes(p.shrouded(alg, depth-1))
				})
				return
			}
			b.AddASN1ObjectIdentifier(oidShroudedKeyBag)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					alg(b)
					b.AddASN1OctetString(make([]byte, 32))
				})
			})
		})
	})
	return b.BytesOrPanic()
}

// pfx is a PFX whose MAC asks for mac iterations (none when 0), with a
// data content holding safe and an encrypted content under enc.
func (p pfxBuilder) pfx(mac int64, safe []byte, enc func(*cryptobyte.Builder)) []byte {
	var as cryptobyte.Builder
	as.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPKCS7Data)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1OctetString(safe) })
		})
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPKCS7EncryptedData)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1Int64(0)
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1ObjectIdentifier(oidPKCS7Data)
						enc(b)
						b.AddASN1(cbasn1.Tag(0).ContextSpecific(), func(b *cryptobyte.Builder) { b.AddBytes(make([]byte, 16)) })
					})
				})
			})
		})
	})
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1Int64(3)
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1ObjectIdentifier(oidPKCS7Data)
			b.AddASN1(cbasn1.Tag(0).Constructed().ContextSpecific(), func(b *cryptobyte.Builder) { b.AddASN1OctetString(as.BytesOrPanic()) })
		})
		if mac == 0 {
			return
		}
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1ObjectIdentifier(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1})
					b.AddASN1NULL()
				})
				b.AddASN1OctetString(make([]byte, 32))
			})
			b.AddASN1OctetString(make([]byte, 8))
			b.AddASN1Int64(mac)
		})
	})
	return b.BytesOrPanic()
}

// TestPKCS12Cost: the iteration counts a container asks for are checked
// before any key derivation runs — its MAC's, its encrypted contents',
// its shrouded keys' (in nested safe contents too) — and real containers
// pass.
func TestPKCS12Cost(t *testing.T) {
	var p pfxBuilder
	const many = maxPKCS12Iterations + 1
	few := func(b *cryptobyte.Builder) { p.pbe(b, 2048) }
	for name, tc := range map[string]struct {
		pfx []byte
		ok  bool
	}{
		"bounded":                  {p.pfx(2048, p.shrouded(few, 0), func(b *cryptobyte.Builder) { p.pbes2(b, 10000) }), true},
		"no MAC":                   {p.pfx(0, p.shrouded(few, 1), few), true},
		"MAC":                      {p.pfx(many, p.shrouded(few, 0), few), false},
		"MAC of zero iterations":   {p.pfx(-1, p.shrouded(few, 0), few), false},
		"encrypted contents PBES2": {p.pfx(2048, p.shrouded(few, 0), func(b *cryptobyte.Builder) { p.pbes2(b, many) }), false},
		"encrypted contents PBE":   {p.pfx(2048, p.shrouded(few, 0), func(b *cryptobyte.Builder) { p.pbe(b, many) }), false},
		"shrouded key":             {p.pfx(2048, p.shrouded(func(b *cryptobyte.Builder) { p.pbes2(b, many) }, 0), few), false},
		"nested shrouded key":      {p.pfx(2048, p.shrouded(func(b *cryptobyte.Builder) { p.pbe(b, many) }, 2), few), false},
		"nested too deep":          {p.pfx(2048, p.shrouded(few, 6), few), false},
		"not DER":                  {[]byte("PKCS#12?"), false},
	} {
		if _, err := previewPKCS12(tc.pfx); (err == nil) != tc.ok {
			t.Errorf("%s: previewPKCS12 = %v, want ok %v", name, err, tc.ok)
		}
	}
	f := newPKCS12Fixture(t)
	for name, enc := range map[string]*pkcs12.Encoder{"Legacy": pkcs12.Legacy, "LegacyRC2": pkcs12.LegacyRC2, "Modern": pkcs12.Modern} {
		pfx, err := enc.Encode(f.key, f.leaf, []*x509.Certificate{f.ca}, "pw")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := previewPKCS12(pfx); err != nil {
			t.Errorf("%s container refused: %v", name, err)
		}
	}
}

// TestPKCS12RegisterCost: a Register whose container asks for too many
// iterations is refused (Invalid Field) without running them.
func TestPKCS12RegisterCost(t *testing.T) {
	var p pfxBuilder
	s := newTestServer()
	pw := registerPassword(t, s, v21, "pw")
	ok(t, &do(t, s, v21, item(opActivate, uid(pw))).items[0])
	pfx := p.pfx(1<<40, p.shrouded(func(b *cryptobyte.Builder) { p.pbe(b, 1<<40) }, 0), func(b *cryptobyte.Builder) { p.pbe(b, 1<<40) })
	// (without the check the derivations would run for hours: the test
	// would time out)
	failed(t, &do(t, s, v21, registerPKCS12Item(v21, pfx, link(linkPKCS12Password, pw))).items[0], rrInvalidField)
}

// TestPKCS12Write: the container Get writes opens with the password in
// the container library (an independent reader: its own key derivation,
// PBES2 and MAC), holds the key and the chain in order, names the key
// (friendlyName, with the Local Key ID pairing it with its certificate),
// and refuses a wrong password; OpenSSL, where installed, reads it too.
func TestPKCS12Write(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx, err := writePKCS12(rand.Reader, f.key, []*x509.Certificate{f.leaf, f.ca}, "pässword", "Mein Schlüssel")
	if err != nil {
		t.Fatal(err)
	}
	f.checkPFX(t, pfx, "pässword")
	if _, _, _, err := pkcs12.DecodeChain(pfx, "password"); !errors.Is(err, pkcs12.ErrIncorrectPassword) {
		t.Errorf("wrong password: %v, want the MAC's refusal", err)
	}
	if names, err := previewPKCS12(pfx); err != nil || len(names) != 1 || names[0] != "Mein Schlüssel" {
		t.Errorf("keys named %q (%v), want the friendly name", names, err)
	}
	if _, err := writePKCS12(rand.Reader, f.key, nil, "pw", "key \U0001F511"); !errors.Is(err, errNotBMP) {
		t.Errorf("friendly name outside the BMP: %v", err)
	}
	keyOnly, err := writePKCS12(rand.Reader, f.key, nil, "pw", "alias")
	if err != nil {
		t.Fatal(err)
	}

	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Log("openssl not installed: the containers were checked by the library only")
		return
	}
	dir := t.TempDir()
	// (openssl writes the name's non-ASCII letters in its own way)
	for name, tc := range map[string]struct {
		pfx      []byte
		password string
		want     []string
	}{
		"chain":    {pfx, "pässword", []string{"friendlyName: Mein Schl", "localKeyID:", "subject=CN = pkcs12 leaf", "subject=CN = PKCS12 Test CA", "BEGIN PRIVATE KEY"}},
		"key only": {keyOnly, "pw", []string{"friendlyName: alias", "BEGIN PRIVATE KEY"}},
	} {
		file := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".p12")
		if err := os.WriteFile(file, tc.pfx, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(openssl, "pkcs12", "-in", file, "-info", "-nodes", "-passin", "pass:"+tc.password).CombinedOutput()
		if err != nil {
			t.Errorf("%s: openssl pkcs12: %v\n%s", name, err, out)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(string(out), w) {
				t.Errorf("%s: openssl output lacks %q:\n%s", name, w, out)
			}
		}
	}
}

// TestPKCS12FriendlyName: Register records the friendly name the
// container gives its key when the client names none, and refuses a
// PKCS#12 Friendly Name the container has no key under (1.4 §3.45); Get
// names the key by it, "alias" without one.
func TestPKCS12FriendlyName(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx, err := writePKCS12(rand.Reader, f.key, []*x509.Certificate{f.leaf}, "pw", "tls-server")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer()
	pw := registerPassword(t, s, v21, "pw")
	ok(t, &do(t, s, v21, item(opActivate, uid(pw))).items[0])
	failed(t, &do(t, s, v21, registerPKCS12Item(v21, pfx, link(linkPKCS12Password, pw),
		str(ttlv.TagPKCS_12FriendlyName, "other"))).items[0], rrInvalidField)
	for _, given := range []string{"", "TLS-Server"} {
		as := []v{link(linkPKCS12Password, pw)}
		if given != "" {
			as = append(as, str(ttlv.TagPKCS_12FriendlyName, given))
		}
		id := ok(t, &do(t, s, v21, registerPKCS12Item(v21, pfx, as...)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		want := given
		if want == "" {
			want = "tls-server"
		}
		var got string
		for _, a := range attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id))).items[0])) {
			if a.Tag == ttlv.TagPKCS_12FriendlyName {
				got = a.Text()
			}
		}
		if got != want {
			t.Errorf("given %q: PKCS#12 Friendly Name %q, want %q", given, got, want)
		}
		if names, err := previewPKCS12(getPKCS12(t, s, v21, id)); err != nil || len(names) != 1 || names[0] != want {
			t.Errorf("given %q: the container Get writes names its key %q (%v), want %q", given, names, err, want)
		}
	}
}

// TestPKCS12OneAtATime: a container opens only when no other is being
// opened; a request that gives up waiting is refused, and the next opens.
func TestPKCS12OneAtATime(t *testing.T) {
	f := newPKCS12Fixture(t)
	pfx := f.pfx(t, "pw")
	s := newTestServer()
	pw := registerPassword(t, s, v21, "pw")
	ok(t, &do(t, s, v21, item(opActivate, uid(pw))).items[0])
	reg := registerPKCS12Item(v21, pfx, link(linkPKCS12Password, pw))

	s.pkcs12Slot <- struct{}{} // another container being opened
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	r := decode(t, s.ServeTTLV(ctx, nil, request(v21, reg)))
	failed(t, &r.items[0], rrGeneralFailure)
	<-s.pkcs12Slot
	ok(t, &do(t, s, v21, reg).items[0])
	ok(t, &do(t, s, v21, reg).items[0]) // the slot was given back
}

// pkcs12Batch is one request that registers an Active password and a
// PKCS#12 private key linked to it (through the ID Placeholder), then Gets
// the key in PKCS#12: a seed of FuzzServeTTLV, and the frame of
// TestPKCS12Malformed. (Its Get fails, Bad Password: the key's Link keeps
// the ID Placeholder Enumeration as given, not the identifier it stood
// for, and names no password.)
func pkcs12Batch(h hdr, pfx []byte) []byte {
	pw := item(opRegister, enum(ttlv.TagObjectType, objSecretData),
		st(ttlv.TagAttributes, ttlv.DateTime(ttlv.TagActivationDate, fixedNow.Add(-time.Hour))),
		st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, secretPassword),
			st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque), st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte("pw"))))))
	placeholder := st(ttlv.TagLink, enum(ttlv.TagLinkType, linkPKCS12Password), enum(ttlv.TagLinkedObjectIdentifier, 1))
	return request(h, pw, registerPKCS12Item(h, pfx, placeholder), item(opGet, enum(ttlv.TagKeyFormatType, kfPKCS12)))
}

// TestPKCS12Malformed: containers cut short or with a byte changed are
// refused with a KMIP failure (or, where the change is harmless, opened);
// the server never panics and keeps answering.
func TestPKCS12Malformed(t *testing.T) {
	f := newPKCS12Fixture(t)
	h := hdr{major: 2, minor: 1, cont: batch.Continue}
	pfx := f.pfx(t, "pw")
	r := decode(t, newTestServer().ServeTTLV(context.Background(), nil, pkcs12Batch(h, pfx)))
	ok(t, &r.items[0])
	ok(t, &r.items[1]) // the container as written opens
	var refused int
	try := func(mutated []byte) {
		r := decode(t, newTestServer().ServeTTLV(context.Background(), nil, pkcs12Batch(h, mutated)))
		if rs, _ := status(&r.items[1]); rs != 0 {
			refused++
		}
	}
	for n := 0; n < len(pfx); n += 13 {
		try(pfx[:n])
	}
	for i := 0; i < len(pfx); i += 7 {
		m := bytes.Clone(pfx)
		m[i] ^= 0x5a
		try(m)
	}
	if refused == 0 {
		t.Error("no malformed container was refused")
	}
}

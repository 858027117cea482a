package kmipclient_test

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// startKmipd starts kmipd's server and transports in-process on loopback,
// as cmd/kmipd does, and returns the client configuration that reaches it
// over tr.
func startKmipd(t testing.TB, tr kmipclient.Transport, tcfg kmipserver.EndpointConfig) kmipclient.Config {
	t.Helper()
	tcfg.Addr = "127.0.0.1:0"
	switch tr {
	case kmipclient.Plain:
		tcfg.Plaintext = true
	case kmipclient.HTTPJSON, kmipclient.HTTPBinary:
		tcfg.HTTPAddr = "127.0.0.1:0"
	}
	if !tcfg.Plaintext && tcfg.TLS == nil && tcfg.CertFile == "" {
		tcfg.CertDir = t.TempDir()
	}
	srv, err := kmipserver.Listen(context.Background(), tcfg, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	})
	cfg := kmipclient.Config{Transport: tr, Addr: srv.Addr().String()}
	if tcfg.CertDir != "" {
		cfg.CAFile = filepath.Join(tcfg.CertDir, kmipserver.CertFileName)
		cfg.ServerName = "localhost"
	}
	if tr == kmipclient.HTTPJSON || tr == kmipclient.HTTPBinary {
		cfg.Addr = srv.HTTPURL()
	}
	return cfg
}

func dial(t testing.TB, cfg kmipclient.Config) *kmipclient.Client {
	t.Helper()
	c, err := kmipclient.Dial(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// wantReason checks that err is an *Error with the given reason.
// notFoundIn is kmipd's Result Reason for an unknown Unique Identifier in
// version v: Item Not Found in KMIP 1.x, Object Not Found from 2.0 on.
func notFoundIn(v kmipclient.Version) kmip.ResultReason {
	if v < kmipclient.V2_0 {
		return kmip.ResultReasonItemNotFound
	}
	return kmip.ResultReasonObjectNotFound
}

func wantReason(t *testing.T, what string, err error, reason kmip.ResultReason) {
	t.Helper()
	var e *kmipclient.Error
	if !errors.As(err, &e) {
		t.Errorf("%s: err = %v, want a *kmipclient.Error with reason %v", what, err, reason)
		return
	}
	if e.Reason != reason {
		t.Errorf("%s: reason %v (%q), want %v", what, e.Reason, e.Message, reason)
	}
}

// TestKmipdEveryMethod runs every method against kmipd over each
// transport, in KMIP 1.2, 1.4, 2.0 and 2.1.
func TestKmipdEveryMethod(t *testing.T) {
	for _, tr := range []kmipclient.Transport{kmipclient.TLS, kmipclient.HTTPJSON, kmipclient.HTTPBinary} {
		cfg := startKmipd(t, tr, kmipserver.EndpointConfig{})
		for _, v := range []kmipclient.Version{kmipclient.V1_2, kmipclient.V1_4, kmipclient.V2_0, kmipclient.V2_1} {
			t.Run(tr.String()+"/"+v.String(), func(t *testing.T) {
				cfg := cfg
				cfg.Version = v
				everyMethod(t, dial(t, cfg), serverKmipd)
			})
		}
	}
}

// serverKind says what a server is known to refuse (README's interop
// table), so the shared script expects exactly that.
type serverKind int

const (
	serverKmipd serverKind = iota
	serverPyKMIP
)

func everyMethod(t *testing.T, c *kmipclient.Client, kind serverKind) {
	ctx := context.Background()
	v := c.Version()

	q, err := c.Query(ctx)
	if err != nil {
		t.Fatalf("Query: %v", err)
	}
	if !slices.Contains(q.Operations, kmip.OperationCreate) || (kind == serverKmipd && len(q.ObjectType) == 0) {
		t.Errorf("Query: operations %v, object types %v", q.Operations, q.ObjectType)
	}
	vs, err := c.DiscoverVersions(ctx)
	if err != nil || len(vs) == 0 {
		t.Errorf("DiscoverVersions: %v %v", vs, err)
	}

	// Create, with a name to find it by and an Object Group.
	name := "kmipclient-" + v.String() + "-" + rand.Text()
	attrs := named(kmipclient.AES(256), name)
	attrs.ObjectGroup = []string{"kmipclient"}
	created, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: attrs})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := created.UniqueIdentifier
	if id == "" {
		t.Fatal("Create: no Unique Identifier")
	}
	uid := kmip.Some(id)

	refs := kmipclient.AttributeReferences(ttlv.TagCryptographicAlgorithm, ttlv.TagCryptographicLength, ttlv.TagName)
	if kind == serverPyKMIP && v >= kmipclient.V2_0 {
		refs = nil // PyKMIP reads no Attribute Reference Enumeration (README): ask for all
	}
	ga, err := c.GetAttributes(ctx, &kmip.GetAttributesRequestPayload{UniqueIdentifier: uid, AttributeReference: refs})
	if err != nil {
		t.Fatalf("GetAttributes: %v", err)
	}
	if a := ga.Attributes; a == nil || a.CryptographicLength.Value != 256 || a.CryptographicAlgorithm.Value != kmip.CryptographicAlgorithmAES ||
		len(a.Name) == 0 || a.Name[0].NameValue != name {
		t.Errorf("GetAttributes: %+v, want AES, 256 bits, named %q", a, name)
	}
	list, err := c.GetAttributeList(ctx, id)
	if err != nil {
		t.Fatalf("GetAttributeList: %v", err)
	}
	if !hasRef(list.AttributeReference, ttlv.TagCryptographicAlgorithm) || !hasRef(list.AttributeReference, ttlv.TagObjectGroup) {
		t.Errorf("GetAttributeList: %v", list.AttributeReference)
	}

	if kind == serverKmipd {
		attributeOpsKmipd(t, c, id)
	} else {
		name = attributeOpsPyKMIP(t, c, id, name)
	}

	loc, err := c.Locate(ctx, &kmip.LocateRequestPayload{Attributes: named(&kmip.Attributes{}, name)})
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if len(loc.UniqueIdentifier) != 1 || loc.UniqueIdentifier[0] != id {
		t.Errorf("Locate by Name: %v, want [%s]", loc.UniqueIdentifier, id)
	}

	if err := c.Activate(ctx, id); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	// Encrypt and Decrypt: AES-CBC with PKCS#5 padding, an IV of the
	// client's (every server here has it; GCM needs 1.4).
	cp := &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeCBC), PaddingMethod: kmip.Some(kmip.PaddingMethodPKCS5),
		CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES)}
	iv := bytes.Repeat([]byte{7}, 16)
	plain := []byte("attack at dawn, bring snacks")
	enc, err := c.Encrypt(ctx, &kmip.EncryptRequestPayload{UniqueIdentifier: uid, CryptographicParameters: cp, Data: kmip.Some(plain), IVCounterNonce: kmip.Some(iv)})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if k, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: uid}); err != nil {
		t.Errorf("Get of the created key: %v", err)
	} else if want := cbcEncrypt(t, kmipclient.KeyMaterial(k), iv, plain); !bytes.Equal(enc.Data.Value, want) {
		t.Errorf("Encrypt = %x, want %x", enc.Data.Value, want)
	}
	dec, err := c.Decrypt(ctx, &kmip.DecryptRequestPayload{UniqueIdentifier: uid, CryptographicParameters: cp, Data: enc.Data, IVCounterNonce: kmip.Some(iv)})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(dec.Data.Value, plain) {
		t.Errorf("Decrypt = %q, want %q", dec.Data.Value, plain)
	}

	// Register a key of ours and Get it back.
	key := bytes.Repeat([]byte{0x5A}, 16)
	reg, err := c.Register(ctx, register(key, kmip.CryptographicAlgorithmAES, kmip.CryptographicUsageMaskEncrypt|kmip.CryptographicUsageMaskDecrypt))
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	got, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(reg.UniqueIdentifier)})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.ObjectType != kmip.ObjectTypeSymmetricKey || !bytes.Equal(kmipclient.KeyMaterial(got), key) {
		t.Errorf("Get: %v %x, want the registered key %x", got.ObjectType, kmipclient.KeyMaterial(got), key)
	}

	// MAC and MAC Verify with an HMAC-SHA256 key of ours, checked here.
	hkey := bytes.Repeat([]byte{0x33}, 32)
	mk, err := c.Register(ctx, register(hkey, kmip.CryptographicAlgorithmHMAC_SHA256, kmip.CryptographicUsageMaskMACGenerate|kmip.CryptographicUsageMaskMACVerify))
	if err != nil {
		t.Fatalf("Register HMAC key: %v", err)
	}
	if err := c.Activate(ctx, mk.UniqueIdentifier); err != nil {
		t.Fatalf("Activate HMAC key: %v", err)
	}
	mid := kmip.Some(mk.UniqueIdentifier)
	mcp := &kmip.CryptographicParameters{CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmHMAC_SHA256)}
	mac, err := c.MAC(ctx, &kmip.MACRequestPayload{UniqueIdentifier: mid, CryptographicParameters: mcp, Data: kmip.Some(plain)})
	if err != nil {
		t.Fatalf("MAC: %v", err)
	}
	hm := hmac.New(sha256.New, hkey)
	hm.Write(plain)
	if !bytes.Equal(mac.MACData.Value, hm.Sum(nil)) {
		t.Errorf("MAC = %x, want %x", mac.MACData.Value, hm.Sum(nil))
	}
	mv, err := c.MACVerify(ctx, &kmip.MACVerifyRequestPayload{UniqueIdentifier: mid, CryptographicParameters: mcp, Data: kmip.Some(plain), MACData: mac.MACData})
	switch {
	case kind == serverPyKMIP:
		wantReason(t, "MACVerify (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	case err != nil:
		t.Errorf("MACVerify: %v", err)
	case mv.ValidityIndicator.Value != kmip.ValidityIndicatorValid:
		t.Errorf("MACVerify: %v", mv.ValidityIndicator)
	}

	// Create Key Pair, Sign and Signature Verify: RSA-2048, PKCS#1 v1.5 with SHA-256.
	kp, err := c.CreateKeyPair(ctx, &kmip.CreateKeyPairRequestPayload{
		CommonAttributes:     &kmip.Attributes{CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmRSA), CryptographicLength: kmip.Some(int32(2048))},
		PrivateKeyAttributes: &kmip.Attributes{CryptographicUsageMask: kmip.Some(kmip.CryptographicUsageMaskSign)},
		PublicKeyAttributes:  &kmip.Attributes{CryptographicUsageMask: kmip.Some(kmip.CryptographicUsageMaskVerify)}})
	if err != nil {
		t.Fatalf("CreateKeyPair: %v", err)
	}
	for _, k := range []string{kp.PrivateKeyUniqueIdentifier, kp.PublicKeyUniqueIdentifier} {
		if err := c.Activate(ctx, k); err != nil {
			t.Fatalf("Activate %s: %v", k, err)
		}
	}
	scp := &kmip.CryptographicParameters{PaddingMethod: kmip.Some(kmip.PaddingMethodPKCS1V1_5), HashingAlgorithm: kmip.Some(kmip.HashingAlgorithmSHA_256),
		CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmRSA)}
	if kind == serverKmipd || v >= kmipclient.V1_2 {
		scp.DigitalSignatureAlgorithm = kmip.Some(kmip.DigitalSignatureAlgorithmSHA_256WithRSAEncryption)
	}
	sig, err := c.Sign(ctx, &kmip.SignRequestPayload{UniqueIdentifier: kmip.Some(kp.PrivateKeyUniqueIdentifier), CryptographicParameters: scp, Data: kmip.Some(plain)})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	sv, err := c.SignatureVerify(ctx, &kmip.SignatureVerifyRequestPayload{UniqueIdentifier: kmip.Some(kp.PublicKeyUniqueIdentifier),
		CryptographicParameters: scp, Data: kmip.Some(plain), SignatureData: sig.SignatureData})
	if err != nil {
		t.Errorf("SignatureVerify: %v", err)
	} else if sv.ValidityIndicator.Value != kmip.ValidityIndicatorValid {
		t.Errorf("SignatureVerify: %v", sv.ValidityIndicator)
	}

	// Hash and RNG Retrieve (KMIP 1.2+).
	h, err := c.Hash(ctx, &kmip.HashRequestPayload{CryptographicParameters: &kmip.CryptographicParameters{HashingAlgorithm: kmip.Some(kmip.HashingAlgorithmSHA_256)},
		Data: kmip.Some([]byte("abc"))})
	switch {
	case v < kmipclient.V1_2:
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("Hash in %v: %v, want ErrVersion", v, err)
		}
	case kind == serverPyKMIP:
		wantReason(t, "Hash (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	case err != nil:
		t.Errorf("Hash: %v", err)
	case len(h.Data.Value) != 32 || h.Data.Value[0] != 0xba:
		t.Errorf("Hash(abc) = %x", h.Data.Value)
	}
	rnd, err := c.RNGRetrieve(ctx, 24)
	switch {
	case kind == serverPyKMIP:
		wantReason(t, "RNGRetrieve (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	case err != nil:
		t.Errorf("RNGRetrieve: %v", err)
	case len(rnd) != 24:
		t.Errorf("RNGRetrieve: %d bytes", len(rnd))
	}

	// ReKey: a new key replaces the old one; PyKMIP has no ReKey.
	rk, err := c.ReKey(ctx, &kmip.ReKeyRequestPayload{UniqueIdentifier: uid})
	switch {
	case kind == serverPyKMIP:
		wantReason(t, "ReKey (PyKMIP does not implement it)", err, kmip.ResultReasonOperationNotSupported)
	case err != nil:
		t.Errorf("ReKey: %v", err)
	case rk.UniqueIdentifier == "" || rk.UniqueIdentifier == id:
		t.Errorf("ReKey: new key %q, old %q", rk.UniqueIdentifier, id)
	}
	// Derive Key (HMAC) from a key registered for it.
	base, err := c.Register(ctx, register(hkey, kmip.CryptographicAlgorithmHMAC_SHA256, kmip.CryptographicUsageMaskDeriveKey))
	if err != nil {
		t.Fatalf("Register a derivation key: %v", err)
	}
	if err := c.Activate(ctx, base.UniqueIdentifier); err != nil {
		t.Fatalf("Activate the derivation key: %v", err)
	}
	params := &kmip.DerivationParameters{CryptographicParameters: &kmip.CryptographicParameters{HashingAlgorithm: kmip.Some(kmip.HashingAlgorithmSHA_256)},
		DerivationData: [][]byte{[]byte("context")}, Salt: kmip.Some([]byte("salt"))}
	derived, err := c.DeriveKey(ctx, &kmip.DeriveKeyRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifier: []string{base.UniqueIdentifier},
		DerivationMethod: kmip.DerivationMethodHMAC, DerivationParameters: kmip.NewRaw(func(b []byte) []byte { return params.AppendTTLV(b, v) }),
		Attributes: &kmip.Attributes{CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES), CryptographicLength: kmip.Some(int32(128))}})
	if err != nil {
		t.Errorf("DeriveKey: %v", err)
	} else if derived.UniqueIdentifier == "" {
		t.Error("DeriveKey: no Unique Identifier")
	}

	// A vendor operation through the raw call.
	_, err = c.Call(ctx, kmip.Operation(0x8000_0042), ttlv.Structure(ttlv.TagRequestPayload))
	if kind == serverKmipd {
		wantReason(t, "vendor operation", err, kmip.ResultReasonOperationNotSupported)
	} else {
		wantReason(t, "vendor operation (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	}

	// Revoke, then Destroy; Get then fails.
	if err := c.Revoke(ctx, &kmip.RevokeRequestPayload{UniqueIdentifier: uid,
		RevocationReason: &kmip.RevocationReason{RevocationReasonCode: kmip.RevocationReasonCodeCessationOfOperation}}); err != nil {
		t.Errorf("Revoke: %v", err)
	}
	if err := c.Destroy(ctx, id); err != nil {
		t.Errorf("Destroy: %v", err)
	}
	_, err = c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("no-such-object")})
	unknown := notFoundIn(v)
	if kind == serverPyKMIP { // PyKMIP answers Item Not Found in every version
		unknown = kmip.ResultReasonItemNotFound
	}
	wantReason(t, "Get of an unknown object", err, unknown)
}

// register is the Register request of a symmetric key of ours.
func register(key []byte, alg kmip.CryptographicAlgorithm, usage kmip.CryptographicUsageMask) *kmip.RegisterRequestPayload {
	return &kmip.RegisterRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: &kmip.Attributes{CryptographicUsageMask: kmip.Some(usage)}, SymmetricKey: kmipclient.SymmetricKey(alg, key)}
}

// contact reads the Contact Information of object id.
func contact(t *testing.T, c *kmipclient.Client, id string) (string, bool) {
	t.Helper()
	ga, err := c.GetAttributes(context.Background(), &kmip.GetAttributesRequestPayload{UniqueIdentifier: kmip.Some(id),
		AttributeReference: kmipclient.AttributeReferences(ttlv.TagContactInformation)})
	if err != nil {
		t.Errorf("GetAttributes: %v", err)
		return "", false
	}
	if ga.Attributes == nil {
		return "", false
	}
	return ga.Attributes.ContactInformation.Get()
}

// attributeOpsKmipd adds, modifies, sets and deletes a Contact Information.
func attributeOpsKmipd(t *testing.T, c *kmipclient.Client, id string) {
	ctx, v, uid := context.Background(), c.Version(), kmip.Some(id)
	contactIs := func(s string) *kmip.Attributes { return &kmip.Attributes{ContactInformation: kmip.Some(s)} }
	err := c.AddAttribute(ctx, &kmip.AddAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: contactIs("ops@example.com")})
	if err != nil {
		t.Errorf("AddAttribute: %v", err)
	}
	err = c.ModifyAttribute(ctx, &kmip.ModifyAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: contactIs("sec@example.com")})
	if err != nil {
		t.Errorf("ModifyAttribute: %v", err)
	}
	if s, _ := contact(t, c, id); s != "sec@example.com" {
		t.Errorf("Contact Information after Modify: %q", s)
	}
	err = c.SetAttribute(ctx, &kmip.SetAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: contactIs("set@example.com")})
	if v < kmipclient.V2_0 {
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("SetAttribute in %v: %v, want ErrVersion", v, err)
		}
	} else if err != nil {
		t.Errorf("SetAttribute: %v", err)
	} else if s, _ := contact(t, c, id); s != "set@example.com" {
		t.Errorf("Contact Information after Set: %q", s)
	}
	err = c.DeleteAttribute(ctx, &kmip.DeleteAttributeRequestPayload{UniqueIdentifier: uid,
		AttributeReference: kmipclient.AttributeReferences(ttlv.TagContactInformation)[0]})
	if err != nil {
		t.Errorf("DeleteAttribute: %v", err)
	}
	if s, ok := contact(t, c, id); ok {
		t.Errorf("Contact Information after Delete: %q", s)
	}
}

// attributeOpsPyKMIP renames the object, sets Sensitive (2.0) and deletes
// its Object Group, within what PyKMIP's server stores; it returns the new
// name. PyKMIP has no Add Attribute.
func attributeOpsPyKMIP(t *testing.T, c *kmipclient.Client, id, name string) string {
	ctx, v, uid := context.Background(), c.Version(), kmip.Some(id)
	err := c.AddAttribute(ctx, &kmip.AddAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: &kmip.Attributes{ObjectGroup: []string{"second"}}})
	wantReason(t, "AddAttribute (PyKMIP cannot parse its payload)", err, kmip.ResultReasonInvalidMessage)
	renamed := name + "-renamed"
	err = c.ModifyAttribute(ctx, &kmip.ModifyAttributeRequestPayload{UniqueIdentifier: uid,
		CurrentAttribute: named(&kmip.Attributes{}, name), NewAttribute: named(&kmip.Attributes{}, renamed)})
	if err != nil {
		t.Errorf("ModifyAttribute: %v", err)
	}
	all := &kmip.GetAttributesRequestPayload{UniqueIdentifier: uid}
	ga, err := c.GetAttributes(ctx, all)
	if err != nil {
		t.Errorf("GetAttributes after Modify: %v", err)
	} else if a := ga.Attributes; a == nil || len(a.Name) == 0 || a.Name[0].NameValue != renamed {
		t.Errorf("Name after Modify: %+v, want %q", a, renamed)
	}
	err = c.SetAttribute(ctx, &kmip.SetAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: &kmip.Attributes{Sensitive: kmip.Some(true)}})
	if v < kmipclient.V2_0 {
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("SetAttribute in %v: %v, want ErrVersion", v, err)
		}
	} else if err != nil {
		t.Errorf("SetAttribute: %v", err)
	}
	// PyKMIP reads no Attribute Reference Enumeration: by Current
	// Attribute (an Attribute Name in 1.x).
	del := &kmip.DeleteAttributeRequestPayload{UniqueIdentifier: uid, CurrentAttribute: &kmip.Attributes{ObjectGroup: []string{"kmipclient"}}}
	if err := c.DeleteAttribute(ctx, del); err != nil {
		t.Errorf("DeleteAttribute: %v", err)
	}
	ga, err = c.GetAttributes(ctx, all)
	if err != nil || (ga.Attributes != nil && len(ga.Attributes.ObjectGroup) != 0) {
		t.Errorf("GetAttributes after Delete: %v, %v", ga, err)
	}
	return renamed
}

func cbcEncrypt(t *testing.T, key, iv, plain []byte) []byte {
	t.Helper()
	b, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	n := 16 - len(plain)%16
	buf := append(append([]byte(nil), plain...), bytes.Repeat([]byte{byte(n)}, n)...)
	cipher.NewCBCEncrypter(b, iv).CryptBlocks(buf, buf)
	return buf
}

// hasRef reports whether refs holds an Attribute Reference to t.
func hasRef(refs []kmip.Raw, t ttlv.Tag) bool {
	for _, r := range refs {
		if x, ok := kmipclient.ReferenceTag(r); ok && x == t {
			return true
		}
	}
	return false
}

// TestVendorAttribute: a vendor attribute through Create, Add Attribute
// and Get Attributes, a custom attribute "x-name" in KMIP 1.4.
func TestVendorAttribute(t *testing.T) {
	cfg := startKmipd(t, kmipclient.Plain, kmipserver.EndpointConfig{})
	text := func(s string) kmip.Raw {
		return kmip.NewRaw(func(b []byte) []byte { return ttlv.AppendTextString(b, ttlv.TagAttributeValue, s) })
	}
	for _, v := range []kmipclient.Version{kmipclient.V1_4, kmipclient.V2_1} {
		cfg.Version = v
		c := dial(t, cfg)
		ctx := context.Background()
		attrs := kmipclient.AES(128)
		attrs.Attribute = []kmip.Attribute{{VendorIdentification: "x", AttributeName: "owner", AttributeValue: text("ops")}}
		key, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: attrs})
		if err != nil {
			t.Fatalf("%v: Create: %v", v, err)
		}
		uid := kmip.Some(key.UniqueIdentifier)
		err = c.AddAttribute(ctx, &kmip.AddAttributeRequestPayload{UniqueIdentifier: uid, NewAttribute: &kmip.Attributes{
			Attribute: []kmip.Attribute{{VendorIdentification: "x", AttributeName: "team", AttributeValue: text("blue")}}}})
		if err != nil {
			t.Fatalf("%v: AddAttribute: %v", v, err)
		}
		ga, err := c.GetAttributes(ctx, &kmip.GetAttributesRequestPayload{UniqueIdentifier: uid})
		if err != nil {
			t.Fatalf("%v: GetAttributes: %v", v, err)
		}
		got := map[string]string{}
		if ga.Attributes != nil {
			for _, a := range ga.Attributes.Attribute {
				_, s, _ := ttlv.ConsumeTextString(a.AttributeValue)
				got[a.VendorIdentification+"-"+a.AttributeName] = string(s)
			}
		}
		if got["x-owner"] != "ops" || got["x-team"] != "blue" {
			t.Errorf("%v: vendor attributes %v, want x-owner ops and x-team blue", v, got)
		}
	}
}

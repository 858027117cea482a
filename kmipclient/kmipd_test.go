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
	if !q.Supports(kmip.OperationCreate) || (kind == serverKmipd && len(q.ObjectTypes) == 0) {
		t.Errorf("Query: operations %v, object types %v", q.Operations, q.ObjectTypes)
	}
	vs, err := c.DiscoverVersions(ctx)
	if err != nil || len(vs) == 0 {
		t.Errorf("DiscoverVersions: %v %v", vs, err)
	}

	// Create, with a name to find it by and an Object Group.
	name := "kmipclient-" + v.String() + "-" + rand.Text()
	created, err := c.Create(ctx, &kmipclient.CreateRequest{ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: append(kmipclient.AES(256), kmipclient.Name(name), kmipclient.ObjectGroup("kmipclient"))})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := created.UniqueIdentifier
	if id == "" {
		t.Fatal("Create: no Unique Identifier")
	}

	names := []ttlv.Tag{ttlv.TagCryptographicAlgorithm, ttlv.TagCryptographicLength, ttlv.TagName}
	if kind == serverPyKMIP && v >= kmipclient.V2_0 {
		names = nil // PyKMIP reads no Attribute Reference Enumeration (README): ask for all
	}
	attrs, err := c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id, Names: names})
	if err != nil {
		t.Fatalf("GetAttributes: %v", err)
	}
	if a := attrs.Attributes.Get(ttlv.TagCryptographicLength); a == nil || a.Num != 256 {
		t.Errorf("GetAttributes: Cryptographic Length %v in %v", a, attrs.Attributes)
	}
	if a := attrs.Attributes.Get(ttlv.TagCryptographicAlgorithm); a == nil || a.Num != int64(kmip.CryptographicAlgorithmAES) {
		t.Errorf("GetAttributes: Cryptographic Algorithm %v", a)
	}
	if a := attrs.Attributes.Get(ttlv.TagName); a == nil || string(a.Child(ttlv.TagNameValue).Bytes) != name {
		t.Errorf("GetAttributes: Name %v, want %q", a, name)
	}
	list, err := c.GetAttributeList(ctx, id)
	if err != nil {
		t.Fatalf("GetAttributeList: %v", err)
	}
	if !hasTag(list.Names, ttlv.TagCryptographicAlgorithm) || !hasTag(list.Names, ttlv.TagObjectGroup) {
		t.Errorf("GetAttributeList: %v", list.Names)
	}

	if kind == serverKmipd {
		attributeOpsKmipd(t, c, id)
	} else {
		name = attributeOpsPyKMIP(t, c, id, name)
	}

	loc, err := c.Locate(ctx, &kmipclient.LocateRequest{Attributes: kmipclient.Attributes{kmipclient.Name(name)}})
	if err != nil {
		t.Fatalf("Locate: %v", err)
	}
	if len(loc.UniqueIdentifiers) != 1 || loc.UniqueIdentifiers[0] != id {
		t.Errorf("Locate by Name: %v, want [%s]", loc.UniqueIdentifiers, id)
	}

	if err := c.Activate(ctx, id); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	// Encrypt and Decrypt: AES-CBC with PKCS#5 padding, an IV of the
	// client's (every server here has it; GCM needs 1.4).
	cp := &kmipclient.CryptographicParameters{BlockCipherMode: kmip.BlockCipherModeCBC, PaddingMethod: kmip.PaddingMethodPKCS5,
		CryptographicAlgorithm: kmip.CryptographicAlgorithmAES}
	iv := bytes.Repeat([]byte{7}, 16)
	plain := []byte("attack at dawn, bring snacks")
	enc, err := c.Encrypt(ctx, &kmipclient.EncryptRequest{UniqueIdentifier: id, CryptographicParameters: cp, Data: plain, IVCounterNonce: iv})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	if k, err := c.Get(ctx, &kmipclient.GetRequest{UniqueIdentifier: id}); err != nil {
		t.Errorf("Get of the created key: %v", err)
	} else if want := cbcEncrypt(t, k.KeyMaterial(), iv, plain); !bytes.Equal(enc.Data, want) {
		t.Errorf("Encrypt = %x, want %x", enc.Data, want)
	}
	dec, err := c.Decrypt(ctx, &kmipclient.DecryptRequest{UniqueIdentifier: id, CryptographicParameters: cp, Data: enc.Data, IVCounterNonce: iv})
	if err != nil {
		t.Fatalf("Decrypt: %v", err)
	}
	if !bytes.Equal(dec.Data, plain) {
		t.Errorf("Decrypt = %q, want %q", dec.Data, plain)
	}

	// Register a key of ours and Get it back.
	key := bytes.Repeat([]byte{0x5A}, 16)
	reg, err := c.Register(ctx, &kmipclient.RegisterRequest{ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: kmipclient.Attributes{kmipclient.UsageMask(kmip.CryptographicUsageMaskEncrypt | kmip.CryptographicUsageMaskDecrypt)},
		Object:     kmipclient.SymmetricKey(kmip.CryptographicAlgorithmAES, key)})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	got, err := c.Get(ctx, &kmipclient.GetRequest{UniqueIdentifier: reg.UniqueIdentifier})
	if err != nil {
		t.Fatalf("Get: %v", err)
	}
	if got.ObjectType != kmip.ObjectTypeSymmetricKey || !bytes.Equal(got.KeyMaterial(), key) {
		t.Errorf("Get: %v %x, want the registered key %x", got.ObjectType, got.KeyMaterial(), key)
	}

	// MAC and MAC Verify with an HMAC-SHA256 key of ours, checked here.
	hkey := bytes.Repeat([]byte{0x33}, 32)
	mk, err := c.Register(ctx, &kmipclient.RegisterRequest{ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: kmipclient.Attributes{kmipclient.UsageMask(kmip.CryptographicUsageMaskMACGenerate | kmip.CryptographicUsageMaskMACVerify)},
		Object:     kmipclient.SymmetricKey(kmip.CryptographicAlgorithmHMAC_SHA256, hkey)})
	if err != nil {
		t.Fatalf("Register HMAC key: %v", err)
	}
	if err := c.Activate(ctx, mk.UniqueIdentifier); err != nil {
		t.Fatalf("Activate HMAC key: %v", err)
	}
	mcp := &kmipclient.CryptographicParameters{CryptographicAlgorithm: kmip.CryptographicAlgorithmHMAC_SHA256}
	mac, err := c.MAC(ctx, &kmipclient.MACRequest{UniqueIdentifier: mk.UniqueIdentifier, CryptographicParameters: mcp, Data: plain})
	if err != nil {
		t.Fatalf("MAC: %v", err)
	}
	hm := hmac.New(sha256.New, hkey)
	hm.Write(plain)
	if !bytes.Equal(mac.MACData, hm.Sum(nil)) {
		t.Errorf("MAC = %x, want %x", mac.MACData, hm.Sum(nil))
	}
	mv, err := c.MACVerify(ctx, &kmipclient.MACVerifyRequest{UniqueIdentifier: mk.UniqueIdentifier, CryptographicParameters: mcp, Data: plain, MACData: mac.MACData})
	switch {
	case kind == serverPyKMIP:
		wantReason(t, "MACVerify (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	case err != nil:
		t.Errorf("MACVerify: %v", err)
	case !mv.Valid():
		t.Errorf("MACVerify: %v", mv.ValidityIndicator)
	}

	// Create Key Pair, Sign and Signature Verify: RSA-2048, PKCS#1 v1.5 with SHA-256.
	kp, err := c.CreateKeyPair(ctx, &kmipclient.CreateKeyPairRequest{
		CommonAttributes:     kmipclient.Attributes{kmipclient.Algorithm(kmip.CryptographicAlgorithmRSA), kmipclient.Length(2048)},
		PrivateKeyAttributes: kmipclient.Attributes{kmipclient.UsageMask(kmip.CryptographicUsageMaskSign)},
		PublicKeyAttributes:  kmipclient.Attributes{kmipclient.UsageMask(kmip.CryptographicUsageMaskVerify)}})
	if err != nil {
		t.Fatalf("CreateKeyPair: %v", err)
	}
	for _, k := range []string{kp.PrivateKeyUniqueIdentifier, kp.PublicKeyUniqueIdentifier} {
		if err := c.Activate(ctx, k); err != nil {
			t.Fatalf("Activate %s: %v", k, err)
		}
	}
	scp := &kmipclient.CryptographicParameters{PaddingMethod: kmip.PaddingMethodPKCS1V1_5, HashingAlgorithm: kmip.HashingAlgorithmSHA_256,
		CryptographicAlgorithm: kmip.CryptographicAlgorithmRSA}
	if kind == serverKmipd || v >= kmipclient.V1_2 {
		scp.DigitalSignatureAlgorithm = kmip.DigitalSignatureAlgorithmSHA_256WithRSAEncryption
	}
	sig, err := c.Sign(ctx, &kmipclient.SignRequest{UniqueIdentifier: kp.PrivateKeyUniqueIdentifier, CryptographicParameters: scp, Data: plain})
	if err != nil {
		t.Fatalf("Sign: %v", err)
	}
	sv, err := c.SignatureVerify(ctx, &kmipclient.SignatureVerifyRequest{UniqueIdentifier: kp.PublicKeyUniqueIdentifier,
		CryptographicParameters: scp, Data: plain, SignatureData: sig.SignatureData})
	if err != nil {
		t.Errorf("SignatureVerify: %v", err)
	} else if !sv.Valid() {
		t.Errorf("SignatureVerify: %v", sv.ValidityIndicator)
	}

	// Hash and RNG Retrieve (KMIP 1.2+).
	h, err := c.Hash(ctx, &kmipclient.HashRequest{CryptographicParameters: kmipclient.CryptographicParameters{HashingAlgorithm: kmip.HashingAlgorithmSHA_256}, Data: []byte("abc")})
	switch {
	case v < kmipclient.V1_2:
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("Hash in %v: %v, want ErrVersion", v, err)
		}
	case kind == serverPyKMIP:
		wantReason(t, "Hash (PyKMIP cannot parse it)", err, kmip.ResultReasonInvalidMessage)
	case err != nil:
		t.Errorf("Hash: %v", err)
	case len(h.Data) != 32 || h.Data[0] != 0xba:
		t.Errorf("Hash(abc) = %x", h.Data)
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
	rk, err := c.ReKey(ctx, &kmipclient.ReKeyRequest{UniqueIdentifier: id})
	switch {
	case kind == serverPyKMIP:
		wantReason(t, "ReKey (PyKMIP does not implement it)", err, kmip.ResultReasonOperationNotSupported)
	case err != nil:
		t.Errorf("ReKey: %v", err)
	case rk.UniqueIdentifier == "" || rk.UniqueIdentifier == id:
		t.Errorf("ReKey: new key %q, old %q", rk.UniqueIdentifier, id)
	}
	// Derive Key (HMAC) from a key registered for it.
	base, err := c.Register(ctx, &kmipclient.RegisterRequest{ObjectType: kmip.ObjectTypeSymmetricKey,
		Attributes: kmipclient.Attributes{kmipclient.UsageMask(kmip.CryptographicUsageMaskDeriveKey)},
		Object:     kmipclient.SymmetricKey(kmip.CryptographicAlgorithmHMAC_SHA256, hkey)})
	if err != nil {
		t.Fatalf("Register a derivation key: %v", err)
	}
	if err := c.Activate(ctx, base.UniqueIdentifier); err != nil {
		t.Fatalf("Activate the derivation key: %v", err)
	}
	derived, err := c.DeriveKey(ctx, &kmipclient.DeriveKeyRequest{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifiers: []string{base.UniqueIdentifier},
		Method: kmip.DerivationMethodHMAC, Parameters: kmipclient.DerivationParameters{
			CryptographicParameters: &kmipclient.CryptographicParameters{HashingAlgorithm: kmip.HashingAlgorithmSHA_256},
			DerivationData:          []byte("context"), Salt: []byte("salt")},
		Attributes: kmipclient.Attributes{kmipclient.Algorithm(kmip.CryptographicAlgorithmAES), kmipclient.Length(128)}})
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
	if err := c.Revoke(ctx, &kmipclient.RevokeRequest{UniqueIdentifier: id, Reason: kmip.RevocationReasonCodeCessationOfOperation}); err != nil {
		t.Errorf("Revoke: %v", err)
	}
	if err := c.Destroy(ctx, id); err != nil {
		t.Errorf("Destroy: %v", err)
	}
	_, err = c.Get(ctx, &kmipclient.GetRequest{UniqueIdentifier: "no-such-object"})
	wantReason(t, "Get of an unknown object", err, kmip.ResultReasonItemNotFound)
}

// attributeOpsKmipd adds, modifies, sets and deletes a Contact Information.
func attributeOpsKmipd(t *testing.T, c *kmipclient.Client, id string) {
	ctx, v := context.Background(), c.Version()
	err := c.AddAttribute(ctx, id, ttlv.TextString(ttlv.TagContactInformation, "ops@example.com"))
	if err != nil {
		t.Errorf("AddAttribute: %v", err)
	}
	err = c.ModifyAttribute(ctx, &kmipclient.ModifyAttributeRequest{UniqueIdentifier: id,
		Attribute: ttlv.TextString(ttlv.TagContactInformation, "sec@example.com")})
	if err != nil {
		t.Errorf("ModifyAttribute: %v", err)
	}
	ga, err := c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id, Names: []ttlv.Tag{ttlv.TagContactInformation}})
	if err != nil {
		t.Errorf("GetAttributes after Modify: %v", err)
	} else if a := ga.Attributes.Get(ttlv.TagContactInformation); a == nil || string(a.Bytes) != "sec@example.com" {
		t.Errorf("Contact Information after Modify: %v", a)
	}
	err = c.SetAttribute(ctx, id, ttlv.TextString(ttlv.TagContactInformation, "set@example.com"))
	if v < kmipclient.V2_0 {
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("SetAttribute in %v: %v, want ErrVersion", v, err)
		}
	} else if err != nil {
		t.Errorf("SetAttribute: %v", err)
	} else if ga, err := c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id, Names: []ttlv.Tag{ttlv.TagContactInformation}}); err != nil {
		t.Errorf("GetAttributes after Set: %v", err)
	} else if a := ga.Attributes.Get(ttlv.TagContactInformation); a == nil || string(a.Bytes) != "set@example.com" {
		t.Errorf("Contact Information after Set: %v", a)
	}
	err = c.DeleteAttribute(ctx, &kmipclient.DeleteAttributeRequest{UniqueIdentifier: id, Name: ttlv.TagContactInformation})
	if err != nil {
		t.Errorf("DeleteAttribute: %v", err)
	}
	ga, err = c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id, Names: []ttlv.Tag{ttlv.TagContactInformation}})
	if err != nil || ga.Attributes.Get(ttlv.TagContactInformation) != nil {
		t.Errorf("GetAttributes after Delete: %v, %v", ga, err)
	}
}

// attributeOpsPyKMIP renames the object, sets Sensitive (2.0) and deletes
// its Object Group, within what PyKMIP's server stores; it returns the new
// name. PyKMIP has no Add Attribute.
func attributeOpsPyKMIP(t *testing.T, c *kmipclient.Client, id, name string) string {
	ctx, v := context.Background(), c.Version()
	err := c.AddAttribute(ctx, id, kmipclient.ObjectGroup("second"))
	wantReason(t, "AddAttribute (PyKMIP cannot parse its payload)", err, kmip.ResultReasonInvalidMessage)
	renamed := name + "-renamed"
	cur := kmipclient.Name(name)
	err = c.ModifyAttribute(ctx, &kmipclient.ModifyAttributeRequest{UniqueIdentifier: id, Current: &cur, Attribute: kmipclient.Name(renamed)})
	if err != nil {
		t.Errorf("ModifyAttribute: %v", err)
	}
	ga, err := c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id})
	if err != nil {
		t.Errorf("GetAttributes after Modify: %v", err)
	} else if a := ga.Attributes.Get(ttlv.TagName); a == nil || string(a.Child(ttlv.TagNameValue).Bytes) != renamed {
		t.Errorf("Name after Modify: %v, want %q", a, renamed)
	}
	err = c.SetAttribute(ctx, id, ttlv.Boolean(ttlv.TagSensitive, true))
	if v < kmipclient.V2_0 {
		if !errors.Is(err, kmipclient.ErrVersion) {
			t.Errorf("SetAttribute in %v: %v, want ErrVersion", v, err)
		}
	} else if err != nil {
		t.Errorf("SetAttribute: %v", err)
	}
	group := kmipclient.ObjectGroup("kmipclient")
	del := &kmipclient.DeleteAttributeRequest{UniqueIdentifier: id, Name: ttlv.TagObjectGroup}
	if v >= kmipclient.V2_0 {
		del.Attribute = &group // PyKMIP reads no Attribute Reference Enumeration
	}
	if err := c.DeleteAttribute(ctx, del); err != nil {
		t.Errorf("DeleteAttribute: %v", err)
	}
	ga, err = c.GetAttributes(ctx, &kmipclient.GetAttributesRequest{UniqueIdentifier: id})
	if err != nil || ga.Attributes.Get(ttlv.TagObjectGroup) != nil {
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

func hasTag(tags []ttlv.Tag, t ttlv.Tag) bool {
	for _, x := range tags {
		if x == t {
			return true
		}
	}
	return false
}

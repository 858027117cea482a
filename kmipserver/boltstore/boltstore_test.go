package boltstore_test

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/boltstore"
	"github.com/kmipwire/kmipwire/ttlv"
)

type v = ttlv.Value

// Operation, object type and algorithm values (KMIP 2.1 §11).
const (
	opCreate        = 0x01
	opCreateKeyPair = 0x02
	opRegister      = 0x03
	opLocate        = 0x08
	opGet           = 0x0A
	opGetAttributes = 0x0B
	opAddAttribute  = 0x0D
	opActivate      = 0x12
	opRevoke        = 0x13
	opDestroy       = 0x14
	opEncrypt       = 0x1F
	opDecrypt       = 0x20
	opSign          = 0x21
	opSigVerify     = 0x22

	objSymmetricKey = 0x02
	objSecretData   = 0x07
	algAES          = 0x03
	algRSA          = 0x04
	algECDSA        = 0x06
	contUndo        = 0x03
)

func st(t ttlv.Tag, ch ...v) v { return ttlv.Structure(t, ch...) }
func uid(id string) v          { return ttlv.TextString(ttlv.TagUniqueIdentifier, id) }
func payload(ch ...v) v        { return st(ttlv.TagRequestPayload, ch...) }
func item(op uint32, ch ...v) v {
	return st(ttlv.TagBatchItem, append([]v{ttlv.Enumeration(ttlv.TagOperation, op)}, ch...)...)
}
func enum(t ttlv.Tag, x uint32) v { return ttlv.Enumeration(t, x) }

// request is a KMIP 2.1 RequestMessage; cont is the Batch Error
// Continuation Option, 0 for the default.
func request(cont uint32, items ...v) []byte {
	h := st(ttlv.TagRequestHeader, st(ttlv.TagProtocolVersion,
		ttlv.Integer(ttlv.TagProtocolVersionMajor, 2), ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)))
	if cont != 0 {
		h.Children = append(h.Children, enum(ttlv.TagBatchErrorContinuationOption, cont))
	}
	h.Children = append(h.Children, ttlv.Integer(ttlv.TagBatchCount, int32(len(items))))
	m := st(ttlv.TagRequestMessage, append([]v{h}, items...)...)
	return ttlv.Marshal(&m)
}

// do sends the items as one message and returns the response's items.
func do(t *testing.T, s *kmipserver.Server, cont uint32, items ...v) []v {
	t.Helper()
	var m v
	if err := ttlv.Unmarshal(s.ServeTTLV(context.Background(), nil, request(cont, items...)), &m); err != nil {
		t.Fatal(err)
	}
	var out []v
	for _, ch := range m.Children {
		if ch.Tag == ttlv.TagBatchItem {
			out = append(out, ch)
		}
	}
	return out
}

// ok fails the test unless the item succeeded, and returns its payload.
func ok(t *testing.T, it v) *v {
	t.Helper()
	if s := it.Child(ttlv.TagResultStatus); s == nil || s.Num != 0 {
		t.Fatalf("item failed: %v", &it)
	}
	return it.Child(ttlv.TagResponsePayload)
}

func idOf(p *v) string { return p.Child(ttlv.TagUniqueIdentifier).Text() }

func open(t *testing.T, dir string) *kmipserver.Server {
	t.Helper()
	st, err := boltstore.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	s, err := kmipserver.Open(kmipserver.Config{}, st)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func aesCreate(usage int32) v {
	return item(opCreate, payload(enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes,
		enum(ttlv.TagCryptographicAlgorithm, algAES), ttlv.Integer(ttlv.TagCryptographicLength, 256),
		ttlv.Integer(ttlv.TagCryptographicUsageMask, usage))))
}

// Everything a client can see of the objects — Get, Get Attributes,
// Locate, the key working for Decrypt and Signature Verify — is the same
// after the server is closed and opened again on the same directory.
func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	aes := idOf(ok(t, do(t, s, 0, aesCreate(0x04|0x08))[0]))
	pair := ok(t, do(t, s, 0, item(opCreateKeyPair, payload(st(ttlv.TagCommonAttributes,
		enum(ttlv.TagCryptographicAlgorithm, algECDSA), ttlv.Integer(ttlv.TagCryptographicLength, 256)),
		st(ttlv.TagPrivateKeyAttributes, ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x01)),
		st(ttlv.TagPublicKeyAttributes, ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x02)))))[0])
	priv := pair.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
	pub := pair.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	secret := idOf(ok(t, do(t, s, 0, item(opRegister, payload(enum(ttlv.TagObjectType, objSecretData),
		st(ttlv.TagAttributes), st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, 0x01),
			st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, 0x02),
				st(ttlv.TagKeyValue, ttlv.ByteString(ttlv.TagKeyMaterial, []byte("a registered secret"))))))))[0]))
	doomed := idOf(ok(t, do(t, s, 0, aesCreate(0x04))[0]))
	// Get first: a Get stores the object (its Fresh turns false), which
	// would hide a change below that was not stored.
	for _, id := range []string{aes, priv, pub, doomed} {
		ok(t, do(t, s, 0, item(opGet, payload(uid(id))))[0])
	}
	for _, id := range []string{aes, priv, pub} {
		ok(t, do(t, s, 0, item(opActivate, payload(uid(id))))[0])
	}
	ok(t, do(t, s, 0, item(opAddAttribute, payload(uid(aes), st(ttlv.TagNewAttribute,
		ttlv.TextString(ttlv.TagObjectGroup, "payments")))))[0])
	ok(t, do(t, s, 0, item(opDestroy, payload(uid(doomed))))[0])
	ok(t, do(t, s, 0, item(opGet, payload(uid(secret))))[0]) // Fresh turns false
	data := []byte("sixteen byte msg")
	enc := ok(t, do(t, s, 0, item(opEncrypt, payload(uid(aes), ttlv.ByteString(ttlv.TagData, data))))[0])
	sig := ok(t, do(t, s, 0, item(opSign, payload(uid(priv), st(ttlv.TagCryptographicParameters,
		enum(ttlv.TagDigitalSignatureAlgorithm, 0x0E)), // ECDSA with SHA-256
		ttlv.ByteString(ttlv.TagData, data))))[0]).Child(ttlv.TagSignatureData).Bytes

	view := func(s *kmipserver.Server) map[string][]byte {
		out := map[string][]byte{}
		for _, id := range []string{aes, priv, pub, secret, doomed} {
			out["get "+id] = ttlv.Marshal(&do(t, s, 0, item(opGet, payload(uid(id))))[0])
			out["attrs "+id] = ttlv.Marshal(&do(t, s, 0, item(opGetAttributes, payload(uid(id))))[0])
		}
		out["locate"] = ttlv.Marshal(&do(t, s, 0, item(opLocate, payload()))[0])
		return out
	}
	before := view(s)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = open(t, dir)
	defer s.Close()
	after := view(s)
	for k, b := range before {
		if !bytes.Equal(b, after[k]) {
			t.Errorf("%s differs after reopening:\nbefore %x\nafter  %x", k, b, after[k])
		}
	}
	p := ok(t, do(t, s, 0, item(opDecrypt, payload(uid(aes), ttlv.ByteString(ttlv.TagData, enc.Child(ttlv.TagData).Bytes),
		ttlv.ByteString(ttlv.TagIVCounterNonce, enc.Child(ttlv.TagIVCounterNonce).Bytes),
		ttlv.ByteString(ttlv.TagAuthenticatedEncryptionTag, enc.Child(ttlv.TagAuthenticatedEncryptionTag).Bytes))))[0])
	if got := p.Child(ttlv.TagData).Bytes; !bytes.Equal(got, data) {
		t.Errorf("Decrypt after reopening: %q, want %q", got, data)
	}
	vr := ok(t, do(t, s, 0, item(opSigVerify, payload(uid(pub), st(ttlv.TagCryptographicParameters,
		enum(ttlv.TagDigitalSignatureAlgorithm, 0x0E)),
		ttlv.ByteString(ttlv.TagData, data), ttlv.ByteString(ttlv.TagSignatureData, sig))))[0])
	if vi := vr.Child(ttlv.TagValidityIndicator); vi == nil || vi.Num != 0x01 {
		t.Errorf("Signature Verify after reopening: %v, want Valid", vi)
	}
}

// A bulk-mode Undo reverts the durable store as it reverts memory: the key
// the first item created is gone after reopening, the Activate of an
// existing key is reverted.
func TestUndoIsDurable(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	old := idOf(ok(t, do(t, s, 0, aesCreate(0x04))[0]))
	items := do(t, s, contUndo, aesCreate(0x04), item(opActivate, payload(uid(old))),
		item(opGet, payload(uid("no-such-object"))))
	if len(items) != 3 {
		t.Fatalf("%d items in the answer", len(items))
	}
	// The undone Create keeps its response (KMIP 2.1 Table 434): the
	// identifier of the key that is gone.
	created := items[0].Child(ttlv.TagResponsePayload)
	if created == nil || idOf(created) == "" || idOf(created) == old {
		t.Fatalf("the undone Create answered %v, want its response", created)
	}
	if r := do(t, s, 0, item(opGet, payload(uid(idOf(created))))); r[0].Child(ttlv.TagResultStatus).Num == 0 {
		t.Errorf("the undone Create's key %s is still there", idOf(created))
	}
	before := do(t, s, 0, item(opLocate, payload()))
	s.Close()
	s = open(t, dir)
	defer s.Close()
	after := do(t, s, 0, item(opLocate, payload()))
	for _, r := range [][]v{before, after} {
		var ids []string
		for _, ch := range ok(t, r[0]).Children {
			if ch.Tag == ttlv.TagUniqueIdentifier {
				ids = append(ids, ch.Text())
			}
		}
		if len(ids) != 1 || ids[0] != old {
			t.Errorf("objects located: %q, want only %s", ids, old)
		}
	}
	attrs := ok(t, do(t, s, 0, item(opGetAttributes, payload(uid(old))))[0])
	if a := attrs.Child(ttlv.TagAttributes); a == nil || a.Child(ttlv.TagState) == nil || a.Child(ttlv.TagState).Num != 1 {
		t.Errorf("State of the key whose Activate was undone: %v, want Pre-Active", attrs)
	}
}

// Concurrent creators: every answered Create is there after reopening.
func TestConcurrentCommits(t *testing.T) {
	dir := t.TempDir()
	s := open(t, dir)
	const workers, each = 8, 25
	ids := make([][]string, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				its := do(t, s, 0, aesCreate(0x04))
				if st := its[0].Child(ttlv.TagResultStatus); st != nil && st.Num == 0 {
					ids[w] = append(ids[w], idOf(its[0].Child(ttlv.TagResponsePayload)))
				}
			}
		}()
	}
	wg.Wait()
	s.Close()
	s = open(t, dir)
	defer s.Close()
	n := 0
	for _, list := range ids {
		for _, id := range list {
			n++
			ok(t, do(t, s, 0, item(opGet, payload(uid(id))))[0])
		}
	}
	if n != workers*each {
		t.Errorf("%d Creates answered, want %d", n, workers*each)
	}
}

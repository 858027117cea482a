package ovh

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	ovh "github.com/ovh/kmip-go"
	"github.com/ovh/kmip-go/kmipserver"
	"github.com/ovh/kmip-go/kmiptest"
	"github.com/ovh/kmip-go/payloads"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/ttlv"
)

// store is the test's key store behind ovh's batch executor: symmetric
// keys with a name and a state.
type store struct {
	mu   sync.Mutex
	next int
	objs map[string]*object
}

type object struct {
	key    []byte
	alg    ovh.CryptographicAlgorithm
	name   string
	state  ovh.State
	gone   bool
	length int32
}

func (s *store) add(o *object) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.next++
	id := strconv.Itoa(s.next)
	s.objs[id] = o
	return id
}

func (s *store) get(ctx context.Context, id string) (string, *object, error) {
	id, err := kmipserver.GetIdOrPlaceholder(ctx, id)
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	o, ok := s.objs[id]
	if !ok || o.gone {
		return "", nil, kmipserver.ErrItemNotFound
	}
	return id, o, nil
}

// attrs reads the attributes the store keeps from a 1.x attribute list.
func attrs(o *object, list []ovh.Attribute) {
	for _, a := range list {
		switch a.AttributeName {
		case ovh.AttributeNameCryptographicAlgorithm:
			o.alg, _ = a.AttributeValue.(ovh.CryptographicAlgorithm)
		case ovh.AttributeNameCryptographicLength:
			o.length, _ = a.AttributeValue.(int32)
		case ovh.AttributeNameName:
			if n, ok := a.AttributeValue.(ovh.Name); ok {
				o.name = n.NameValue
			}
		}
	}
}

func newOVHServer(t *testing.T) (addr, caFile string) {
	s := &store{objs: map[string]*object{}}
	exec := kmipserver.NewBatchExecutor()
	exec.Route(ovh.OperationCreate, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.CreateRequestPayload) (*payloads.CreateResponsePayload, error) {
		o := &object{state: ovh.StatePreActive}
		attrs(o, req.TemplateAttribute.Attribute)
		if o.alg != ovh.CryptographicAlgorithmAES || (o.length != 128 && o.length != 256) {
			return nil, kmipserver.Errorf(ovh.ResultReasonInvalidField, "AES-128 or AES-256 only")
		}
		o.key = make([]byte, o.length/8)
		rand.Read(o.key)
		id := s.add(o)
		kmipserver.SetIdPlaceholder(ctx, id)
		return &payloads.CreateResponsePayload{ObjectType: req.ObjectType, UniqueIdentifier: id}, nil
	}))
	exec.Route(ovh.OperationRegister, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.RegisterRequestPayload) (*payloads.RegisterResponsePayload, error) {
		sk, ok := req.Object.(*ovh.SymmetricKey)
		if !ok {
			return nil, kmipserver.Errorf(ovh.ResultReasonInvalidField, "symmetric keys only")
		}
		key, err := sk.KeyBlock.GetBytes()
		if err != nil {
			return nil, kmipserver.Errorf(ovh.ResultReasonInvalidField, "%v", err)
		}
		o := &object{key: key, alg: sk.KeyBlock.CryptographicAlgorithm, length: sk.KeyBlock.CryptographicLength, state: ovh.StatePreActive}
		attrs(o, req.TemplateAttribute.Attribute)
		id := s.add(o)
		kmipserver.SetIdPlaceholder(ctx, id)
		return &payloads.RegisterResponsePayload{UniqueIdentifier: id}, nil
	}))
	exec.Route(ovh.OperationActivate, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.ActivateRequestPayload) (*payloads.ActivateResponsePayload, error) {
		id, o, err := s.get(ctx, req.UniqueIdentifier)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if o.state != ovh.StatePreActive {
			return nil, kmipserver.Errorf(ovh.ResultReasonPermissionDenied, "not Pre-Active")
		}
		o.state = ovh.StateActive
		return &payloads.ActivateResponsePayload{UniqueIdentifier: id}, nil
	}))
	exec.Route(ovh.OperationDestroy, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.DestroyRequestPayload) (*payloads.DestroyResponsePayload, error) {
		id, o, err := s.get(ctx, req.UniqueIdentifier)
		if err != nil {
			return nil, err
		}
		s.mu.Lock()
		o.gone = true
		s.mu.Unlock()
		return &payloads.DestroyResponsePayload{UniqueIdentifier: id}, nil
	}))
	exec.Route(ovh.OperationGet, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.GetRequestPayload) (*payloads.GetResponsePayload, error) {
		id, o, err := s.get(ctx, req.UniqueIdentifier)
		if err != nil {
			return nil, err
		}
		key := o.key
		return &payloads.GetResponsePayload{ObjectType: ovh.ObjectTypeSymmetricKey, UniqueIdentifier: id,
			Object: &ovh.SymmetricKey{KeyBlock: ovh.KeyBlock{KeyFormatType: ovh.KeyFormatTypeRaw,
				KeyValue:               &ovh.KeyValue{Plain: &ovh.PlainKeyValue{KeyMaterial: ovh.KeyMaterial{Bytes: &key}}},
				CryptographicAlgorithm: o.alg, CryptographicLength: o.length}}}, nil
	}))
	exec.Route(ovh.OperationGetAttributes, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.GetAttributesRequestPayload) (*payloads.GetAttributesResponsePayload, error) {
		id, o, err := s.get(ctx, req.UniqueIdentifier)
		if err != nil {
			return nil, err
		}
		all := []ovh.Attribute{
			{AttributeName: ovh.AttributeNameCryptographicAlgorithm, AttributeValue: o.alg},
			{AttributeName: ovh.AttributeNameCryptographicLength, AttributeValue: o.length},
			{AttributeName: ovh.AttributeNameState, AttributeValue: o.state},
		}
		if o.name != "" {
			all = append(all, ovh.Attribute{AttributeName: ovh.AttributeNameName, AttributeValue: ovh.Name{NameValue: o.name, NameType: ovh.NameTypeUninterpretedTextString}})
		}
		resp := &payloads.GetAttributesResponsePayload{UniqueIdentifier: id}
		for _, a := range all {
			for _, n := range req.AttributeName {
				if n == a.AttributeName {
					resp.Attribute = append(resp.Attribute, a)
				}
			}
			if len(req.AttributeName) == 0 {
				resp.Attribute = append(resp.Attribute, a)
			}
		}
		return resp, nil
	}))
	exec.Route(ovh.OperationLocate, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.LocateRequestPayload) (*payloads.LocateResponsePayload, error) {
		var name string
		for _, a := range req.Attribute {
			if n, ok := a.AttributeValue.(ovh.Name); ok && a.AttributeName == ovh.AttributeNameName {
				name = n.NameValue
			}
		}
		resp := &payloads.LocateResponsePayload{}
		s.mu.Lock()
		defer s.mu.Unlock()
		for id, o := range s.objs {
			if !o.gone && (name == "" || o.name == name) {
				resp.UniqueIdentifier = append(resp.UniqueIdentifier, id)
			}
		}
		return resp, nil
	}))
	gcmOf := func(ctx context.Context, id string, cp *ovh.CryptographicParameters) (string, cipher.AEAD, error) {
		id, o, err := s.get(ctx, id)
		if err != nil {
			return "", nil, err
		}
		if o.state != ovh.StateActive {
			return "", nil, kmipserver.Errorf(ovh.ResultReasonPermissionDenied, "not Active")
		}
		if cp == nil || cp.BlockCipherMode != ovh.BlockCipherModeGCM {
			return "", nil, kmipserver.Errorf(ovh.ResultReasonInvalidField, "AES-GCM only")
		}
		b, _ := aes.NewCipher(o.key)
		g, _ := cipher.NewGCM(b)
		return id, g, nil
	}
	exec.Route(ovh.OperationEncrypt, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.EncryptRequestPayload) (*payloads.EncryptResponsePayload, error) {
		id, g, err := gcmOf(ctx, req.UniqueIdentifier, req.CryptographicParameters)
		if err != nil {
			return nil, err
		}
		iv := req.IVCounterNonce
		if iv == nil {
			iv = make([]byte, g.NonceSize())
			rand.Read(iv)
		}
		sealed := g.Seal(nil, iv, req.Data, req.AuthenticatedEncryptionAdditionalData)
		n := len(sealed) - g.Overhead()
		return &payloads.EncryptResponsePayload{UniqueIdentifier: id, Data: sealed[:n], IVCounterNonce: iv, AuthenticatedEncryptionTag: sealed[n:]}, nil
	}))
	exec.Route(ovh.OperationDecrypt, kmipserver.HandleFunc(func(ctx context.Context, req *payloads.DecryptRequestPayload) (*payloads.DecryptResponsePayload, error) {
		id, g, err := gcmOf(ctx, req.UniqueIdentifier, req.CryptographicParameters)
		if err != nil {
			return nil, err
		}
		plain, err := g.Open(nil, req.IVCounterNonce, append(append([]byte(nil), req.Data...), req.AuthenticatedEncryptionTag...), req.AuthenticatedEncryptionAdditionalData)
		if err != nil {
			return nil, kmipserver.Errorf(ovh.ResultReasonCryptographicFailure, "authentication failed")
		}
		return &payloads.DecryptResponsePayload{UniqueIdentifier: id, Data: plain}, nil
	}))
	addr, ca := kmiptest.NewServer(t, exec)
	caFile = filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(ca), 0o600); err != nil {
		t.Fatal(err)
	}
	return addr, caFile
}

// TestOVHServer: kmipclient against ovh/kmip-go's kmipserver over TLS —
// version negotiation, every operation routed, bulk mode with ID
// placeholders, failures as typed errors.
func TestOVHServer(t *testing.T) {
	addr, caFile := newOVHServer(t)
	ctx := context.Background()
	c, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: addr, CAFile: caFile})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Version() != kmipclient.V1_4 {
		t.Errorf("negotiated %v with ovh's server, want 1.4 (its newest)", c.Version())
	}

	attrs := kmipclient.AES(256)
	attrs.Name = []kmip.Name{kmipclient.Name("ovh-key")}
	created, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: attrs})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	id := created.UniqueIdentifier
	uid := kmip.Some(id)
	ga, err := c.GetAttributes(ctx, &kmip.GetAttributesRequestPayload{UniqueIdentifier: uid,
		AttributeReference: kmipclient.AttributeReferences(ttlv.TagCryptographicLength, ttlv.TagName, ttlv.TagState)})
	if err != nil {
		t.Fatalf("GetAttributes: %v", err)
	}
	if a := ga.Attributes; a == nil {
		t.Error("GetAttributes: no attributes")
	} else {
		if a.CryptographicLength.Value != 256 {
			t.Errorf("Cryptographic Length %v", a.CryptographicLength)
		}
		if len(a.Name) != 1 || a.Name[0].NameValue != "ovh-key" {
			t.Errorf("Name %v", a.Name)
		}
		if a.State.Value != kmip.StatePreActive {
			t.Errorf("State %v", a.State)
		}
	}
	loc, err := c.Locate(ctx, &kmip.LocateRequestPayload{Attributes: &kmip.Attributes{Name: []kmip.Name{kmipclient.Name("ovh-key")}}})
	if err != nil || len(loc.UniqueIdentifier) != 1 || loc.UniqueIdentifier[0] != id {
		t.Errorf("Locate: %v, %v", loc, err)
	}
	if err := c.Activate(ctx, id); err != nil {
		t.Fatalf("Activate: %v", err)
	}
	gcm := &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeGCM), TagLength: kmip.Some(int32(16))}
	enc, err := c.Encrypt(ctx, &kmip.EncryptRequestPayload{UniqueIdentifier: uid, CryptographicParameters: gcm,
		Data: kmip.Some([]byte("to ovh and back")), AuthenticatedEncryptionAdditionalData: kmip.Some([]byte("aad"))})
	if err != nil {
		t.Fatalf("Encrypt: %v", err)
	}
	decrypt := func(aad string) (*kmip.DecryptResponsePayload, error) {
		return c.Decrypt(ctx, &kmip.DecryptRequestPayload{UniqueIdentifier: uid, CryptographicParameters: gcm,
			Data: enc.Data, IVCounterNonce: enc.IVCounterNonce, AuthenticatedEncryptionTag: enc.AuthenticatedEncryptionTag,
			AuthenticatedEncryptionAdditionalData: kmip.Some([]byte(aad))})
	}
	dec, err := decrypt("aad")
	if err != nil {
		t.Errorf("Decrypt: %v", err)
	} else if string(dec.Data.Value) != "to ovh and back" {
		t.Errorf("Decrypt = %q", dec.Data.Value)
	}
	_, err = decrypt("other")
	if kmipclient.ReasonOf(err) != kmip.ResultReasonCryptographicFailure {
		t.Errorf("Decrypt with the wrong AAD: %v, want Cryptographic Failure", err)
	}

	key := bytes.Repeat([]byte{0xA5}, 16)
	reg, err := c.Register(ctx, &kmip.RegisterRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey,
		SymmetricKey: kmipclient.SymmetricKey(kmip.CryptographicAlgorithmAES, key)})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	got, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(reg.UniqueIdentifier)})
	if err != nil || !bytes.Equal(kmipclient.KeyMaterial(got), key) {
		t.Errorf("Get of the registered key: %v, %v", got, err)
	}

	// Bulk mode: Create, Activate and Get on the ID Placeholder.
	var bc kmipclient.Result[kmip.CreateResponsePayload]
	var bg kmipclient.Result[kmip.GetResponsePayload]
	b := c.NewBatch(kmip.BatchErrorContinuationOptionStop)
	b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &bc)
	b.Add(&kmip.ActivateRequestPayload{}, nil)
	b.Add(&kmip.GetRequestPayload{}, &bg)
	if err := b.Exec(ctx); err != nil {
		t.Fatalf("batch: %v", err)
	}
	if bg.Payload.UniqueIdentifier != bc.Payload.UniqueIdentifier || len(kmipclient.KeyMaterial(&bg.Payload)) != 16 {
		t.Errorf("batch: created %q, got %q with %d key bytes", bc.Payload.UniqueIdentifier, bg.Payload.UniqueIdentifier, len(kmipclient.KeyMaterial(&bg.Payload)))
	}

	// Continue runs every item. Stop: ovh answers the items after the
	// failure with Operation Canceled By Requester, where the
	// specification has them unanswered (README).
	b = c.NewBatch(kmip.BatchErrorContinuationOptionContinue)
	b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some("missing")}, nil)
	b.Add(&kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}, nil)
	b.Exec(ctx)
	if kmipclient.ReasonOf(b.Err(0)) != kmip.ResultReasonItemNotFound || b.Err(1) != nil {
		t.Errorf("Continue: item errors %v / %v, want Item Not Found / none", b.Err(0), b.Err(1))
	}
	b.Continuation = kmip.BatchErrorContinuationOptionStop
	b.Exec(ctx)
	if kmipclient.ReasonOf(b.Err(0)) != kmip.ResultReasonItemNotFound || kmipclient.ReasonOf(b.Err(1)) != kmip.ResultReasonOperationCanceledByRequester {
		t.Errorf("Stop: item errors %v / %v, want Item Not Found / Operation Canceled By Requester", b.Err(0), b.Err(1))
	}

	if err := c.Destroy(ctx, id); err != nil {
		t.Errorf("Destroy: %v", err)
	}
	_, err = c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)})
	if kmipclient.ReasonOf(err) != kmip.ResultReasonItemNotFound {
		t.Errorf("Get after Destroy: %v, want Item Not Found", err)
	}
	// An operation without a route.
	_, err = c.Query(ctx)
	var e *kmipclient.Error
	if !errors.As(err, &e) {
		t.Errorf("Query (no route): %v, want a *kmipclient.Error", err)
	} else {
		t.Logf("Query without a route: %v", e)
	}
	// KMIP 2.x: ovh's server speaks 1.0-1.4.
	c2, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: addr, CAFile: caFile, Version: kmipclient.V2_1})
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	_, err = c2.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(reg.UniqueIdentifier)})
	t.Logf("Get in KMIP 2.1: %v", err)
	if err == nil {
		t.Error("ovh's server answered a KMIP 2.1 request")
	}
}

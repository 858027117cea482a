package main

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"fmt"
	"net"
	"sync"

	kmip "github.com/ovh/kmip-go"
	"github.com/ovh/kmip-go/kmipserver"
	"github.com/ovh/kmip-go/payloads"
)

// ovh/kmip-go's kmipserver is a framework: it frames, decodes, dispatches
// batch items to the handlers routed for their operation, and encodes the
// answers, but stores nothing. These handlers are the least a server needs
// for kmipload's operations — Create (AES keys), Activate, Get, Locate,
// Encrypt (AES-GCM) — over a map, so that what is measured is ovh's
// framing, codec and dispatch with the same cryptography as kmipwire's.

type ovhKey struct {
	material []byte
	gcm      cipher.AEAD
	active   bool
}

type ovhStore struct {
	mu   sync.RWMutex
	keys map[string]*ovhKey
	ids  []string
}

func newOVHServer(l net.Listener) *kmipserver.Server {
	st := &ovhStore{keys: map[string]*ovhKey{}}
	exec := kmipserver.NewBatchExecutor()
	exec.Route(kmip.OperationCreate, kmipserver.HandleFunc(st.create))
	exec.Route(kmip.OperationActivate, kmipserver.HandleFunc(st.activate))
	exec.Route(kmip.OperationGet, kmipserver.HandleFunc(st.get))
	exec.Route(kmip.OperationLocate, kmipserver.HandleFunc(st.locate))
	exec.Route(kmip.OperationEncrypt, kmipserver.HandleFunc(st.encrypt))
	return kmipserver.NewServer(l, exec)
}

func (st *ovhStore) create(ctx context.Context, req *payloads.CreateRequestPayload) (*payloads.CreateResponsePayload, error) {
	if req.ObjectType != kmip.ObjectTypeSymmetricKey {
		return nil, kmipserver.Errorf(kmip.ResultReasonOperationNotSupported, "only symmetric keys")
	}
	k := &ovhKey{material: make([]byte, 32)}
	rand.Read(k.material)
	b, err := aes.NewCipher(k.material)
	if err != nil {
		return nil, err
	}
	if k.gcm, err = cipher.NewGCM(b); err != nil {
		return nil, err
	}
	st.mu.Lock()
	id := fmt.Sprintf("ovh-%08d", len(st.ids)+1)
	st.keys[id] = k
	st.ids = append(st.ids, id)
	st.mu.Unlock()
	kmipserver.SetIdPlaceholder(ctx, id)
	return &payloads.CreateResponsePayload{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifier: id}, nil
}

func (st *ovhStore) key(ctx context.Context, id string) (string, *ovhKey, error) {
	id, err := kmipserver.GetIdOrPlaceholder(ctx, id)
	if err != nil {
		return "", nil, err
	}
	st.mu.RLock()
	k := st.keys[id]
	st.mu.RUnlock()
	if k == nil {
		return "", nil, kmipserver.Errorf(kmip.ResultReasonItemNotFound, "no object %q", id)
	}
	return id, k, nil
}

func (st *ovhStore) activate(ctx context.Context, req *payloads.ActivateRequestPayload) (*payloads.ActivateResponsePayload, error) {
	id, k, err := st.key(ctx, req.UniqueIdentifier)
	if err != nil {
		return nil, err
	}
	st.mu.Lock()
	k.active = true
	st.mu.Unlock()
	return &payloads.ActivateResponsePayload{UniqueIdentifier: id}, nil
}

func (st *ovhStore) get(ctx context.Context, req *payloads.GetRequestPayload) (*payloads.GetResponsePayload, error) {
	id, k, err := st.key(ctx, req.UniqueIdentifier)
	if err != nil {
		return nil, err
	}
	m := k.material
	return &payloads.GetResponsePayload{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifier: id, Object: &kmip.SymmetricKey{KeyBlock: kmip.KeyBlock{
		KeyFormatType:          kmip.KeyFormatTypeRaw,
		KeyValue:               &kmip.KeyValue{Plain: &kmip.PlainKeyValue{KeyMaterial: kmip.KeyMaterial{Bytes: &m}}},
		CryptographicAlgorithm: kmip.CryptographicAlgorithmAES,
		CryptographicLength:    256,
	}}}, nil
}

// locate answers every key (all are AES symmetric keys), newest first, at
// most MaximumItems.
func (st *ovhStore) locate(ctx context.Context, req *payloads.LocateRequestPayload) (*payloads.LocateResponsePayload, error) {
	st.mu.RLock()
	n := int32(len(st.ids))
	max := n
	if req.MaximumItems > 0 && req.MaximumItems < max {
		max = req.MaximumItems
	}
	ids := make([]string, 0, max)
	for i := len(st.ids) - 1; i >= 0 && int32(len(ids)) < max; i-- {
		ids = append(ids, st.ids[i])
	}
	st.mu.RUnlock()
	return &payloads.LocateResponsePayload{LocatedItems: &n, UniqueIdentifier: ids}, nil
}

func (st *ovhStore) encrypt(ctx context.Context, req *payloads.EncryptRequestPayload) (*payloads.EncryptResponsePayload, error) {
	id, k, err := st.key(ctx, req.UniqueIdentifier)
	if err != nil {
		return nil, err
	}
	if !k.active {
		return nil, kmipserver.Errorf(kmip.ResultReasonPermissionDenied, "key %q is not active", id)
	}
	if p := req.CryptographicParameters; p == nil || p.BlockCipherMode != kmip.BlockCipherModeGCM {
		return nil, kmipserver.Errorf(kmip.ResultReasonInvalidField, "only AES-GCM")
	}
	iv := make([]byte, k.gcm.NonceSize())
	rand.Read(iv)
	sealed := k.gcm.Seal(nil, iv, req.Data, nil)
	cut := len(sealed) - k.gcm.Overhead()
	return &payloads.EncryptResponsePayload{UniqueIdentifier: id, Data: sealed[:cut], IVCounterNonce: iv, AuthenticatedEncryptionTag: sealed[cut:]}, nil
}

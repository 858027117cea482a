package kmipserver

import (
	"crypto"
	"crypto/cipher"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/kmipwire/kmipwire/ttlv"
)

// objState is everything about a managed object that an operation may
// change; a copy of it is what an Undo restores.
type objState struct {
	typ      uint32 // Object Type
	state    uint32 // State (KMIP 2.1 §4.57, 1.4 §3.22)
	alg      uint32 // Cryptographic Algorithm, 0 if none
	length   int32  // Cryptographic Length, 0 if none
	usage    uint32 // Cryptographic Usage Mask
	hasUsage bool
	// attrs holds every other attribute, each encoded as a TTLV item
	// tagged with the attribute's tag (the KMIP 2.x form). Never modified
	// in place: changes replace the slice or an element.
	attrs []attr
	// kf is the Key Format Type of body, 0 for objects without a Key Block.
	kf uint32
	// body is the encoded object Structure (SymmetricKey{KeyBlock{…}},
	// …); nil once destroyed.
	body []byte
	// getResp is the pre-encoded Get response payload contents (Object
	// Type, Unique Identifier, object) answered when no other format is
	// asked for.
	getResp []byte
	// The key in usable form, nil when the object holds none.
	sym  []byte
	priv crypto.PrivateKey
	pub  crypto.PublicKey
	aead cipher.AEAD
}

// object is one managed object.
type object struct {
	id string
	// owner is the identity that created the object (AccessControl);
	// set before the object is shared, never changed.
	owner   string
	seq     uint64      // creation order: Locate answers in it
	removed atomic.Bool // taken out of the store (an Undo of its creation)
	// used counts what cryptographic operations consumed of the Usage
	// Limits (bytes or objects, in the attribute's unit): atomic, so that
	// operations holding the read lock may charge it.
	used atomic.Int64
	// ver counts the changes of the object, for its Store record.
	ver atomic.Uint64
	// served is set once Get has answered the key material: the Fresh
	// attribute turns false (KMIP 2.1 §4.24, 1.4 §3.34); Get holds only
	// the read lock, so Get Attributes applies it.
	served atomic.Bool
	mu     sync.RWMutex
	objState
}

// snapshot copies the state (attrs included) for the journal.
func (o *object) snapshot() objState {
	s := o.objState
	s.attrs = slices.Clone(o.attrs)
	return s
}

// storeShards spreads the objects over maps with their own locks.
const storeShards = 32

type shard struct {
	mu sync.RWMutex
	m  map[string]*object
}

// store is the concurrent in-memory object store.
type store struct {
	shards [storeShards]shard
	seq    atomic.Uint64
	// order lists the objects in creation order for Locate; append-only,
	// so that a reader may walk a snapshot of it without a lock.
	orderMu sync.RWMutex
	order   []*object
	// idx finds Locate's candidates (index.go).
	idx index
	// obliterated holds the identifiers of the objects Obliterate took
	// out (kmip30.go), in memory only.
	obliterated sync.Map
}

func (st *store) init() {
	for i := range st.shards {
		st.shards[i].m = make(map[string]*object)
	}
}

// shardOf hashes an identifier (FNV-1a over its last 8 bytes: the
// server's identifiers are random there).
func shardOf[T string | []byte](id T) uint32 {
	h := uint32(2166136261)
	for i := max(0, len(id)-8); i < len(id); i++ {
		h ^= uint32(id[i])
		h *= 16777619
	}
	return h % storeShards
}

// get returns the object with the identifier, or nil. Operations find
// the objects a request names with reqCtx.lookup or reqCtx.find, which
// apply access control, and add new ones with reqCtx.add, which records
// their owner.
func (st *store) get(id []byte) *object {
	sh := &st.shards[shardOf(id)]
	sh.mu.RLock()
	o := sh.m[string(id)]
	sh.mu.RUnlock()
	return o
}

// add stores a new object.
func (st *store) add(o *object) {
	st.orderMu.Lock()
	o.seq = st.seq.Add(1)
	st.order = append(st.order, o)
	// Under orderMu: the lists stay in creation order.
	st.idx.add(o)
	st.orderMu.Unlock()
	sh := &st.shards[shardOf(o.id)]
	sh.mu.Lock()
	sh.m[o.id] = o
	sh.mu.Unlock()
}

// restore adds an object read from the persistent store, keeping its
// creation order.
func (st *store) restore(o *object) {
	st.orderMu.Lock()
	if o.seq > st.seq.Load() {
		st.seq.Store(o.seq)
	}
	st.order = append(st.order, o)
	st.idx.add(o)
	st.orderMu.Unlock()
	sh := &st.shards[shardOf(o.id)]
	sh.mu.Lock()
	sh.m[o.id] = o
	sh.mu.Unlock()
}

// remove deletes an object (an Undo of its creation).
func (st *store) remove(o *object) {
	sh := &st.shards[shardOf(o.id)]
	sh.mu.Lock()
	if sh.m[o.id] == o {
		delete(sh.m, o.id)
	}
	sh.mu.Unlock()
	o.removed.Store(true)
}

// obliterate takes o out for good (Obliterate), remembering its
// identifier.
func (st *store) obliterate(o *object) {
	st.obliterated.Store(o.id, struct{}{})
	st.remove(o)
}

// unobliterate puts back an object obliterate took out (an Undo).
func (st *store) unobliterate(o *object) {
	st.obliterated.Delete(o.id)
	sh := &st.shards[shardOf(o.id)]
	sh.mu.Lock()
	sh.m[o.id] = o
	sh.mu.Unlock()
	o.removed.Store(false)
}

// wasObliterated reports whether Obliterate took out the object of the
// identifier.
func (st *store) wasObliterated(id []byte) bool {
	_, ok := st.obliterated.Load(string(id))
	return ok
}

// len returns how many objects the store holds.
func (st *store) len() int {
	n := 0
	for i := range st.shards {
		sh := &st.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

// Objects returns how many managed objects the Server holds (destroyed
// ones included until their metadata is gone).
func (s *Server) Objects() int { return s.store.len() }

// all returns the objects in creation order, removed ones included
// (callers skip those): a snapshot that later additions do not change.
func (st *store) all() []*object {
	st.orderMu.RLock()
	out := st.order
	st.orderMu.RUnlock()
	return out
}

// newID returns a UUID-like identifier (RFC 9562 version 4 layout) drawn
// from the server's random source.
func (s *Server) newID() (string, error) {
	var u [16]byte
	if _, err := io.ReadFull(s.rand, u[:]); err != nil {
		return "", fmt.Errorf("unique identifier: %w", err)
	}
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	var b [36]byte
	hex.Encode(b[0:8], u[0:4])
	b[8] = '-'
	hex.Encode(b[9:13], u[4:6])
	b[13] = '-'
	hex.Encode(b[14:18], u[6:8])
	b[18] = '-'
	hex.Encode(b[19:23], u[8:10])
	b[23] = '-'
	hex.Encode(b[24:36], u[10:16])
	return string(b[:]), nil
}

// encodeGetResp pre-encodes the Get answer for the object's body; none
// for an archived object, which Get refuses (archive.go).
func (o *object) encodeGetResp() {
	if o.body == nil && (o.typ == objUser || o.typ == objGroup) && !o.archived() && !destroyed(o.state) {
		// a user or group (3.0 draft) is its attributes: Get answers
		// what it is
		b := ttlv.AppendEnumeration(nil, ttlv.TagObjectType, o.typ)
		o.getResp = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, o.id)
		return
	}
	if o.body == nil || o.archived() {
		o.getResp = nil
		return
	}
	b := make([]byte, 0, 16+ttlv.SizeBytes(len(o.id))+len(o.body))
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, o.typ)
	b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, o.id)
	o.getResp = append(b, o.body...)
}

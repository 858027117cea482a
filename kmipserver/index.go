package kmipserver

import (
	"encoding/binary"
	"slices"
	"sync"

	"github.com/kmipwire/kmipwire/ttlv"
)

// index finds Locate's candidates without visiting every object: posting
// lists of objects, in creation order, under keys made of an attribute and
// its value — Object Type, Object Type with Cryptographic Algorithm,
// State, each Name, Object Group and Link. An object whose State its dates
// may change (an Activation or Deactivation Date ahead) is listed under
// each State they lead to. A Locate whose filter names one of these
// visits only the shortest matching list, so its cost follows the number
// of candidates, not the size of the store.
//
// The lists may hold stale entries: an object is added under the keys of
// its new attributes when a message changes it, never taken out when an
// attribute goes away or a creation is undone. Locate checks each
// candidate against the whole filter anyway, so a stale entry costs a
// visit, no wrong answer.
type index struct {
	mu    sync.RWMutex
	lists map[string][]*object
}

// Key kinds: the first byte of an index key.
const (
	ikType    = 't' // Object Type
	ikTypeAlg = 'a' // Object Type and Cryptographic Algorithm
	ikName    = 'n' // Name (its Name Value)
	ikState   = 's' // State
	ikAttr    = 'v' // another attribute: its tag and encoded value
)

// indexedTag reports the attributes indexed by their encoded value.
func indexedTag(t ttlv.Tag) bool {
	return t == ttlv.TagObjectGroup || t == ttlv.TagLink
}

func typeKey(dst []byte, typ uint32) []byte {
	return binary.BigEndian.AppendUint32(append(dst, ikType), typ)
}

func stateKey(dst []byte, state uint32) []byte {
	return binary.BigEndian.AppendUint32(append(dst, ikState), state)
}

func typeAlgKey(dst []byte, typ, alg uint32) []byte {
	dst = binary.BigEndian.AppendUint32(append(dst, ikTypeAlg), typ)
	return binary.BigEndian.AppendUint32(dst, alg)
}

// attrKey is the key of a stored or wanted attribute, by its encoding
// (tag, type, length, value); ok is false for attributes not indexed.
func attrKey(dst []byte, tag ttlv.Tag, enc []byte) ([]byte, bool) {
	if tag == ttlv.TagName {
		var v ttlv.Value
		if ttlv.Unmarshal(enc, &v) != nil {
			return dst, false
		}
		nv := nameValue(&v)
		if nv == nil {
			return dst, false
		}
		return append(append(dst, ikName), nv.Bytes...), true
	}
	if !indexedTag(tag) || len(enc) < ttlv.HeaderSize {
		return dst, false
	}
	return append(append(dst, ikAttr), enc...), true
}

// keys appends the index keys of o (call with o.mu held) to dst.
func (o *object) indexKeys(dst []string) []string {
	var buf [16]byte
	// One key a statement: the conversions of one expression may all read
	// buf after the last call wrote it.
	dst = append(dst, string(typeKey(buf[:0], o.typ)))
	dst = append(dst, string(typeAlgKey(buf[:0], o.typ, o.alg)))
	dst = append(dst, string(stateKey(buf[:0], o.state)))
	if o.timed() {
		// Its State may change with the clock, untouched: it is a
		// candidate for each State its dates lead to.
		for _, st := range []uint32{statePreActive, stateActive, stateDeactivated} {
			if st != o.state {
				dst = append(dst, string(stateKey(buf[:0], st)))
			}
		}
	}
	for i := range o.attrs {
		a := &o.attrs[i]
		if a.tag != ttlv.TagName && !indexedTag(a.tag) {
			continue
		}
		if k, ok := attrKey(nil, a.tag, a.enc); ok {
			dst = append(dst, string(k))
		}
	}
	return dst
}

// add puts o in the lists of its keys (call with o.mu held or before o is
// shared).
func (ix *index) add(o *object) {
	keys := o.indexKeys(nil)
	ix.mu.Lock()
	defer ix.mu.Unlock()
	if ix.lists == nil {
		ix.lists = make(map[string][]*object)
	}
	for _, k := range keys {
		ix.lists[k] = insertPosting(ix.lists[k], o)
	}
}

// insertPosting adds o to a list in creation order, unless it is there. A
// list is only ever appended to in place: readers hold snapshots of it
// without the lock, so an insertion before the end copies it.
func insertPosting(list []*object, o *object) []*object {
	n := len(list)
	if n == 0 || list[n-1].seq < o.seq {
		return append(list, o)
	}
	i, found := slices.BinarySearchFunc(list, o.seq, func(e *object, seq uint64) int { return cmpUint64(e.seq, seq) })
	if found {
		return list
	}
	out := make([]*object, 0, n+1+n/4)
	out = append(out, list[:i]...)
	out = append(out, o)
	return append(out, list[i:]...)
}

// candidates returns the shortest list of objects that may match the
// filter, in creation order, and true; false when no attribute of the
// filter is indexed (every object is then a candidate).
func (ix *index) candidates(filter []attrIn) ([]*object, bool) {
	var typ, alg *attrIn
	var keyBuf []byte
	var best []*object
	found := false
	consider := func(k []byte) {
		l := ix.lists[string(k)]
		if !found || len(l) < len(best) {
			best, found = l, true
		}
	}
	ix.mu.RLock()
	defer ix.mu.RUnlock()
	for i := range filter {
		a := &filter[i]
		switch {
		case a.tag == ttlv.TagObjectType && a.val.Type == ttlv.TypeEnumeration:
			typ = a
		case a.tag == ttlv.TagCryptographicAlgorithm && a.val.Type == ttlv.TypeEnumeration:
			alg = a
		case a.tag == ttlv.TagState && a.val.Type == ttlv.TypeEnumeration:
			consider(stateKey(keyBuf[:0], uint32(a.val.Num)))
		case a.tag == ttlv.TagName || indexedTag(a.tag):
			if k, ok := attrKey(keyBuf[:0], a.tag, a.encode().enc); ok {
				consider(k)
				keyBuf = k
			}
		}
	}
	switch {
	case typ != nil && alg != nil:
		consider(typeAlgKey(keyBuf[:0], uint32(typ.val.Num), uint32(alg.val.Num)))
	case typ != nil:
		consider(typeKey(keyBuf[:0], uint32(typ.val.Num)))
	}
	return best, found
}

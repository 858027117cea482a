package kmipserver

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Store keeps a Server's objects on stable storage (see Open). The
// Server holds every object in memory and answers from there; it loads
// the Store's records once, in New, and after each message that changed
// objects it hands the Store their new records in one Commit, before the
// response is written: an answered request is on stable storage. Package
// boltstore implements Store on an embedded bbolt file.
//
// A Store is used concurrently: Commits of different messages may overlap,
// and their records may arrive out of order for the same object; a Store
// must keep, for each ID, the record of the highest Version it was given.
type Store interface {
	// Load calls fn for each record kept, in any order.
	Load(fn func(Record) error) error
	// Commit stores the records atomically (all or none) and durably;
	// a record with nil Data removes its object.
	Commit(recs []Record) error
	// Close releases the Store; the Server calls it in Close and Shutdown.
	Close() error
}

// Record is one object as a Store keeps it.
type Record struct {
	// ID is the object's Unique Identifier.
	ID string
	// Version grows with every change of the object.
	Version uint64
	// Data is the object encoded by the Server (opaque to the Store), nil
	// for an object removed (a bulk-mode Undo of its creation).
	Data []byte
}

// recordFormat is the first byte of Record.Data: the layout of this file.
// Format 1, of earlier versions, is format 2 without the owner; it is
// still read (its objects have no owner).
const (
	recordFormat   = 2
	recordFormatV1 = 1
)

// encodeRecord encodes the object (call with o.mu held). The layout, all
// integers big-endian: format byte; seq, version, used (8 bytes each);
// type, state, algorithm, length, usage mask, key format (4 each); flags
// (1: has usage mask, 2: served, 4: has body); the body (4-byte length and
// bytes); the attributes (4-byte count, then each: tag 4 bytes, vendor,
// name and encoding each as a 4-byte length and bytes); the owner (4-byte
// length and bytes).
func (o *object) encodeRecord(b []byte) []byte {
	b = append(b, recordFormat)
	b = binary.BigEndian.AppendUint64(b, o.seq)
	b = binary.BigEndian.AppendUint64(b, o.ver.Load())
	b = binary.BigEndian.AppendUint64(b, uint64(o.used.Load()))
	for _, v := range []uint32{o.typ, o.state, o.alg, uint32(o.length), o.usage, o.kf} {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	var flags byte
	if o.hasUsage {
		flags |= 1
	}
	if o.served.Load() {
		flags |= 2
	}
	if o.body != nil {
		flags |= 4
	}
	b = append(b, flags)
	b = appendBytes(b, o.body)
	b = binary.BigEndian.AppendUint32(b, uint32(len(o.attrs)))
	for _, a := range o.attrs {
		b = binary.BigEndian.AppendUint32(b, uint32(a.tag))
		b = appendBytes(b, []byte(a.vendor))
		b = appendBytes(b, []byte(a.name))
		b = appendBytes(b, a.enc)
	}
	return appendBytes(b, []byte(o.owner))
}

func appendBytes(b, v []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
	return append(b, v...)
}

// errRecord is wrapped by the errors of a record that cannot be read.
var errRecord = errors.New("kmipserver: malformed stored record")

// recordReader reads the fields of a record, remembering the first fault.
type recordReader struct {
	b   []byte
	off int
	err error
}

func (r *recordReader) fail(what string) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: offset %d: %s", errRecord, r.off, what)
	}
}

func (r *recordReader) u64() uint64 {
	if r.err != nil || len(r.b)-r.off < 8 {
		r.fail("short integer")
		return 0
	}
	v := binary.BigEndian.Uint64(r.b[r.off:])
	r.off += 8
	return v
}

func (r *recordReader) u32() uint32 {
	if r.err != nil || len(r.b)-r.off < 4 {
		r.fail("short integer")
		return 0
	}
	v := binary.BigEndian.Uint32(r.b[r.off:])
	r.off += 4
	return v
}

func (r *recordReader) byte1() byte {
	if r.err != nil || r.off >= len(r.b) {
		r.fail("short flags")
		return 0
	}
	r.off++
	return r.b[r.off-1]
}

// bytes returns a copy (the Store's buffer may not outlive Load).
func (r *recordReader) bytes() []byte {
	n := int(r.u32())
	if r.err != nil || n > len(r.b)-r.off {
		r.fail("length past the end")
		return nil
	}
	v := slices.Clone(r.b[r.off : r.off+n])
	r.off += n
	return v
}

// decodeRecord rebuilds an object from its record; the key in usable form
// is rebuilt from the body by the code Register uses.
func (s *Server) decodeRecord(rec Record) (*object, error) {
	r := &recordReader{b: rec.Data}
	format := r.byte1()
	if r.err == nil && format != recordFormat && format != recordFormatV1 {
		return nil, fmt.Errorf("%w: format %d, want %d", errRecord, format, recordFormat)
	}
	o := &object{id: rec.ID}
	o.seq = r.u64()
	o.ver.Store(r.u64())
	o.used.Store(int64(r.u64()))
	o.typ, o.state, o.alg = r.u32(), r.u32(), r.u32()
	o.length, o.usage, o.kf = int32(r.u32()), r.u32(), r.u32()
	flags := r.byte1()
	o.hasUsage = flags&1 != 0
	o.served.Store(flags&2 != 0)
	body := r.bytes()
	if flags&4 != 0 {
		o.body = body
		if o.body == nil {
			o.body = []byte{}
		}
	}
	n := r.u32()
	if r.err == nil && int(n) > len(rec.Data) {
		r.fail("attribute count past the end")
	}
	for i := uint32(0); i < n && r.err == nil; i++ {
		a := attr{tag: ttlv.Tag(r.u32())}
		a.vendor, a.name = string(r.bytes()), string(r.bytes())
		a.enc = r.bytes()
		o.attrs = append(o.attrs, a)
	}
	if format == recordFormat {
		o.owner = string(r.bytes())
	}
	if r.err == nil && r.off != len(rec.Data) {
		r.fail("bytes after the record")
	}
	if r.err != nil {
		return nil, fmt.Errorf("object %s: %w", rec.ID, r.err)
	}
	if o.body != nil {
		if err := s.restoreKey(o); err != nil {
			return nil, fmt.Errorf("object %s: %w", rec.ID, err)
		}
	} else {
		o.encodeGetResp() // a user's or group's (3.0 draft)
	}
	return o, nil
}

// restoreKey rebuilds the usable key (sym, priv, pub, aead) and the Get
// answer of an object read from its record: the body is loaded as
// Register loads a client's object, into a copy whose attributes and
// encodings are then dropped.
func (s *Server) restoreKey(o *object) error {
	var v ttlv.Value
	if err := ttlv.Unmarshal(o.body, &v); err != nil {
		return fmt.Errorf("%w: body: %w", errRecord, err)
	}
	tmp := &object{id: o.id}
	tmp.objState = o.objState
	tmp.attrs = slices.Clone(o.attrs)
	c := s.getCtx(context.Background())
	defer s.putCtx(c)
	if err := c.loadObject(tmp, &v); err != nil {
		return fmt.Errorf("%w: key: %s", errRecord, err.msg)
	}
	o.sym, o.priv, o.pub, o.aead = tmp.sym, tmp.priv, tmp.pub, tmp.aead
	o.encodeGetResp()
	return nil
}

// loadStore fills the memory store from the persistent one.
func (s *Server) loadStore() error {
	var objs []*object
	err := s.persist.Load(func(rec Record) error {
		if rec.Data == nil {
			return nil
		}
		o, err := s.decodeRecord(rec)
		if err != nil {
			return err
		}
		objs = append(objs, o)
		return nil
	})
	if err != nil {
		return fmt.Errorf("kmipserver: loading the store: %w", err)
	}
	slices.SortFunc(objs, func(a, b *object) int { return cmpUint64(a.seq, b.seq) })
	for _, o := range objs {
		s.store.restore(o)
	}
	return nil
}

func cmpUint64(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// changed notes that the message changed o's attributes or state: its
// record goes to the Store when the message ends, and the index learns its
// new attributes when the item ends (reindex).
func (c *reqCtx) changed(o *object) {
	c.counted(o)
	c.reidx = append(c.reidx, o)
}

// counted notes a change of o that the index does not see (a new object,
// already indexed; its counters): with a Store, its record goes to the
// Store when the message ends. Its version grows at once, so that of two
// overlapping Commits of o the later state wins.
func (c *reqCtx) counted(o *object) {
	if c.s.persist == nil {
		return
	}
	o.ver.Add(1)
	c.dirty = append(c.dirty, o)
}

// reindex adds the objects the item changed to the index lists of their
// attributes.
func (c *reqCtx) reindex() {
	for i, o := range c.reidx {
		if slices.Contains(c.reidx[:i], o) {
			continue
		}
		o.mu.RLock()
		c.s.store.idx.add(o)
		o.mu.RUnlock()
	}
	clear(c.reidx)
	c.reidx = c.reidx[:0]
}

// commit hands the records of the objects the message changed to the
// Store; false when the Store failed (the message must not be answered as
// done).
func (c *reqCtx) commit() error {
	if len(c.dirty) == 0 {
		return nil
	}
	recs := c.recs[:0]
	buf := c.recBuf[:0]
	seen := 0
	for i, o := range c.dirty {
		if slices.Contains(c.dirty[:i], o) {
			continue
		}
		seen++
		start := len(buf)
		o.mu.RLock()
		removed := o.removed.Load()
		if !removed {
			buf = o.encodeRecord(buf)
		}
		ver := o.ver.Load()
		o.mu.RUnlock()
		var data []byte
		if !removed {
			data = buf[start:len(buf):len(buf)]
		}
		recs = append(recs, Record{ID: o.id, Version: ver, Data: data})
	}
	c.recs, c.recBuf = recs, buf
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	err := c.s.persist.Commit(recs)
	clear(c.recs)
	return err
}

// failUncommitted turns the results of a message whose changes the Store
// refused into failures: nothing is acknowledged that is not stored.
func (c *reqCtx) failUncommitted(err error) {
	c.s.log.Error("kmipserver: store commit failed", "err", err)
	for i := range c.results {
		r := &c.results[i]
		if r.status == batch.StatusSuccess {
			*r = result{op: r.op, id: r.id, status: batch.StatusFailed, reason: rrGeneralFailure,
				msg: "the change could not be stored: " + err.Error()}
		}
	}
}

// markServed notes that Get answered the key material (Fresh turns false).
func (c *reqCtx) markServed(o *object) {
	if !o.served.Swap(true) {
		c.counted(o)
	}
}

package kmipserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// fixedNow is the clock of the tests.
var fixedNow = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// newTestServer returns a server with a fixed clock and a seeded random
// source (deterministic identifiers).
func newTestServer() *Server {
	return New(Config{Now: func() time.Time { return fixedNow }, Rand: &detRand{}})
}

// detRand is a deterministic, non-cryptographic byte source for tests:
// a counter through SHA-less mixing is enough for unique IDs; key
// generation that needs real entropy reads crypto/rand. It is locked: the
// items of an unordered batch read it from several goroutines.
type detRand struct {
	mu sync.Mutex
	n  uint64
}

func (r *detRand) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		r.n = r.n*6364136223846793005 + 1442695040888963407
		p[i] = byte(r.n >> 56)
	}
	return len(p), nil
}

var _ io.Reader = rand.Reader

// v is shorthand for building request trees.
type v = ttlv.Value

func str(t ttlv.Tag, s string) v    { return ttlv.TextString(t, s) }
func enum(t ttlv.Tag, x uint32) v   { return ttlv.Enumeration(t, x) }
func integer(t ttlv.Tag, x int32) v { return ttlv.Integer(t, x) }
func bstr(t ttlv.Tag, b []byte) v   { return ttlv.ByteString(t, b) }
func st(t ttlv.Tag, ch ...v) v      { return ttlv.Structure(t, ch...) }
func payload(ch ...v) v             { return st(ttlv.TagRequestPayload, ch...) }
func uid(id string) v               { return str(ttlv.TagUniqueIdentifier, id) }
func item(op uint32, ch ...v) v {
	return st(ttlv.TagBatchItem, enum(ttlv.TagOperation, op), payload(ch...))
}
func attr1(name string, val v) v {
	val.Tag = ttlv.TagAttributeValue
	return st(ttlv.TagAttribute, str(ttlv.TagAttributeName, name), val)
}

// header options of a request.
type hdr struct {
	major, minor int32
	maxSize      int32
	cont         uint32
	count        int32  // 0: the number of items
	unordered    bool   // Batch Order Option false
	noCount      bool   // no Batch Count (KMIP 3.0)
	ticket       []byte // a Login Ticket Value to authenticate with
}

func request(h hdr, items ...v) []byte {
	hv := st(ttlv.TagRequestHeader, st(ttlv.TagProtocolVersion,
		integer(ttlv.TagProtocolVersionMajor, h.major), integer(ttlv.TagProtocolVersionMinor, h.minor)))
	if h.maxSize > 0 {
		hv.Children = append(hv.Children, integer(ttlv.TagMaximumResponseSize, h.maxSize))
	}
	if h.ticket != nil {
		hv.Children = append(hv.Children, st(ttlv.TagAuthentication, st(ttlv.TagCredential,
			enum(ttlv.TagCredentialType, credentialTicket),
			st(ttlv.TagCredentialValue, st(ttlv.TagTicket, enum(ttlv.TagTicketType, ticketLogin), bstr(ttlv.TagTicketValue, h.ticket))))))
	}
	if h.cont != 0 {
		hv.Children = append(hv.Children, enum(ttlv.TagBatchErrorContinuationOption, h.cont))
	}
	if h.unordered {
		hv.Children = append(hv.Children, ttlv.Boolean(ttlv.TagBatchOrderOption, false))
	}
	n := h.count
	if n == 0 {
		n = int32(len(items))
	}
	if !h.noCount {
		hv.Children = append(hv.Children, integer(ttlv.TagBatchCount, n))
	}
	m := st(ttlv.TagRequestMessage, append([]v{hv}, items...)...)
	return ttlv.Marshal(&m)
}

// resp is a decoded response.
type resp struct {
	major, minor int32
	items        []v
}

// fatalHelper is what the seed and check helpers use of a testing.TB. The
// testing shim of the OSS-Fuzz build (go-118-fuzz-build puts it in place of
// package testing in fuzz_test.go) has a T and an F with these methods but
// no TB: helpers that a fuzz target calls take this instead.
type fatalHelper interface {
	Helper()
	Fatal(args ...any)
	Fatalf(format string, args ...any)
}

func decode(t fatalHelper, b []byte) resp {
	t.Helper()
	if err := ttlv.Validate(b, ttlv.DecodeOptions{}); err != nil {
		t.Fatalf("response does not validate: %v", err)
	}
	var m v
	if err := ttlv.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if m.Tag != ttlv.TagResponseMessage {
		t.Fatalf("not a ResponseMessage: %s", m.Tag)
	}
	var r resp
	h := m.Child(ttlv.TagResponseHeader)
	pv := h.Child(ttlv.TagProtocolVersion)
	r.major = int32(pv.Child(ttlv.TagProtocolVersionMajor).Num)
	r.minor = int32(pv.Child(ttlv.TagProtocolVersionMinor).Num)
	for _, ch := range m.Children {
		if ch.Tag == ttlv.TagBatchItem {
			r.items = append(r.items, ch)
		}
	}
	switch bc := h.Child(ttlv.TagBatchCount); {
	case r.major >= 3 && bc != nil:
		t.Fatalf("a KMIP %d.%d response with a BatchCount (the 3.0 draft reserves it)", r.major, r.minor)
	case r.major < 3 && (bc == nil || bc.Num != int64(len(r.items))):
		t.Fatalf("BatchCount %v, %d items", bc, len(r.items))
	}
	return r
}

func do(t testing.TB, s *Server, h hdr, items ...v) resp {
	t.Helper()
	return decode(t, s.ServeTTLV(context.Background(), nil, request(h, items...)))
}

// status returns an item's Result Status and Reason (0 if none).
func status(it *v) (uint32, uint32) {
	var rs, rr uint32
	if x := it.Child(ttlv.TagResultStatus); x != nil {
		rs = uint32(x.Num)
	}
	if x := it.Child(ttlv.TagResultReason); x != nil {
		rr = uint32(x.Num)
	}
	return rs, rr
}

// ok fails the test unless the item succeeded; it returns its payload.
func ok(t testing.TB, it *v) *v {
	t.Helper()
	rs, rr := status(it)
	if rs != 0 {
		msg := ""
		if m := it.Child(ttlv.TagResultMessage); m != nil {
			msg = m.Text()
		}
		t.Fatalf("item failed: reason 0x%X %s\n%s", rr, msg, it.String())
	}
	p := it.Child(ttlv.TagResponsePayload)
	if p == nil {
		t.Fatalf("no payload: %s", it.String())
	}
	return p
}

// failed fails the test unless the item failed with the reason.
func failed(t testing.TB, it *v, reason uint32) {
	t.Helper()
	rs, rr := status(it)
	if rs != 1 || rr != reason {
		t.Fatalf("want failure 0x%X, got status %d reason 0x%X\n%s", reason, rs, rr, it.String())
	}
}

// notFoundIn is the Result Reason for an unknown Unique Identifier in the
// version of h: Item Not Found in 1.x, Object Not Found from 2.0 on.
func notFoundIn(h hdr) uint32 {
	if h.major < 2 {
		return rrItemNotFound
	}
	return rrObjectNotFound
}

func texts(p *v, t ttlv.Tag) []string {
	var out []string
	for _, ch := range p.Children {
		if ch.Tag == t {
			out = append(out, ch.Text())
		}
	}
	return out
}

var _ = bytes.Equal

// queryListsObject reports whether Query Objects, in h's version, lists
// the object type typ.
func queryListsObject(t testing.TB, s *Server, h hdr, typ uint32) bool {
	t.Helper()
	p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryObjects))).items[0])
	for _, ch := range p.Children {
		if ch.Tag == ttlv.TagObjectType && uint32(ch.Num) == typ {
			return true
		}
	}
	return false
}

package kmipserver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Config configures a Server. The zero value is usable.
type Config struct {
	Logger         *slog.Logger     // nil: discard
	MaxMessageSize int              // 0: ttlv.DefaultMaxMessageSize
	MaxDepth       int              // 0: ttlv default
	MaxItems       int              // 0: batch.DefaultMaxItems
	Now            func() time.Time // nil: time.Now
	Rand           io.Reader        // nil: crypto/rand.Reader
	// LeaseTime is the Lease Time of new objects and of the leases
	// Obtain Lease grants (KMIP 2.1 §4.30, §6.1.35): the time a client
	// may use an object before it asks for a new lease. Zero means one
	// hour; a negative value means no lease limit (Lease Time 0). It is
	// also the life of a Login ticket that asks for none (login.go).
	LeaseTime time.Duration
	// Interop enables the Interop operation (KMIP 2.1 §6.1.26), which
	// the OASIS interoperability test cases (the BL-M profile cases)
	// begin and end with and which "SHALL NOT be available in a
	// production server".
	Interop bool
	// MaxRSABits is the largest RSA modulus Create Key Pair generates;
	// zero means 4096, a negative value turns RSA key generation off.
	// Generating an RSA-4096 key costs about a second of one core, more
	// than any other batch item by orders of magnitude, so a server
	// facing untrusted clients (or a fuzzer) may want less.
	MaxRSABits int
	// StrictJSON reads JSON requests as strict RFC 8259 JSON with the
	// specification's names only. By default they are read leniently
	// (jsonttlv.DecodeOptions.Lenient), so that what users copy from
	// documentation works: trailing commas, tag names in another letter
	// case, a missing "]", and Cosmian KMS 4.x's "Message", "Header" and
	// "Items"; a request in 4.x's naming is answered in it.
	StrictJSON bool

	// CA signs the certificates Certify and Re-certify issue (KMIP 2.1
	// §6.1.6, §6.1.45): its Leaf, or else Certificate[0], and its
	// PrivateKey, a crypto.Signer. Nil: the server makes its own CA (an
	// ECDSA P-256 key and a self-signed certificate, in memory only) the
	// first time it needs one; Server.CertificateAuthority returns it.
	CA *tls.Certificate

	// Middleware wraps the answering of every batch item, the first one
	// outermost (see Middleware): logging, access control, metrics and
	// limits.
	Middleware []Middleware
	// Identify names the client of a message for Item.Identity and
	// object ownership; nil means DefaultIdentity.
	Identify func(Peer) string
	// Access, when not nil, keeps each client's objects from the others
	// (see AccessControl); nil lets every client use every object.
	Access *AccessControl
	// BearerTokens, when not nil, maps HTTP bearer tokens to identities
	// (EndpointConfig.BearerTokens).
	BearerTokens map[string]string

	// The connections Serve and ServeHTTP take. TLS, when not nil, is
	// spoken on the listeners given to Serve (give it plain ones);
	// ServeHTTP leaves TLS to its http.Server. The timeouts, MaxConns,
	// MaxBodySize and MaxInflightBytes are EndpointConfig's.
	TLS                                    *tls.Config
	ReadTimeout, IdleTimeout, WriteTimeout time.Duration
	MaxConns                               int
	MaxBodySize                            int
	MaxInflightBytes                       int64
}

// Server answers KMIP requests from its object store: in process
// (ServeTTLV, ServeJSON, ServeOperationJSON), on listeners (Serve) and
// over HTTP (ServeHTTP). It is safe for concurrent use: one Server serves
// every connection.
type Server struct {
	log   *slog.Logger
	now   func() time.Time
	rand  io.Reader
	lease int64 // Lease Time in seconds
	// maxRSABits bounds RSA key generation (Config.MaxRSABits).
	maxRSABits int
	// interop enables the Interop operation (Config.Interop).
	interop bool
	// strictJSON turns off the lenient reading of JSON (Config.StrictJSON).
	strictJSON bool
	dopts      ttlv.DecodeOptions
	bopts      batch.Options
	store      store
	// streams holds the multi-part Encrypts in progress.
	streams streams
	// parts holds the other multi-part operations in progress.
	parts partStreams
	ctxs  sync.Pool // *reqCtx
	// chain is the Config.Middleware chain, nil without middleware.
	chain    ItemFunc
	identify func(Peer) string
	// access is Config.Access, nil without access control.
	access *AccessControl
	// constraints are those Set Constraints set (constraints.go), nil
	// before any.
	constraints atomic.Pointer[constraintSet]
	// defaults are those Set Defaults set (defaults.go), nil before any.
	defaults atomic.Pointer[defaultSet]
	ep       *Endpoint
	// persist keeps the objects on stable storage, nil for memory only.
	persist Store
	// scanLocate makes Locate visit every object, not the index's
	// candidates: tests compare the two.
	scanLocate bool
	// ca signs what Certify and Re-certify issue (certify.go).
	ca authority
	// tickets are the Login tickets issued (login.go).
	tickets ticketTable
	// pkcs12Slot lets one PKCS#12 container be opened at a time
	// (pkcs12.go): what one may cost is bounded only where it shows.
	pkcs12Slot chan struct{}
}

// New returns a Server with an empty store.
func New(cfg Config) *Server {
	s := &Server{log: cfg.Logger, now: cfg.Now, rand: cfg.Rand, interop: cfg.Interop, maxRSABits: cfg.MaxRSABits,
		strictJSON: cfg.StrictJSON, pkcs12Slot: make(chan struct{}, 1)}
	if s.maxRSABits == 0 {
		s.maxRSABits = 4096
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	switch {
	case cfg.LeaseTime == 0:
		s.lease = 3600
	case cfg.LeaseTime > 0:
		s.lease = int64(cfg.LeaseTime / time.Second)
	}
	s.dopts = ttlv.DecodeOptions{MaxMessageSize: cfg.MaxMessageSize, MaxDepth: cfg.MaxDepth}
	s.bopts = batch.Options{Decode: s.dopts, MaxItems: cfg.MaxItems}
	s.store.init()
	s.ca.given = cfg.CA
	s.ctxs.New = func() any { return &reqCtx{s: s} }
	s.chain = chain(cfg.Middleware)
	s.identify = cfg.Identify
	if s.identify == nil {
		s.identify = DefaultIdentity
	}
	if cfg.Access != nil {
		a := *cfg.Access
		a.Admins = slices.Clone(a.Admins)
		s.access = &a
	}
	ep, err := NewEndpoint(EndpointConfig{
		Plaintext: cfg.TLS == nil, TLS: cfg.TLS,
		MaxMessageSize: cfg.MaxMessageSize, MaxBodySize: cfg.MaxBodySize,
		ReadTimeout: cfg.ReadTimeout, IdleTimeout: cfg.IdleTimeout, WriteTimeout: cfg.WriteTimeout,
		MaxConns: cfg.MaxConns, Logger: s.log, BearerTokens: cfg.BearerTokens, MaxInflightBytes: cfg.MaxInflightBytes,
	}, s)
	if err != nil { // cannot happen: TLS is given or off
		panic(err)
	}
	s.ep = ep
	return s
}

// Serve accepts binary TTLV connections on l (with Config.TLS when set)
// and serves them until Shutdown or Close, when it returns
// ErrServerClosed. It may be called for several listeners at once.
func (s *Server) Serve(l net.Listener) error { return s.ep.Serve(l) }

// ServeHTTP answers POST /kmip (a RequestMessage in the JSON or binary
// form, answered in the same form) and POST /kmip/2_1 (a bare operation in
// JSON, Cosmian KMS's extension): the Server is an http.Handler to mount in
// an http.Server.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.ep.ServeHTTP(w, r) }

// Shutdown stops the listeners given to Serve, lets the requests in
// progress finish and waits for the connections to end, or for ctx to be
// done, when it closes them and returns ctx's error; then it closes the
// Store. HTTP connections are their http.Server's.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.ep.Shutdown(ctx)
	return errors.Join(err, s.closeStore())
}

// Close closes the listeners given to Serve and every connection at once,
// then the Store.
func (s *Server) Close() error {
	err := s.ep.Close()
	return errors.Join(err, s.closeStore())
}

// Open returns a Server whose objects are kept in st (see Store): it
// loads the objects st holds, then stores every change before answering
// the request that made it. Close and Shutdown close st.
func Open(cfg Config, st Store) (*Server, error) {
	s := New(cfg)
	s.persist = st
	if err := s.loadStore(); err != nil {
		return nil, err
	}
	return s, nil
}

// closeStore closes the persistent store, if any.
func (s *Server) closeStore() error {
	if s.persist == nil {
		return nil
	}
	return s.persist.Close()
}

// result is one response batch item, kept until the message is assembled
// (an Undo continuation rewrites earlier successes).
type result struct {
	op      uint32
	id      []byte
	status  uint32
	reason  uint32
	msg     string
	payload []byte // the ResponsePayload, in an arena
	jm      int    // the journal length before the item ran
}

// journalEntry records what an item changed so that it can be reverted:
// the object's state before the change, or its creation.
type journalEntry struct {
	obj         *object
	prev        objState
	created     bool
	obliterated bool    // Obliterate took obj out of the store
	ticket      *ticket // a ticket Login issued (obj nil): undone, it ends
	// constraints, a Set Constraints (obj nil): the set it replaced, set
	// again when undone unless another has replaced it since
	constraints, prevConstraints *constraintSet
	// defaults, a Set Defaults (obj nil): the set it replaced, as for
	// the constraints
	defaults, prevDefaults *defaultSet
}

// reqCtx is the per-message state, pooled.
type reqCtx struct {
	s            *Server
	ctx          context.Context
	sp           batch.Splitter
	asm          batch.Assembler
	major, minor int32
	now          time.Time
	placeholder  string
	val          ttlv.Value
	typed        typedRequests // the typed operations' payloads (typed.go)
	arena        []byte        // response payloads
	scratch      []byte        // cryptographic output, conversions
	bin          []byte        // the binary response of a JSON request
	results      []result
	items        []batch.Item
	journal      []journalEntry
	journaling   bool
	unordered    bool      // the message's items may run in any order (serveUnordered)
	dirty        []*object // the objects the message changed (with a Store)
	reidx        []*object // the objects the item changed, for the index
	recs         []Record  // their records
	recBuf       []byte    // the records' data
	peer         Peer      // the client (PeerFromContext)
	identity     string    // Config.Identify(peer), or the ticket's
	admin        bool      // identity is an AccessControl administrator
	ticket       *ticket   // the Login ticket the message authenticated with (login.go)
	authErr      *opError  // the failure of the message's ticket, for every item
	op           uint32    // the operation of the item being answered
	item         Item      // the item the middleware chain is given
}

// opError is a failed item: its Result Reason and Result Message.
type opError struct {
	reason uint32
	msg    string
}

func (e *opError) Error() string { return e.msg }

func fail(reason uint32, format string, args ...any) *opError {
	return &opError{reason: reason, msg: fmt.Sprintf(format, args...)}
}

// v1 reports a KMIP 1.x conversation.
func (c *reqCtx) v1() bool { return c.major < 2 }

// wrongState is the failure for an operation the object's state forbids:
// Wrong Key Lifecycle State in KMIP 2.1, Permission Denied in 1.x and 2.0
// (as the OASIS profile test cases expect, e.g. SKLC-M-2-14, AKLC-M-2-20).
func (c *reqCtx) wrongState(format string, args ...any) *opError {
	if c.major < 2 || c.major == 2 && c.minor == 0 { // the reason is KMIP 2.1's
		return fail(rrPermissionDenied, format, args...)
	}
	return fail(rrWrongKeyLifecycleState, format, args...)
}

// reason maps a KMIP 2.x-only Result Reason to the nearest 1.x one.
func (c *reqCtx) reason(r uint32) uint32 {
	if !c.v1() || r <= 0x18 || r == rrGeneralFailure {
		return r
	}
	switch r {
	case rrAttributeNotFound, rrObjectDestroyed, rrObjectNotFound:
		return rrItemNotFound
	case rrAttributeReadOnly, rrWrongKeyLifecycleState:
		return rrPermissionDenied
	}
	return rrInvalidField
}

func (s *Server) getCtx(ctx context.Context) *reqCtx {
	c := s.ctxs.Get().(*reqCtx)
	c.ctx = ctx
	c.peer, _ = PeerFromContext(ctx)
	c.identity = s.identify(c.peer)
	c.admin = s.access != nil && s.access.isAdmin(c.identity)
	c.ticket, c.authErr = nil, nil
	c.now = s.now()
	c.placeholder = ""
	c.unordered = false
	c.arena = c.arena[:0]
	c.results = c.results[:0]
	c.journal = c.journal[:0]
	return c
}

func (s *Server) putCtx(c *reqCtx) {
	c.ctx = nil
	c.peer = Peer{}
	c.ticket, c.authErr = nil, nil
	clear(c.journal) // drop object references
	clear(c.dirty)
	c.dirty = c.dirty[:0]
	clear(c.reidx)
	c.reidx = c.reidx[:0]
	if cap(c.recBuf) > 1<<20 {
		c.recBuf = nil
	}
	if cap(c.arena) > 1<<20 {
		c.arena = nil
	}
	if cap(c.scratch) > 1<<20 {
		c.scratch = nil
	}
	if cap(c.bin) > 1<<20 {
		c.bin = nil
	}
	s.ctxs.Put(c)
}

// ServeTTLV answers one binary RequestMessage: the ResponseMessage appended
// to dst. It never fails: a message that cannot be parsed is answered with
// one failed BatchItem (Invalid Message), a malformed item with its own
// failure.
func (s *Server) ServeTTLV(ctx context.Context, dst, req []byte) []byte {
	c := s.getCtx(ctx)
	defer s.putCtx(c)
	hdr, err := c.sp.Reset(req, s.bopts)
	if err != nil {
		major, minor := peekVersion(req, 1, 0)
		return c.invalidMessage(dst, major, minor, err)
	}
	return c.serve(dst, hdr)
}

// ServeJSON answers one RequestMessage in the JSON form (KMIP Additional
// Message Encodings §4) with the ResponseMessage in the same form, in the
// specification's dialect, appended to dst; unless Config.StrictJSON, a
// request read leniently in Cosmian KMS 4.x's naming is answered in that
// naming (jsonttlv.Cosmian4Message).
func (s *Server) ServeJSON(ctx context.Context, dst, req []byte) []byte {
	c := s.getCtx(ctx)
	defer s.putCtx(c)
	jopts := s.jsonOptions()
	var bin []byte
	hdr, err := c.sp.ResetJSON(req, s.bopts, jopts)
	if err != nil {
		bin = c.invalidMessage(c.bin[:0], 2, 1, err)
	} else {
		bin = c.serve(c.bin[:0], hdr)
	}
	c.bin = bin
	eopts := jsonttlv.EncodeOptions{}
	if !s.strictJSON && jsonttlv.Cosmian4Message(req) {
		eopts.Cosmian4Names = true
	}
	out, err := jsonttlv.AppendJSON(dst, bin, eopts)
	if err != nil { // cannot happen: bin is our own well-formed output
		s.log.Error("kmipd: response to JSON", "err", err)
		return dst
	}
	return out
}

// jsonOptions bounds JSON input: the JSON form of a message is several
// times its binary size, so the limit is MaxMessageSize × 8 (the jsonttlv
// default when MaxMessageSize is zero).
func (s *Server) jsonOptions() jsonttlv.DecodeOptions {
	return jsonttlv.DecodeOptions{MaxDepth: s.dopts.MaxDepth, MaxSize: 8 * s.dopts.MaxMessageSize, Lenient: !s.strictJSON}
}

// invalidMessage answers a message that cannot be parsed: one BatchItem
// without Operation, Result Reason Invalid Message (shared/INTEROP.md).
func (c *reqCtx) invalidMessage(dst []byte, major, minor int32, err error) []byte {
	c.s.log.Debug("kmipd: invalid message", "err", err)
	c.asm.Begin(dst, major, minor, c.now.Unix())
	c.asm.Failure(0, nil, rrInvalidMessage, err.Error())
	return c.asm.Finish()
}

// supported reports whether the server speaks KMIP major.minor.
// KMIP 3.0 is the committee draft's, for the operations implemented; its
// wire differences are handled at the edges (see retypeIdentifiers, idOf,
// and batch for the Batch Count it reserves).
func supported(major, minor int32) bool {
	return major == 1 && minor >= 0 && minor <= 4 || major == 2 && minor >= 0 && minor <= 1 || major == 3 && minor == 0
}

// peekVersion reads the ProtocolVersion of a message that the Splitter
// refused, to answer in it when it can be found; def otherwise.
func peekVersion(msg []byte, defMajor, defMinor int32) (int32, int32) {
	_, body, n := ttlv.ConsumeStructure(msg)
	if n < 0 {
		return defMajor, defMinor
	}
	tag, hdr, n := ttlv.ConsumeStructure(body)
	if n < 0 || tag != ttlv.TagRequestHeader {
		return defMajor, defMinor
	}
	tag, pv, n := ttlv.ConsumeStructure(hdr)
	if n < 0 || tag != ttlv.TagProtocolVersion {
		return defMajor, defMinor
	}
	_, major, n := ttlv.ConsumeInteger(pv)
	if n < 0 {
		return defMajor, defMinor
	}
	_, minor, m := ttlv.ConsumeInteger(pv[n:])
	if m < 0 || !supported(major, minor) {
		return defMajor, defMinor
	}
	return major, minor
}

// Sizes of the response parts outside payloads, to hold a message to its
// MaximumResponseSize while the items run.
const (
	respHeaderSize = 8 + 8 + 40 + 16 + 16 // ResponseMessage, ResponseHeader{ProtocolVersion, TimeStamp, BatchCount}
	itemFixedSize  = 8 + 16 + 16          // BatchItem, Operation, ResultStatus
)

func (r *result) size() int {
	n := itemFixedSize + len(r.payload)
	if r.id != nil {
		n += ttlv.SizeBytes(len(r.id))
	}
	if r.status == batch.StatusFailed {
		n += 16
		if r.msg != "" {
			n += ttlv.SizeBytes(len(r.msg))
		}
	}
	return n
}

// serve runs the items of a split message and assembles the response.
func (c *reqCtx) serve(dst []byte, hdr *batch.Header) []byte {
	c.major, c.minor = hdr.Major, hdr.Minor
	versionOK := supported(c.major, c.minor)
	if !versionOK {
		// Answer in the nearest version the server has; items other than
		// DiscoverVersions fail (KMIP 1.4 §4.26, 2.1 §6.1.19).
		switch {
		case c.major >= 3:
			c.major, c.minor = 3, 0
		case c.major == 2:
			c.major, c.minor = 2, 1
		default:
			c.major, c.minor = 1, 4
		}
	}
	if versionOK {
		c.authenticate(hdr.Authentication) // login.go
	}
	maxSize := int(hdr.MaximumResponseSize)
	cont := hdr.ErrorContinuation
	c.journaling = cont == batch.Undo || maxSize > 0
	if !hdr.Ordered && cont == batch.Continue && maxSize == 0 {
		return c.finish(dst, c.serveUnordered(dst, versionOK))
	}
	size := respHeaderSize
	if c.major >= 3 {
		size -= ttlv.SizeInteger // no Batch Count
	}
	undo := false
	for {
		var it batch.Item
		err := c.sp.Next(&it)
		if err == io.EOF {
			break
		}
		var r result
		stop := false
		if err != nil {
			r, stop = splitFailure(err, &it)
		} else {
			r = c.run(&it, versionOK)
		}
		n := r.size()
		if maxSize > 0 && size+n > maxSize && r.status == batch.StatusSuccess {
			c.revertFrom(r.jm)
			r = result{op: r.op, id: r.id, status: batch.StatusFailed, reason: rrResponseTooLarge,
				msg: fmt.Sprintf("response of %d bytes exceeds MaximumResponseSize %d", size+n, maxSize)}
			n = r.size()
		}
		size += n
		c.results = append(c.results, r)
		if r.status == batch.StatusFailed {
			switch cont {
			case batch.Continue:
			case batch.Undo:
				undo = true
				stop = true
			default:
				stop = true
			}
		}
		if stop {
			break
		}
	}
	if undo {
		c.revertFrom(0)
	}
	if err := c.commit(); err != nil {
		c.failUncommitted(err)
		undo = false
	}
	return c.finish(dst, c.assemble(dst, undo))
}

// finish completes the response out (dst with the message appended) in
// the request's version: for KMIP 3.x, retypeIdentifiers.
func (c *reqCtx) finish(dst, out []byte) []byte {
	if c.major >= 3 {
		retypeIdentifiers(out[len(dst):])
	}
	return out
}

// retypeIdentifiers rewrites the Unique Identifiers of a KMIP 3.x response
// (Unique Identifier, and the Private and Public Key Unique Identifiers of
// Create Key Pair), which the server writes as Text Strings, as the
// Identifiers the KMIP 3.0 draft makes them: the encoding is the same but
// for the type byte (ttlv.Type.IsString).
func retypeIdentifiers(b []byte) {
	for len(b) >= ttlv.HeaderSize {
		tag, typ, length, _ := ttlv.ConsumeHeader(b)
		n := ttlv.HeaderSize + (int(length)+7)&^7
		if n > len(b) {
			return
		}
		switch {
		case typ == ttlv.TypeStructure:
			retypeIdentifiers(b[ttlv.HeaderSize:n])
		case typ == ttlv.TypeTextString && (tag == ttlv.TagUniqueIdentifier ||
			tag == ttlv.TagPrivateKeyUniqueIdentifier || tag == ttlv.TagPublicKeyUniqueIdentifier):
			b[3] = byte(ttlv.TypeIdentifier)
		}
		b = b[n:]
	}
}

// assemble writes the response of c.results.
func (c *reqCtx) assemble(dst []byte, undo bool) []byte {
	c.asm.Begin(dst, c.major, c.minor, c.now.Unix())
	for i := range c.results {
		r := &c.results[i]
		switch {
		case r.status == batch.StatusSuccess && undo:
			c.asm.UndonePayload(r.op, r.id, r.payload)
		case r.status == batch.StatusSuccess:
			c.asm.Success(r.op, r.id, r.payload)
		default:
			c.asm.Failure(r.op, r.id, c.reason(r.reason), r.msg)
		}
	}
	return c.asm.Finish()
}

// splitFailure is the result of an item the Splitter refused; stop is
// true when the split cannot go on.
func splitFailure(err error, it *batch.Item) (result, bool) {
	var be *batch.Error
	itemErr := errors.As(err, &be) && be.Item == it.Index && be.Item >= 0
	r := result{op: it.Operation, id: it.ID, status: batch.StatusFailed, reason: rrInvalidMessage, msg: err.Error()}
	if errors.Is(err, batch.ErrBatchCount) || !itemErr {
		r.op, r.id = 0, nil
	}
	return r, !itemErr
}

// statusPending marks a result not computed yet.
const statusPending = 0xFFFF

// maxItemWorkers bounds the goroutines of one unordered message.
const maxItemWorkers = 8

// serveUnordered serves a message whose Batch Order Option is false with
// the Continue option: its items may run concurrently (KMIP 2.1 §9.7, 1.4
// §6.12), on up to GOMAXPROCS goroutines; the answer keeps the request's
// order. The ID Placeholder is not available to such items (2.1 §6.1).
func (c *reqCtx) serveUnordered(dst []byte, versionOK bool) []byte {
	c.unordered = true
	c.items = c.items[:0]
	pending := 0
	for {
		var it batch.Item
		err := c.sp.Next(&it)
		if err == io.EOF {
			break
		}
		if err != nil {
			r, stop := splitFailure(err, &it)
			c.items = append(c.items, batch.Item{})
			c.results = append(c.results, r)
			if stop {
				break
			}
			continue
		}
		c.items = append(c.items, it)
		c.results = append(c.results, result{status: statusPending})
		pending++
	}
	workers := min(runtime.GOMAXPROCS(0), pending, maxItemWorkers)
	if workers <= 1 {
		for i := range c.results {
			if c.results[i].status == statusPending {
				c.results[i] = c.run(&c.items[i], versionOK)
			}
		}
		if err := c.commit(); err != nil {
			c.failUncommitted(err)
		}
		return c.assemble(dst, false)
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	helpers := make([]*reqCtx, workers)
	for w := range helpers {
		wc := c
		if w > 0 {
			wc = c.s.getCtx(c.ctx)
			wc.major, wc.minor, wc.now = c.major, c.minor, c.now
			wc.identity, wc.admin, wc.ticket, wc.authErr = c.identity, c.admin, c.ticket, c.authErr
		}
		wc.journaling, wc.unordered = false, true
		helpers[w] = wc
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(c.results) {
					return
				}
				if c.results[i].status == statusPending {
					c.results[i] = wc.run(&c.items[i], versionOK)
				}
			}
		}()
	}
	wg.Wait()
	for _, wc := range helpers[1:] {
		c.dirty = append(c.dirty, wc.dirty...)
		clear(wc.dirty)
		wc.dirty = wc.dirty[:0]
	}
	if err := c.commit(); err != nil {
		c.failUncommitted(err)
	}
	out := c.assemble(dst, false)
	for _, wc := range helpers[1:] {
		c.s.putCtx(wc) // their arenas held payloads until assembled
	}
	return out
}

// run executes one item and returns its result, its payload in c.arena;
// then the index learns what the item changed.
func (c *reqCtx) run(it *batch.Item, versionOK bool) result {
	r := c.runItem(it, versionOK)
	if len(c.reidx) > 0 {
		c.reindex()
	}
	return r
}

func (c *reqCtx) runItem(it *batch.Item, versionOK bool) result {
	r := result{op: it.Operation, id: it.ID, jm: len(c.journal)}
	if !versionOK && it.Operation != opDiscoverVersions {
		r.status, r.reason = batch.StatusFailed, rrInvalidMessage
		r.msg = "protocol version not supported"
		return r
	}
	if err := c.ctx.Err(); err != nil {
		r.status, r.reason, r.msg = batch.StatusFailed, rrGeneralFailure, err.Error()
		return r
	}
	if c.authErr != nil {
		r.status, r.reason, r.msg = batch.StatusFailed, c.authErr.reason, c.authErr.msg
		return r
	}
	start := len(c.arena)
	var buf []byte
	var oerr *opError
	if c.s.chain == nil {
		buf, oerr = c.answer(it.Operation, it.Payload, c.arena)
	} else {
		c.item = Item{Operation: it.Operation, ID: it.ID, Payload: it.Payload, Major: c.major, Minor: c.minor,
			Peer: c.peer, Identity: c.identity, c: c}
		var err error
		buf, err = c.s.chain(c.ctx, &c.item, c.arena)
		c.item = Item{}
		if err != nil {
			oerr = itemError(err)
		}
	}
	if oerr != nil {
		if len(buf) >= start {
			c.arena = buf[:start]
		}
		c.revertFrom(r.jm)
		r.status, r.reason, r.msg = batch.StatusFailed, oerr.reason, oerr.msg
		return r
	}
	c.arena = buf
	r.payload = buf[start:]
	return r
}

// answer runs one operation on its Request Payload (a whole Structure, or
// nil), appending the Response Payload to b.
func (c *reqCtx) answer(op uint32, payload, b []byte) ([]byte, *opError) {
	start := len(b)
	c.op = op
	if err := c.admit(op); err != nil {
		return b, err
	}
	if op == opGet {
		if buf, ok := c.getFast(payload, b); ok {
			return buf, nil
		}
	}
	if buf, oerr, ok := c.answerTyped(op, payload, b); ok {
		return buf, oerr
	}
	if payload == nil {
		c.val.Tag, c.val.Type, c.val.Children = ttlv.TagRequestPayload, ttlv.TypeStructure, c.val.Children[:0]
	} else if err := ttlv.UnmarshalOptions(payload, &c.val, c.s.dopts); err != nil {
		return b, fail(rrInvalidMessage, "%v", err)
	}
	buf, mark := ttlv.BeginStructure(b, ttlv.TagResponsePayload)
	buf, oerr := c.dispatch(op, &c.val, payload, buf)
	if oerr != nil {
		return buf[:start], oerr
	}
	ttlv.EndStructure(buf, mark)
	return buf, nil
}

// dispatch runs one operation on p, its Request Payload decoded from
// payload, appending its response payload's contents.
func (c *reqCtx) dispatch(op uint32, p *ttlv.Value, payload, b []byte) ([]byte, *opError) {
	if !c.defines(op) { // a later version's operation (opversion.go)
		return b, unsupported(op)
	}
	switch op {
	case opDeriveKey:
		return c.deriveKey(p, b)
	case opReKey:
		return c.reKey(p, b)
	case opSetAttribute:
		return c.setAttribute(p, b)
	case opActivate:
		return c.activate(p, b)
	case opObtainLease:
		return c.obtainLease(p, b)
	case opCheck:
		return c.check(p, b)
	case opRevoke:
		return c.revoke(p, b)
	case opGetAttributeList:
		return c.getAttributeList(p, b)
	case opAddAttribute:
		return c.addAttribute(p, b)
	case opModifyAttribute:
		return c.modifyAttribute(p, b)
	case opDeleteAttribute:
		return c.deleteAttribute(p, b)
	case opQuery:
		return c.query(p, b)
	case opDiscoverVersions:
		return c.discoverVersions(p, b)
	case opSignatureVerify:
		return c.gatheredTree(op, p, payload, b, c.signatureVerify)
	case opMAC:
		return c.gatheredTree(op, p, payload, b, c.mac)
	case opRNGRetrieve:
		return c.rngRetrieve(p, b)
	case opArchive:
		return c.archive(p, b)
	case opRecover:
		return c.recoverOp(p, b)
	case opPoll:
		return c.poll(p, b)
	case opCancel:
		return c.cancel(p, b)
	case opQueryAsyncRequests:
		return c.queryAsyncRequests(p, b)
	case opProcess:
		return c.process(p, b)
	case opPing:
		return c.ping(p, b)
	case opDeactivate:
		return c.deactivate(p, b)
	case opSetConstraints:
		return c.setConstraints(p, b)
	case opGetConstraints:
		return c.getConstraints(p, b)
	case opSetDefaults:
		return c.setDefaults(p, b)
	case opGetUsageAllocation:
		return c.getUsageAllocation(p, b)
	case opCreateSplitKey:
		return c.createSplitKey(p, b)
	case opJoinSplitKey:
		return c.joinSplitKey(p, b)
	case opRNGSeed:
		return c.rngSeed(p, b)
	case opMACVerify:
		return c.gatheredTree(op, p, payload, b, c.macVerify)
	case opHash:
		return c.gatheredTree(op, p, payload, b, c.hash)
	case opLog:
		return c.logOp(p, b)
	case opAdjustAttribute:
		return c.adjustAttribute(p, b)
	case opSetEndpointRole:
		return c.setEndpointRole(p, b)
	case opImport:
		return c.importOp(p, b)
	case opReKeyKeyPair:
		return c.reKeyKeyPair(p, b)
	case opCertify:
		return c.certify(p, b)
	case opReCertify:
		return c.reCertify(p, b)
	case opValidate:
		return c.validate(p, b)
	case opInterop:
		if !c.s.interop {
			break
		}
		return c.interopOp(p, b)
	case opLogin, opDelegatedLogin:
		return c.login(p, b)
	case opLogout:
		return c.logout(p, b)
	}
	return b, unsupported(op)
}

// unsupported is the failure for an operation the server does not
// implement, or not in the conversation's protocol version.
func unsupported(op uint32) *opError {
	name, ok := ttlv.EnumName(ttlv.TagOperation, op)
	if !ok {
		name = fmt.Sprintf("0x%08X", op)
	}
	return fail(rrOperationNotSupported, "operation %s not supported", name)
}

// record notes, when journaling, the state of o before a change.
// Call it with o.mu held.
func (c *reqCtx) record(o *object) {
	c.changed(o)
	if c.journaling {
		c.journal = append(c.journal, journalEntry{obj: o, prev: o.snapshot()})
	}
}

// recordCreated notes, when journaling, a new object.
func (c *reqCtx) recordCreated(o *object) {
	c.counted(o)
	if c.journaling {
		c.journal = append(c.journal, journalEntry{obj: o, created: true})
	}
}

// revertFrom undoes the journal entries from index i on, latest first.
func (c *reqCtx) revertFrom(i int) {
	for j := len(c.journal) - 1; j >= i; j-- {
		e := &c.journal[j]
		if e.ticket != nil {
			c.s.tickets.revoke(e.ticket)
		} else if e.constraints != nil {
			c.s.constraints.CompareAndSwap(e.constraints, e.prevConstraints)
		} else if e.defaults != nil {
			c.s.defaults.CompareAndSwap(e.defaults, e.prevDefaults)
		} else if e.created {
			c.s.store.remove(e.obj)
		} else {
			if e.obliterated {
				c.s.store.unobliterate(e.obj)
			}
			e.obj.mu.Lock()
			e.obj.objState = e.prev
			e.obj.mu.Unlock()
		}
		*e = journalEntry{}
	}
	if i < len(c.journal) {
		c.journal = c.journal[:i]
	}
}

// ServeOperationJSON serves Cosmian KMS's /kmip/2_1 extension: req is a bare
// operation in JSON ({"tag":"Encrypt","value":[…payload fields…]}), run as
// KMIP 2.1; the answer is the bare response payload in JSON
// ({"tag":"EncryptResponse",…}, Cosmian's dialect). ok is false when the
// operation failed: the bytes are then a one-line text error (sent with
// HTTP 422).
func (s *Server) ServeOperationJSON(ctx context.Context, dst, req []byte) (out []byte, ok bool) {
	c := s.getCtx(ctx)
	defer s.putCtx(c)
	var env struct {
		Tag   string          `json:"tag"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(req, &env); err != nil {
		return fmt.Appendf(dst, "Invalid_Message: invalid JSON: %v", err), false
	}
	op, known := ttlv.LookupEnum(ttlv.TagOperation, env.Tag)
	if !known {
		return fmt.Appendf(dst, "Invalid_Message: unknown operation %q", env.Tag), false
	}
	pj := append(c.scratch[:0], `{"tag":"RequestPayload","type":"Structure","value":`...)
	if len(env.Value) == 0 {
		pj = append(pj, "[]"...)
	} else {
		pj = append(pj, env.Value...)
	}
	pj = append(pj, '}')
	c.scratch = pj
	bin, err := jsonttlv.AppendBinary(nil, pj, s.jsonOptions())
	if err != nil {
		return fmt.Appendf(dst, "Invalid_Message: %v", err), false
	}
	c.major, c.minor = 2, 1
	c.journaling = false
	var buf []byte
	var oerr *opError
	if s.chain == nil {
		buf, oerr = c.answer(op, bin, c.arena[:0])
	} else {
		c.item = Item{Operation: op, Payload: bin, Major: 2, Minor: 1, Peer: c.peer, Identity: c.identity, c: c}
		var err error
		buf, err = s.chain(c.ctx, &c.item, c.arena[:0])
		c.item = Item{}
		if err != nil {
			oerr = itemError(err)
		}
	}
	if len(c.reidx) > 0 {
		c.reindex()
	}
	if err := c.commit(); err != nil && oerr == nil {
		c.s.log.Error("kmipserver: store commit failed", "err", err)
		oerr = fail(rrGeneralFailure, "the change could not be stored: %v", err)
	}
	if oerr != nil {
		name, _ := ttlv.EnumName(ttlv.TagResultReason, oerr.reason)
		return fmt.Appendf(dst, "%s: %s", name, strings.ReplaceAll(oerr.msg, "\n", " ")), false
	}
	c.arena = buf
	js, err := jsonttlv.AppendJSON(nil, buf, jsonttlv.EncodeOptions{Dialect: jsonttlv.DialectCosmian})
	if err != nil {
		return fmt.Appendf(dst, "General_Failure: %v", err), false
	}
	opName, _ := ttlv.EnumName(ttlv.TagOperation, op)
	js = bytes.Replace(js, []byte(`"ResponsePayload"`), []byte(`"`+opName+`Response"`), 1)
	return append(dst, js...), true
}

package conform

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// RoundTripper sends one binary TTLV request message and returns the
// binary response message.
type RoundTripper interface {
	RoundTrip(ctx context.Context, req []byte) ([]byte, error)
}

// Handler is a KMIP server that answers in process: it appends the
// response to req to dst (kmipserver.Server is one).
type Handler interface {
	ServeTTLV(ctx context.Context, dst, req []byte) []byte
}

// InProcess is a RoundTripper that calls a Handler directly.
type InProcess struct {
	Handler Handler
}

// RoundTrip implements RoundTripper.
func (p InProcess) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	resp := p.Handler.ServeTTLV(ctx, nil, req)
	if len(resp) == 0 {
		return nil, errors.New("conform: empty response")
	}
	return resp, nil
}

// Conn is a RoundTripper over one network connection carrying binary
// TTLV (KMIP 2.1 §15.1: a message is an 8-byte header then its value):
// requests are written whole, responses read header first, their length
// checked against MaxSize before the body is read.
type Conn struct {
	c  net.Conn
	br *bufio.Reader
	// MaxSize bounds a response message; zero means
	// ttlv.DefaultMaxMessageSize.
	MaxSize int
}

// Dial connects to addr over TCP, or over TLS when tlsConfig is not nil.
func Dial(ctx context.Context, addr string, tlsConfig *tls.Config) (*Conn, error) {
	var d net.Dialer
	var c net.Conn
	var err error
	if tlsConfig != nil {
		td := tls.Dialer{NetDialer: &d, Config: tlsConfig}
		c, err = td.DialContext(ctx, "tcp", addr)
	} else {
		c, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return nil, fmt.Errorf("conform: %w", err)
	}
	return &Conn{c: c, br: bufio.NewReader(c)}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }

// RoundTrip implements RoundTripper.
func (c *Conn) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	if dl, ok := ctx.Deadline(); ok {
		if err := c.c.SetDeadline(dl); err != nil {
			return nil, fmt.Errorf("conform: %w", err)
		}
	}
	if _, err := c.c.Write(req); err != nil {
		return nil, fmt.Errorf("conform: writing request: %w", err)
	}
	var hdr [ttlv.HeaderSize]byte
	if _, err := io.ReadFull(c.br, hdr[:]); err != nil {
		return nil, fmt.Errorf("conform: reading response header: %w", err)
	}
	n := int64(binary.BigEndian.Uint32(hdr[4:]))
	limit := int64(c.MaxSize)
	if limit <= 0 {
		limit = ttlv.DefaultMaxMessageSize
	}
	if n > limit {
		return nil, fmt.Errorf("conform: response of %d bytes exceeds %d", n, limit)
	}
	resp := make([]byte, ttlv.HeaderSize+n)
	copy(resp, hdr[:])
	if _, err := io.ReadFull(c.br, resp[ttlv.HeaderSize:]); err != nil {
		return nil, fmt.Errorf("conform: reading response: %w", err)
	}
	return resp, nil
}

// ignored lists the tags whose values the replay does not compare, besides
// the placeholders of the test case (their presence is still compared): a
// Result Message is free text, which servers word as they like; a Time
// Stamp is the server's clock.
var ignored = map[ttlv.Tag]bool{
	ttlv.TagResultMessage:          true,
	ttlv.TagTimeStamp:              true,
	ttlv.TagServerCorrelationValue: true,
}

// timeTolerance bounds how far a Date-Time in a response may be from the
// "$NOW±N" the test case expects: the steps of a test case run within
// seconds, but a server over the network keeps its own clock.
const timeTolerance = 10 * time.Minute

// generators are the operations whose responses name objects the server
// made key material for: responses about those objects carry values that
// differ from run to run.
var generators = map[string]bool{
	"Create": true, "CreateKeyPair": true, "DeriveKey": true, "ReKey": true,
	"ReKeyKeyPair": true, "CreateSplitKey": true, "JoinSplitKey": true,
}

// idTags are the items of a response payload that name the objects made.
var idTags = map[ttlv.Tag]bool{
	ttlv.TagUniqueIdentifier:           true,
	ttlv.TagPrivateKeyUniqueIdentifier: true,
	ttlv.TagPublicKeyUniqueIdentifier:  true,
}

// Replay runs the server check of one test case: each RequestMessage, its
// placeholders bound, is sent through rt in order, and the response is
// compared with the ResponseMessage that follows it in the file (see
// comparer for what order means). The first difference ends the test case.
//
// The comparison policy. Everything in the expected response is compared —
// structure, types, order, values — except what a correct server cannot
// reproduce, in four classes:
//
//  1. Run-dependent values, bound rather than compared. In an expected
//     response, a placeholder ("$UNIQUE_IDENTIFIER_0", "$CORRELATION_VALUE",
//     …) seen for the first time binds to the value the server returned;
//     later requests and expected responses use that value, so it is
//     compared from then on. "$NOW±N" Date-Times are sent as now±N seconds
//     and, in responses, compared within timeTolerance of now±N (the
//     server's clock decides).
//  2. Values that describe the server, not the object or the operation:
//     Time Stamp (the server's clock) and Result Message (free text) by
//     value (see ignored); Random Number Generator (the reference server's
//     ANSI X9.31, another's DRBG) and Server Information by presence and
//     type only (see describesServer); in a Query response payload, all but
//     the Operation and Object Type lists: Vendor Identification, Server
//     Information, Profile Information, capabilities (see comparer). A
//     Vendor Identification inside an Attribute names the attribute and is
//     compared. A Discover Versions response lists the versions the server
//     supports: the expected ones must be listed, in the same order, and
//     the server may list more.
//  3. Randomized outputs, not comparable byte for byte (see randomized):
//     the Data of an Encrypt with an RSA key (OAEP and PKCS#1 v1.5 padding
//     are random); the Data, IV/Counter/Nonce and Authenticated Encryption
//     Tag of an Encrypt for which the server generates the IV (the request
//     has none, the expected response has one); the Signature Data of an
//     ECDSA or RSA-PSS Sign; and every Byte String and Big Integer in the
//     response payloads about an object whose key material the server
//     generated (named by the response of Create, CreateKeyPair, DeriveKey,
//     ReKey, ReKeyKeyPair, CreateSplitKey, JoinSplitKey, here or in the
//     predecessor, or in a batch holding one of those operations): key
//     material, digests, ciphertexts, signatures, MACs; and those of
//     RNGRetrieve (random data). Where the test case writes such a value
//     literally (the reference run's output), later requests refer to it
//     as "$" + its tag in upper snake case with or without an index
//     ("$DATA_0", "$IV_COUNTER_NONCE"): those names bind to the server's
//     value; a Correlation Value is bound (class 1), anew in the response
//     to a request that begins a multi-part operation (Init Indicator).
//     A literal the test case writes again in a later response (the key
//     both sides of an ECDH derive, the same key got twice) must come back
//     as the value the server answered the first time (see comparer.same).
//     Deterministic outputs ARE compared, and a difference is a
//     failure: Decrypt, MAC, MAC Verify, Signature Verify, RSA PKCS#1 v1.5
//     signatures, block ciphers with a registered key and a given IV
//     (AES-ECB/CBC/CTR/GCM ciphertexts and GCM tags).
//  4. Items the specification lets a server add: a Located Items where the
//     reference response has none (see optional); a Server Correlation
//     Value in the response header, present or not (see serverChoice) and
//     its value the server's; in a Query response,
//     Operations and Object Types beyond the expected ones.
//
// The KMIP 1.0 profile test cases (TestCase.KMIP10) record the reference
// run's Date-Times literally ("2012-04-27T08:12:24+00:00") where the later
// suites write "$NOW", and so do some later ones (the Export answers of
// the 2.0 TC-IMPEXP cases): in a response payload, a literal Date-Time
// that no earlier request of the test case carried is the server's clock
// (an Initial Date, a Last Change Date) — a server has no other way to
// know a date — and is compared by presence and type only, as class 1
// would with "$NOW", in that response and the later ones (a later request
// may carry it back: an Import of what an Export answered). A date a
// request carried first (an Activation Date given) is compared. A literal Short Unique
// Identifier (TC-IMPEXP-3-20 writes the reference's where the other files
// write "$SHORT_UNIQUE_IDENTIFIER_0") is compared by presence and type
// too: the server makes it from its own Unique Identifier (2.1 §4.56), so
// it is as run-dependent as that. The 1.0 cases' Attribute Names are
// repaired when read (see Parse).
//
// The report gives the first difference with its tag path; when that is
// the response header's Batch Count, the batch item that explains it comes
// first (see itemCause).
//
// A test case is Skipped, not Failed, when the server shows it lacks what
// the test case requires: it answers OperationNotSupported where the test
// case expects no such failure, or its Query response (Success) does not
// list an Operation or Object Type that the expected Query response lists —
// the test case requires it, as surely as a request using an operation
// that the server's Query does not list (Server.SkipUnlisted).
func Replay(ctx context.Context, tc *TestCase, rt RoundTripper, now func() time.Time) FileResult {
	return replay(ctx, tc, rt, now, map[string]bool{}, nil)
}

// replay is Replay with the identifiers, as the server returned them, of
// the objects whose key material the server generated: shared with the
// predecessor of a test case (see RunServer), and added to; and the
// values of Server.OutOfScope.
func replay(ctx context.Context, tc *TestCase, rt RoundTripper, now func() time.Time, genIDs, outOfScope map[string]bool) FileResult {
	fr := FileResult{Path: tc.Path, Profile: tc.Profile, Outcome: Passed}
	if tc.Err != nil && tc.NotWellFormed() {
		fr.Outcome, fr.Detail = Unreadable, trimPrefix(tc.Err.Error())+" (not well-formed XML)"
		return fr
	}
	if now == nil {
		now = time.Now
	}
	bound := map[string]string{}
	generated := map[string]bool{}    // placeholder names of generated objects
	algorithms := map[string]string{} // placeholder name → Cryptographic Algorithm of the object
	implicit := map[string]string{}   // implicit placeholders (see bindResponse)
	counts := map[ttlv.Tag]int{}      // literal Byte Strings seen so far, by tag
	sentDates := map[string]bool{}    // the Date-Times the requests carried
	clockDates := map[string]bool{}   // those a response showed first: the reference's clock
	randomSeen := map[string]string{} // a randomized literal → the server's value where first seen
	reg := Registry()
	msgs := tc.Messages
	for i := 0; i < len(msgs); i += 2 {
		fr.Messages++
		req := &msgs[i]
		fail := func(format string, args ...any) FileResult {
			fr.Outcome = Failed
			fr.Detail = fmt.Sprintf("step %d (request line %d): ", i/2, req.Line) + fmt.Sprintf(format, args...)
			return fr
		}
		if req.Tag != ttlv.TagRequestMessage || i+1 >= len(msgs) || msgs[i+1].Tag != ttlv.TagResponseMessage {
			return fail("not a RequestMessage followed by a ResponseMessage")
		}
		want := &msgs[i+1]
		reqTree, err := parseTree(req.XML)
		if err != nil {
			return fail("request: %v", err)
		}
		walk(reqTree, func(n *node) {
			if n.typ == ttlv.TypeDateTime {
				sentDates[n.value] = true
			}
		})
		ph := &placeholders{now: now(), byIdx: map[int]string{}, bound: bound, implicit: implicit}
		bin, err := xmlttlv.AppendBinary(nil, req.XML, xmlttlv.DecodeOptions{Registry: reg, Placeholder: ph.codec})
		if err != nil {
			return fail("request: %v", err)
		}
		resp, err := rt.RoundTrip(ctx, bin)
		if err != nil {
			return fail("%v", err)
		}
		gotXML, err := xmlttlv.AppendXML(nil, resp, xmlttlv.EncodeOptions{Indent: "  ", Registry: reg})
		if err != nil {
			return fail("response is not valid TTLV: %v", err)
		}
		got, err := parseTree(gotXML)
		if err != nil {
			return fail("response: %v", err)
		}
		exp, err := parseTree(want.XML)
		if err != nil {
			return fail("expected response (line %d): %v", want.Line, err)
		}
		walk(exp, func(n *node) {
			if n.typ == ttlv.TypeDateTime && !strings.HasPrefix(n.value, "$") && !sentDates[n.value] {
				clockDates[n.value] = true
			}
		})
		if op, ok := unsupported(exp, got); ok {
			fr.Outcome = Skipped
			fr.Detail = fmt.Sprintf("step %d (request line %d): %s: OperationNotSupported", i/2, req.Line, op)
			return fr
		}
		for _, v := range exemptOutOfScope(reqTree, exp, got, outOfScope) {
			if !slices.Contains(fr.Exempted, v) {
				fr.Exempted = append(fr.Exempted, v)
			}
		}
		if missing := unlistedByQuery(reqTree, exp, got); len(missing) > 0 {
			fr.Outcome = Skipped
			fr.Detail = fmt.Sprintf("step %d (request line %d): requires %s, which the server's Query does not list", i/2, req.Line, requirements(missing))
			return fr
		}
		variable := false
		walk(got, func(n *node) {
			if idTags[n.tag] && genIDs[n.value] {
				variable = true // about an object the server generated
			}
		})
		reqItems, expItems := children(reqTree, ttlv.TagBatchItem), children(exp, ttlv.TagBatchItem)
		random := make([]map[ttlv.Tag]bool, len(expItems))
		for j, item := range reqItems {
			op := childValue(item, ttlv.TagOperation)
			if op == "RNGRetrieve" || generators[op] {
				// A generator in the batch: later items may reach the new
				// object through the ID placeholder.
				variable = true
			}
			for _, p := range children(item, ttlv.TagRequestPayload) {
				for _, id := range children(p, ttlv.TagUniqueIdentifier) {
					if generated[id.value] {
						variable = true
					}
				}
			}
			if j < len(expItems) {
				random[j] = randomized(item, expItems[j], algorithms)
			}
		}
		// A request that begins a multi-part operation gets a new
		// Correlation Value: its placeholder binds anew (TC-STREAM-MAC-1
		// names the MAC's and the MAC Verify's streams alike).
		walk(reqTree, func(n *node) {
			if n.tag == ttlv.TagInitIndicator && n.value == "true" {
				walk(exp, func(e *node) {
					if e.tag == ttlv.TagCorrelationValue && strings.HasPrefix(e.value, "$") {
						delete(bound, e.value)
					}
				})
			}
		})
		// randomizedAt reports a randomized output (class 3), not compared.
		randomizedAt := func(item int, path ttlv.Path, e *node) bool {
			if item >= 0 && item < len(random) && random[item][e.tag] && len(path) == 4 {
				return true
			}
			// A Correlation Value names a stream, not key material: bound.
			return variable && (e.typ == ttlv.TypeByteString || e.typ == ttlv.TypeBigInteger) && e.tag != ttlv.TagCorrelationValue
		}
		c := comparer{
			valueOf: func(e, a *node, bind bool) (string, bool) {
				name := e.value
				if strings.HasPrefix(name, "$NOW") {
					// The server's clock decides: within timeTolerance of
					// the placeholder's instant on ours.
					want, err := ph.time(name)
					if err != nil {
						return "", false
					}
					if got, err := time.Parse(time.RFC3339, a.value); err == nil && got.Sub(want).Abs() <= timeTolerance {
						return a.value, true
					}
					return want.UTC().Format(time.RFC3339) + " ± " + timeTolerance.String(), true
				}
				if v, ok := bound[name]; ok {
					return v, true
				}
				if bind {
					bound[name] = a.value
				}
				return "", false
			},
			ignore: func(item int, path ttlv.Path, e *node) bool {
				if ignored[e.tag] {
					return true
				}
				if !inPayload(path) {
					return false
				}
				if e.typ == ttlv.TypeDateTime && clockDates[e.value] {
					return true // the reference run's clock
				}
				if e.tag == ttlv.TagShortUniqueIdentifier && !strings.HasPrefix(e.value, "$") {
					return true // the reference server's, of its identifier
				}
				return randomizedAt(item, path, e)
			},
			same: func(item int, path ttlv.Path, e, a *node, bind bool) (string, bool) {
				if strings.HasPrefix(e.value, "$") || !inPayload(path) || !randomizedAt(item, path, e) {
					return "", false
				}
				if v, ok := randomSeen[e.value]; ok {
					return v, true
				}
				if bind {
					randomSeen[e.value] = a.value
				}
				return "", false
			},
			query: func(path ttlv.Path) bool {
				return len(path) == 3 && path[2] == ttlv.TagResponsePayload && path[1] == ttlv.TagBatchItem && isQuery(reqTree)
			},
			versions: func(path ttlv.Path) bool {
				return len(path) == 3 && path[2] == ttlv.TagResponsePayload && path[1] == ttlv.TagBatchItem && isOp(reqTree, "DiscoverVersions")
			},
			item:   -1,
			opaque: describesServer,
		}
		if d := c.compare(exp, got, nil); d != nil {
			if cause := c.itemCause(d, exp, got); cause != nil {
				return fail("response differs at line %d: %v (and %v)%s", want.Line+cause.Line-1, cause, d, serverSays(got))
			}
			return fail("response differs at line %d: %v%s", want.Line+d.Line-1, d, serverSays(got))
		}
		bindResponse(exp, got, random, bound, implicit, counts)
		for j, item := range expItems {
			op := childValue(item, ttlv.TagOperation)
			if !generators[op] && op != "Register" {
				continue
			}
			alg := ""
			if j < len(reqItems) {
				alg = algorithmOf(reqItems[j])
			}
			for _, p := range children(item, ttlv.TagResponsePayload) {
				for _, n := range p.children {
					if idTags[n.tag] && strings.HasPrefix(n.value, "$") {
						if generators[op] {
							generated[n.value] = true
							if v, ok := bound[n.value]; ok {
								genIDs[v] = true
							}
						}
						if alg != "" {
							algorithms[n.value] = alg
						}
					}
				}
			}
		}
		fr.Normalized += c.normalized
		fr.MessagesPassed++
	}
	if tc.Err != nil {
		fr.Messages++
		fr.Outcome = Failed
		fr.Detail = fmt.Sprintf("message %d: %v", len(msgs), tc.Err)
	}
	return fr
}

func children(n *node, tag ttlv.Tag) []*node {
	var out []*node
	for _, c := range n.children {
		if c.tag == tag {
			out = append(out, c)
		}
	}
	return out
}

func childValue(n *node, tag ttlv.Tag) string {
	for _, c := range n.children {
		if c.tag == tag {
			return c.value
		}
	}
	return ""
}

func inPayload(path ttlv.Path) bool {
	for _, t := range path {
		if t == ttlv.TagResponsePayload {
			return true
		}
	}
	return false
}

func isQuery(req *node) bool { return isOp(req, "Query") }

// isOp reports whether a batch item of req is operation op.
func isOp(req *node, op string) bool {
	for _, item := range children(req, ttlv.TagBatchItem) {
		if childValue(item, ttlv.TagOperation) == op {
			return true
		}
	}
	return false
}

// unsupported reports whether got answers a batch item with
// OperationNotSupported where exp does not, and names the operation.
func unsupported(exp, got *node) (string, bool) {
	expects := false
	walk(exp, func(n *node) {
		if n.tag == ttlv.TagResultReason && n.value == "OperationNotSupported" {
			expects = true
		}
	})
	if expects {
		return "", false
	}
	op, found := "", false
	for _, item := range got.children {
		if item.tag != ttlv.TagBatchItem {
			continue
		}
		var o string
		for _, c := range item.children {
			if c.tag == ttlv.TagOperation {
				o = c.value
			}
			if c.tag == ttlv.TagResultReason && c.value == "OperationNotSupported" {
				op, found = o, true
			}
		}
	}
	if found && op == "" {
		op = "an operation"
	}
	return op, found
}

func walk(n *node, f func(*node)) {
	f(n)
	for _, c := range n.children {
		walk(c, f)
	}
}

// Server is how RunServer reaches a server: New returns the RoundTripper
// for one test case and a function releasing it. An in-process server
// should be fresh per test case, so that objects left by one do not show
// in another's Locate.
type Server struct {
	New func() (RoundTripper, func(), error)
	// Timeout bounds each round trip; zero means 10 seconds.
	Timeout time.Duration
	// Now is the clock for $NOW; nil means time.Now.
	Now func() time.Time
	// Fresh says that New returns a server of its own for each test case
	// (in process), not a connection to one long-lived server. A test case
	// that starts by locating objects it has not made then finds nothing:
	// it is replayed after its predecessor (see predecessor), and that one's
	// own, on the same server. With a long-lived server the files run in
	// order, so the predecessors have run already.
	Fresh bool
	// SkipUnlisted asks the server, before the run, for the operations it
	// supports (Query, Query Operations, KMIP 1.4, 2.1 and 3.0); a test case
	// using an operation it does not list is then Skipped without being
	// replayed.
	SkipUnlisted bool
	// OutOfScope names the operations and object types (as the XML test
	// cases spell their Enumeration values: "Notify", "CertificateRequest")
	// that the server declares out of scope. Where an expected Query
	// response lists one of them and the server's does not, the Query
	// answer is compared without it, and the file's result records it
	// (FileResult.Exempted) instead of skipping the file: every other
	// item of the Query answer, and every other step, is still compared.
	// A request that uses an out-of-scope operation is skipped as before
	// (Operation Not Supported).
	OutOfScope []string
}

// RunServer replays every test case against the server.
func RunServer(ctx context.Context, files []File, srv Server) (*Report, error) {
	r := &Report{Mode: "server"}
	timeout := srv.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	outOfScope := map[string]bool{}
	for _, v := range srv.OutOfScope {
		outOfScope[v] = true
	}
	var listed map[string]bool
	if srv.SkipUnlisted {
		rt, done, err := srv.New()
		if err != nil {
			return nil, err
		}
		listed = queryOperations(ctx, timeoutRT{rt, timeout})
		done()
	}
	for _, f := range files {
		tc, err := Load(f.Path, f.Profile)
		if err != nil {
			return nil, err
		}
		if tc.NotWellFormed() {
			r.Files = append(r.Files, Replay(ctx, tc, nil, srv.Now))
			continue
		}
		if op := unlisted(tc, listed); op != "" {
			r.Files = append(r.Files, FileResult{Path: tc.Path, Profile: tc.Profile, Outcome: Skipped,
				Detail: fmt.Sprintf("operation %s is not listed by the server's Query", op)})
			continue
		}
		rt, done, err := srv.New()
		if err != nil {
			return nil, err
		}
		// The predecessors, oldest first: a predecessor may have its own
		// (TC-CREG-3 locates what TC-CREG-1 registered, after TC-CREG-2).
		var chain []*TestCase
		if srv.Fresh {
			for p := tc; len(chain) < maxPredecessors; {
				pre, err := predecessor(p, files)
				if err != nil {
					done()
					return nil, err
				}
				if pre == nil {
					break
				}
				chain = append([]*TestCase{pre}, chain...)
				p = pre
			}
		}
		var pre *TestCase
		var preResult FileResult
		genIDs := map[string]bool{}
		for _, p := range chain {
			pre, preResult = p, replay(ctx, p, timeoutRT{rt, timeout}, srv.Now, genIDs, outOfScope)
		}
		fr := replay(ctx, tc, timeoutRT{rt, timeout}, srv.Now, genIDs, outOfScope)
		if pre != nil && fr.Outcome != Passed {
			fr.Detail += fmt.Sprintf(" (replayed after %s, which %s)", filepath.Base(pre.Path), preResult.Outcome)
		}
		done()
		r.Files = append(r.Files, fr)
	}
	return r, nil
}

type timeoutRT struct {
	rt RoundTripper
	d  time.Duration
}

func (t timeoutRT) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.rt.RoundTrip(ctx, req)
}

// queryOperations asks the server which operations it supports, in KMIP
// 2.1, 1.4 and 3.0 (the union). It returns nil when none answers.
func queryOperations(ctx context.Context, rt RoundTripper) map[string]bool {
	var listed map[string]bool
	// 3.0 too: a server may list the 3.0 draft's operations only there
	// (its header has no Batch Count).
	for _, v := range [][2]int32{{2, 1}, {1, 4}, {3, 0}} {
		req, m := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
		req, h := ttlv.BeginStructure(req, ttlv.TagRequestHeader)
		req, pv := ttlv.BeginStructure(req, ttlv.TagProtocolVersion)
		req = ttlv.AppendInteger(req, ttlv.TagProtocolVersionMajor, v[0])
		req = ttlv.AppendInteger(req, ttlv.TagProtocolVersionMinor, v[1])
		ttlv.EndStructure(req, pv)
		if v[0] < 3 {
			req = ttlv.AppendInteger(req, ttlv.TagBatchCount, 1)
		}
		ttlv.EndStructure(req, h)
		req, bi := ttlv.BeginStructure(req, ttlv.TagBatchItem)
		req = ttlv.AppendEnumeration(req, ttlv.TagOperation, 0x18) // Query
		req, p := ttlv.BeginStructure(req, ttlv.TagRequestPayload)
		req = ttlv.AppendEnumeration(req, ttlv.TagQueryFunction, 1) // Query Operations
		ttlv.EndStructure(req, p)
		ttlv.EndStructure(req, bi)
		ttlv.EndStructure(req, m)
		resp, err := rt.RoundTrip(ctx, req)
		if err != nil {
			continue
		}
		var msg ttlv.Value
		if ttlv.Unmarshal(resp, &msg) != nil {
			continue
		}
		for _, item := range msg.Children {
			if item.Tag != ttlv.TagBatchItem {
				continue
			}
			if pl := item.Child(ttlv.TagResponsePayload); pl != nil {
				for _, c := range pl.Children {
					if c.Tag == ttlv.TagOperation && c.Type == ttlv.TypeEnumeration {
						if name, ok := Registry().EnumName(ttlv.TagOperation, uint32(c.Num)); ok {
							if listed == nil {
								listed = map[string]bool{}
							}
							listed[name] = true
						}
					}
				}
			}
		}
	}
	return listed
}

// unlisted returns the first operation of tc's requests that listed lacks,
// or "" (also when listed is nil: nothing is known).
func unlisted(tc *TestCase, listed map[string]bool) string {
	if listed == nil {
		return ""
	}
	for _, m := range tc.Messages {
		if m.Tag != ttlv.TagRequestMessage {
			continue
		}
		t, err := parseTree(m.XML)
		if err != nil {
			continue
		}
		for _, item := range children(t, ttlv.TagBatchItem) {
			if op := childValue(item, ttlv.TagOperation); op != "" && !listed[op] {
				return op
			}
		}
	}
	return ""
}

// serverSays quotes the ResultReason and ResultMessage of the failed items
// of a response, for the report.
func serverSays(resp *node) string {
	var b strings.Builder
	for _, item := range children(resp, ttlv.TagBatchItem) {
		if childValue(item, ttlv.TagResultStatus) != "OperationFailed" {
			continue
		}
		fmt.Fprintf(&b, " [server: %s %s: %q]", childValue(item, ttlv.TagOperation), childValue(item, ttlv.TagResultReason), childValue(item, ttlv.TagResultMessage))
	}
	return b.String()
}

// exemptOutOfScope removes from the expected response exp, for a Query
// that the server answered with Success, the Operation and Object Type
// items whose values are out of scope (Server.OutOfScope) and that the
// server's answer does not list, and returns those values.
func exemptOutOfScope(req, exp, got *node, outOfScope map[string]bool) []string {
	if len(outOfScope) == 0 || !isQuery(req) {
		return nil
	}
	var exempted []string
	gotItems := children(got, ttlv.TagBatchItem)
	for j, e := range children(exp, ttlv.TagBatchItem) {
		if childValue(e, ttlv.TagOperation) != "Query" || j >= len(gotItems) || childValue(gotItems[j], ttlv.TagResultStatus) != "Success" {
			continue
		}
		have := map[string]bool{}
		for _, p := range children(gotItems[j], ttlv.TagResponsePayload) {
			for _, n := range p.children {
				have[n.tag.String()+" "+n.value] = true
			}
		}
		for _, p := range children(e, ttlv.TagResponsePayload) {
			p.children = slices.DeleteFunc(p.children, func(n *node) bool {
				if (n.tag != ttlv.TagOperation && n.tag != ttlv.TagObjectType) || !outOfScope[n.value] || have[n.tag.String()+" "+n.value] {
					return false
				}
				if !slices.Contains(exempted, n.value) {
					exempted = append(exempted, n.value)
				}
				return true
			})
		}
	}
	return exempted
}

// unlistedByQuery returns, for a Query that the server answered with
// Success, the Operation and Object Type values the expected response lists
// and the server's does not ("Operation Poll", "ObjectType Template"): the
// test case requires them.
func unlistedByQuery(req, exp, got *node) []string {
	if !isQuery(req) {
		return nil
	}
	var missing []string
	gotItems := children(got, ttlv.TagBatchItem)
	for j, e := range children(exp, ttlv.TagBatchItem) {
		if childValue(e, ttlv.TagOperation) != "Query" || j >= len(gotItems) {
			continue
		}
		g := gotItems[j]
		if childValue(g, ttlv.TagResultStatus) != "Success" {
			continue
		}
		have := map[string]bool{}
		for _, p := range children(g, ttlv.TagResponsePayload) {
			for _, n := range p.children {
				have[n.tag.String()+" "+n.value] = true
			}
		}
		for _, p := range children(e, ttlv.TagResponsePayload) {
			for _, n := range p.children {
				if n.tag != ttlv.TagOperation && n.tag != ttlv.TagObjectType {
					continue
				}
				k := n.tag.String() + " " + n.value
				if !have[k] {
					have[k] = true
					missing = append(missing, k)
				}
			}
		}
	}
	return missing
}

// algorithmOf returns the first Cryptographic Algorithm an item names (in
// a Key Block, Attributes or a KMIP 1.x Attribute), or "".
func algorithmOf(item *node) string {
	alg := ""
	walk(item, func(n *node) {
		if alg == "" && !hasChildren(n) && (n.tag == ttlv.TagCryptographicAlgorithm || n.vtag == ttlv.TagCryptographicAlgorithm) {
			alg = n.value
		}
	})
	return alg
}

func hasChildren(n *node) bool { return len(n.children) > 0 }

// randomized returns the response payload items of one batch item whose
// values a correct server makes differently on every run, given the
// request item, its expected response and the algorithms of the objects
// registered or created so far (by placeholder name):
//   - Encrypt with an RSA key: Data (RSAES-OAEP and RSAES-PKCS1-v1_5 pad
//     with random bytes, RFC 8017 §7.1.1, §7.2.1), unless Padding Method
//     None;
//   - Encrypt without an IV/Counter/Nonce where the expected response
//     carries one: the server generated the IV (Random IV, KMIP 1.4 §3.6,
//     KMIP 2.1 §11.1), so IV/Counter/Nonce, Data and Authenticated
//     Encryption Tag;
//   - Sign with ECDSA or RSASSA-PSS: Signature Data (random k, FIPS 186-5
//     §6.4; random salt, RFC 8017 §8.1.1).
//
// Everything else is deterministic and compared: Decrypt, MAC, Signature
// Verify, RSA PKCS#1 v1.5 signatures, block ciphers with a given IV.
func randomized(req, exp *node, algorithms map[string]string) map[ttlv.Tag]bool {
	op := childValue(req, ttlv.TagOperation)
	if op != "Encrypt" && op != "Sign" {
		return nil
	}
	var payload *node
	for _, p := range children(req, ttlv.TagRequestPayload) {
		payload = p
	}
	if payload == nil {
		return nil
	}
	alg, padding, dsa := "", "", ""
	for _, cp := range children(payload, ttlv.TagCryptographicParameters) {
		alg = childValue(cp, ttlv.TagCryptographicAlgorithm)
		padding = childValue(cp, ttlv.TagPaddingMethod)
		dsa = childValue(cp, ttlv.TagDigitalSignatureAlgorithm)
	}
	if alg == "" {
		alg = algorithms[childValue(payload, ttlv.TagUniqueIdentifier)]
	}
	out := map[ttlv.Tag]bool{}
	switch op {
	case "Encrypt":
		if alg == "RSA" && padding != "None" {
			out[ttlv.TagData] = true
		}
		if !hasChild(payload, ttlv.TagIVCounterNonce) {
			for _, p := range children(exp, ttlv.TagResponsePayload) {
				if hasChild(p, ttlv.TagIVCounterNonce) {
					out[ttlv.TagData] = true
					out[ttlv.TagIVCounterNonce] = true
					out[ttlv.TagAuthenticatedEncryptionTag] = true
				}
			}
		}
	case "Sign":
		if alg == "EC" || alg == "ECDSA" || padding == "PSS" || strings.Contains(dsa, "ECDSA") || strings.Contains(dsa, "PSS") {
			out[ttlv.TagSignatureData] = true
		}
	}
	return out
}

// bindResponse binds, after a step passed, what later requests may refer
// to. A placeholder the test case wrote for a randomized value (not
// compared, so not bound by the comparison) binds to the server's value.
// A Byte String the test case wrote literally in a response payload (the
// reference run's output: a ciphertext, a MAC) is an implicit placeholder:
// later requests refer to it as "$" + its tag in upper snake case, with the
// index of the value among the literal values of its tag in the test case
// ("$DATA_0", "$MAC_DATA_1") or without, for the latest ("$IV_COUNTER_NONCE",
// "$MAC_DATA"); it resolves to the server's value (implicit), after the
// placeholders bound by name.
func bindResponse(exp, got *node, random []map[ttlv.Tag]bool, bound, implicit map[string]string, counts map[ttlv.Tag]int) {
	gotItems := children(got, ttlv.TagBatchItem)
	for j, e := range children(exp, ttlv.TagBatchItem) {
		if j >= len(gotItems) {
			continue
		}
		for _, ep := range children(e, ttlv.TagResponsePayload) {
			for _, gp := range children(gotItems[j], ttlv.TagResponsePayload) {
				for _, n := range ep.children {
					if n.typ != ttlv.TypeByteString {
						continue
					}
					v := childValue(gp, n.tag)
					if v == "" {
						continue
					}
					if strings.HasPrefix(n.value, "$") {
						if _, ok := bound[n.value]; !ok && j < len(random) && random[j][n.tag] {
							bound[n.value] = v
						}
						continue
					}
					name := "$" + upperSnake(n.tag.String())
					implicit[fmt.Sprintf("%s_%d", name, counts[n.tag])] = v
					implicit[name] = v
					counts[n.tag]++
				}
			}
		}
	}
}

// upperSnake turns a tag name into the test cases' placeholder style:
// IVCounterNonce → IV_COUNTER_NONCE, Data → DATA.
func upperSnake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		upper := ch >= 'A' && ch <= 'Z'
		if i > 0 && upper {
			prevLower := s[i-1] >= 'a' && s[i-1] <= 'z' || s[i-1] >= '0' && s[i-1] <= '9'
			nextLower := i+1 < len(s) && s[i+1] >= 'a' && s[i+1] <= 'z'
			prevUpper := s[i-1] >= 'A' && s[i-1] <= 'Z'
			if prevLower || prevUpper && nextLower {
				b.WriteByte('_')
			}
		}
		if ch >= 'a' && ch <= 'z' {
			ch -= 'a' - 'A'
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// maxPredecessors bounds the chain of predecessors replayed before a test
// case on a fresh server.
const maxPredecessors = 8

// seriesNumber splits a test case's file name around its number within its
// series: "TL-M-3-21.xml" is "TL-M-", 3, "-21.xml".
var seriesNumber = regexp.MustCompile(`^(.*-)([0-9]+)(-[0-9]+\.xml)$`)

// predecessor returns the test case that tc depends on, or nil. The
// profile test cases were run in order against one reference server, and
// some use what an earlier one left: TL-M-3 locates the tape key that
// TL-M-2 created, SASED-M-3 the Secret Data that SASED-M-2 registered. A
// test case depends on the one numbered one less in its series, in the
// same directory, when its first request is a Locate expected to find
// objects (the expected response names some) and no earlier request of the
// test case made any.
func predecessor(tc *TestCase, files []File) (*TestCase, error) {
	if len(tc.Messages) < 2 {
		return nil, nil
	}
	req, err := parseTree(tc.Messages[0].XML)
	if err != nil {
		return nil, nil
	}
	resp, err := parseTree(tc.Messages[1].XML)
	if err != nil {
		return nil, nil
	}
	items := children(req, ttlv.TagBatchItem)
	if len(items) == 0 || childValue(items[0], ttlv.TagOperation) != "Locate" {
		return nil, nil
	}
	found := false
	for _, item := range children(resp, ttlv.TagBatchItem) {
		if childValue(item, ttlv.TagOperation) != "Locate" {
			continue
		}
		for _, p := range children(item, ttlv.TagResponsePayload) {
			found = found || hasChild(p, ttlv.TagUniqueIdentifier)
		}
	}
	if !found {
		return nil, nil
	}
	m := seriesNumber.FindStringSubmatch(filepath.Base(tc.Path))
	if m == nil {
		return nil, nil
	}
	n, err := strconv.Atoi(m[2])
	if err != nil || n < 2 {
		return nil, nil
	}
	want := filepath.Join(filepath.Dir(tc.Path), m[1]+strconv.Itoa(n-1)+m[3])
	for _, f := range files {
		if f.Path == want {
			pre, err := Load(f.Path, f.Profile)
			if err != nil {
				return nil, err
			}
			if pre.NotWellFormed() {
				return nil, nil
			}
			return pre, nil
		}
	}
	return nil, nil
}

// requirements words what unlistedByQuery returned: "operations Poll,
// Check; object type Template".
func requirements(missing []string) string {
	var ops, types []string
	for _, m := range missing {
		if v, ok := strings.CutPrefix(m, "Operation "); ok {
			ops = append(ops, v)
		} else if v, ok := strings.CutPrefix(m, "ObjectType "); ok {
			types = append(types, v)
		}
	}
	var parts []string
	for _, g := range []struct {
		one, many string
		list      []string
	}{{"operation", "operations", ops}, {"object type", "object types", types}} {
		switch len(g.list) {
		case 0:
		case 1:
			parts = append(parts, g.one+" "+g.list[0])
		default:
			parts = append(parts, g.many+" "+strings.Join(g.list, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// itemCause explains a Batch Count difference in the response header by a
// batch item that differs (compared without binding): a server that stops
// a batch at a failed item answers fewer items, the earlier ones undone
// with Batch Error Continuation Option Undo, and the failed item is what to
// report. It prefers the first item that failed where the test case
// expects none, else the first item that differs or is missing.
func (c *comparer) itemCause(d *Diff, exp, got *node) *Diff {
	if len(d.Path) != 3 || d.Path[1] != ttlv.TagResponseHeader || d.Path[2] != ttlv.TagBatchCount {
		return nil
	}
	e, g := children(exp, ttlv.TagBatchItem), children(got, ttlv.TagBatchItem)
	var first *Diff
	for i := range e {
		if i >= len(g) {
			if first == nil {
				first = &Diff{Path: ttlv.Path{exp.tag}, Line: e[i].line, What: fmt.Sprintf("missing batch item %d (%s)", i+1, childValue(e[i], ttlv.TagOperation))}
			}
			break
		}
		trial := comparer{valueOf: c.valueOf, ignore: c.ignore, same: c.same, query: c.query, versions: c.versions, item: i, opaque: c.opaque, trial: true}
		dd := trial.compare(e[i], g[i], ttlv.Path{exp.tag})
		if dd == nil {
			continue
		}
		if childValue(g[i], ttlv.TagResultStatus) == "OperationFailed" && childValue(e[i], ttlv.TagResultStatus) != "OperationFailed" {
			return dd
		}
		if first == nil {
			first = dd
		}
	}
	return first
}

package kmipserver

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

var h20 = hdr{major: 2, minor: 0}

// clockServer is an access-controlled test server whose clock the test
// moves.
func clockServer(now *time.Time) *Server {
	return New(Config{Now: func() time.Time { return *now }, Rand: &detRand{}, Access: &AccessControl{}})
}

// loginAs asks Login (or Delegated Login, with rights) as identity, the
// message authenticated with via when not nil; it returns the Ticket
// Value.
func loginAs(t *testing.T, s *Server, identity string, via []byte, op uint32, fields ...v) []byte {
	t.Helper()
	h := h20
	h.ticket = via
	p := ok(t, &doAs(t, s, identity, h, item(op, fields...)).items[0])
	tk := p.Child(ttlv.TagTicket)
	if tk == nil || uint32(tk.Child(ttlv.TagTicketType).Num) != ticketLogin || len(tk.Child(ttlv.TagTicketValue).Bytes) != 32 {
		t.Fatalf("Login answered %s", p.String())
	}
	return tk.Child(ttlv.TagTicketValue).Bytes
}

func with(ticket []byte) hdr {
	h := h20
	h.ticket = ticket
	return h
}

func leaseTime(s int64) v { return ttlv.Interval(ttlv.TagLeaseTime, uint32(s)) }

func reasonIs(t *testing.T, r resp, reason uint32) {
	t.Helper()
	for i := range r.items {
		failed(t, &r.items[i], reason)
	}
}

// TestLoginTicket: a Login ticket authenticates later requests as the
// identity that logged in (whoever presents it), for its Request Count
// of messages and its Lease Time (the server's when none or 0 is asked);
// then, and after Logout (which only its holder may ask), every item of
// a message carrying it fails with Usage Limit Exceeded or Invalid
// Ticket, its Operation echoed. An undone Login's ticket is void.
func TestLoginTicket(t *testing.T) {
	now := fixedNow
	s := clockServer(&now)
	tk := loginAs(t, s, "alice", nil, opLogin, leaseTime(60), integer(ttlv.TagRequestCount, 3))

	// An anonymous client with alice's ticket is alice: her key.
	id := createdID(t, doAs(t, s, "", with(tk), createAES(h20, 128)))
	ok(t, &doAs(t, s, "alice", h20, item(opGet, uid(id))).items[0])
	failed(t, &doAs(t, s, "bob", h20, item(opGet, uid(id))).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "bob", with(tk), item(opGet, uid(id))).items[0]) // 2 of 3
	h := with(tk)
	h.cont = 0x01 // Continue
	r := doAs(t, s, "", h, item(opGet, uid(id)), item(opGetAttributes, uid(id)))
	ok(t, &r.items[0]) // 3 of 3: one message, one request
	ok(t, &r.items[1])
	r = doAs(t, s, "", h, item(opGet, uid(id)), item(opQuery, enum(ttlv.TagQueryFunction, queryOperations)))
	reasonIs(t, r, rrUsageLimitExceeded)
	if op := r.items[1].Child(ttlv.TagOperation); op == nil || uint32(op.Num) != opQuery {
		t.Fatalf("refused item without its Operation: %s", r.items[1].String())
	}

	// Lease Time: 60 s asked; none asked is the server's (an hour).
	tk = loginAs(t, s, "alice", nil, opLogin, leaseTime(60))
	dflt := loginAs(t, s, "alice", nil, opLogin, leaseTime(0))
	at := loginAs(t, s, "alice", nil, opLogin, ttlv.DateTime(ttlv.TagLeaseTime, now.Add(10*time.Second)))
	now = now.Add(9 * time.Second)
	ok(t, &doAs(t, s, "", with(at), item(opGet, uid(id))).items[0])
	now = now.Add(time.Second)
	reasonIs(t, doAs(t, s, "", with(at), item(opGet, uid(id))), rrInvalidTicket)
	now = now.Add(49 * time.Second)
	ok(t, &doAs(t, s, "", with(tk), item(opGet, uid(id))).items[0])
	now = now.Add(time.Second)
	reasonIs(t, doAs(t, s, "", with(tk), item(opGet, uid(id))), rrInvalidTicket)
	now = fixedNow.Add(3599 * time.Second)
	ok(t, &doAs(t, s, "", with(dflt), item(opGet, uid(id))).items[0])
	now = fixedNow.Add(3600 * time.Second)
	reasonIs(t, doAs(t, s, "", with(dflt), item(opGet, uid(id))), rrInvalidTicket)

	// Logout: only by the ticket's identity; then the ticket is void.
	tk = loginAs(t, s, "alice", nil, opLogin)
	logout := item(opLogout, st(ttlv.TagTicket, enum(ttlv.TagTicketType, ticketLogin), bstr(ttlv.TagTicketValue, tk)))
	failed(t, &doAs(t, s, "bob", h20, logout).items[0], rrInvalidTicket)
	ok(t, &doAs(t, s, "", with(tk), item(opGet, uid(id))).items[0])
	ok(t, &doAs(t, s, "", with(tk), logout).items[0])
	reasonIs(t, doAs(t, s, "", with(tk), item(opGet, uid(id))), rrInvalidTicket)
	failed(t, &doAs(t, s, "alice", h20, logout).items[0], rrInvalidTicket)
	reasonIs(t, doAs(t, s, "alice", with([]byte("never issued")), item(opGet, uid(id))), rrInvalidTicket)

	// Undo: the Login of an undone batch issues no usable ticket.
	h = h20
	h.cont = 0x03 // Undo
	r = doAs(t, s, "alice", h, item(opLogin), item(opGet, uid("no such object")))
	if rs, _ := status(&r.items[0]); rs != 3 { // Operation Undone
		t.Fatalf("Login in an undone batch: %s", r.items[0].String())
	}
	undone := r.items[0].Child(ttlv.TagResponsePayload).Child(ttlv.TagTicket).Child(ttlv.TagTicketValue).Bytes
	reasonIs(t, doAs(t, s, "", with(undone), item(opGet, uid(id))), rrInvalidTicket)

	// What is not supported, or not well-formed.
	failed(t, &doAs(t, s, "alice", h20, item(opLogin, st(ttlv.TagUsageLimits,
		ttlv.LongInteger(ttlv.TagUsageLimitsTotal, 10), enum(ttlv.TagUsageLimitsUnit, 2)))).items[0], rrFeatureNotSupported)
	failed(t, &doAs(t, s, "alice", h20, item(opLogin, integer(ttlv.TagRequestCount, -1))).items[0], rrInvalidField)
	failed(t, &doAs(t, s, "alice", h20, item(opLogin, ttlv.DateTime(ttlv.TagLeaseTime, now.Add(-time.Second)))).items[0], rrInvalidField)
	failed(t, &doAs(t, s, "alice", h20, item(opLogout)).items[0], rrInvalidField)
}

// TestLoginVersions: Query lists Login, Logout and Delegated Login from
// KMIP 2.0 on; a 1.4 client gets Operation Not Supported.
func TestLoginVersions(t *testing.T) {
	s := newTestServer()
	for _, h := range []hdr{{major: 1, minor: 4}, h20, h21} {
		p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
		var ops []uint32
		for _, ch := range p.Children {
			if ch.Tag == ttlv.TagOperation {
				ops = append(ops, uint32(ch.Num))
			}
		}
		for _, op := range []uint32{opLogin, opLogout, opDelegatedLogin} {
			if got := slices.Contains(ops, op); got != (h.major >= 2) {
				t.Errorf("KMIP %d.%d: Query lists operation 0x%X: %v", h.major, h.minor, op, got)
			}
		}
	}
	failed(t, &do(t, s, hdr{major: 1, minor: 4}, item(opLogin)).items[0], rrOperationNotSupported)
}

// TestDelegatedLogin: a Delegated Login ticket may only do what one of
// its Rights allows — an operation (Not Authorised otherwise, and Query
// lists only those), on the objects named or in the Object Groups named
// (Not Authorised, and left out of Locate, otherwise); a ticket made
// under a ticket ends with it, at the latest when it expires.
func TestDelegatedLogin(t *testing.T) {
	now := fixedNow
	s := clockServer(&now)
	k1 := createdID(t, doAs(t, s, "alice", h20, createAES(h20, 128, str(ttlv.TagObjectGroup, "g"))))
	k2 := createdID(t, doAs(t, s, "alice", h20, createAES(h20, 128)))
	ops := func(list ...uint32) v {
		o := st(ttlv.TagOperations)
		for _, op := range list {
			o.Children = append(o.Children, enum(ttlv.TagOperation, op))
		}
		return o
	}
	rights := st(ttlv.TagRights,
		st(ttlv.TagRight, ops(opQuery)),
		st(ttlv.TagRight, ops(opGetAttributes, opGet), st(ttlv.TagObjects, uid(k1))),
		st(ttlv.TagRight, ops(opLocate), st(ttlv.TagObjectGroups, str(ttlv.TagObjectGroup, "g"))))
	tk := loginAs(t, s, "alice", nil, opDelegatedLogin, rights)

	p := ok(t, &doAs(t, s, "", with(tk), item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
	var listed []uint32
	for _, ch := range p.Children {
		listed = append(listed, uint32(ch.Num))
	}
	if want := []uint32{opLocate, opGet, opGetAttributes, opQuery}; !slices.Equal(listed, want) {
		t.Errorf("Query under the ticket lists %x, want %x", listed, want)
	}
	ok(t, &doAs(t, s, "", with(tk), item(opGetAttributes, uid(k1))).items[0])
	ok(t, &doAs(t, s, "", with(tk), item(opGet, uid(k1))).items[0])
	failed(t, &doAs(t, s, "", with(tk), item(opGetAttributes, uid(k2))).items[0], rrNotAuthorised)
	failed(t, &doAs(t, s, "", with(tk), item(opDestroy, uid(k1))).items[0], rrNotAuthorised)
	failed(t, &doAs(t, s, "", with(tk), createAES(h20, 128)).items[0], rrNotAuthorised)
	failed(t, &doAs(t, s, "", with(tk), item(opDelegatedLogin, rights)).items[0], rrNotAuthorised)
	p = ok(t, &doAs(t, s, "", with(tk), item(opLocate)).items[0])
	if got := texts(p, ttlv.TagUniqueIdentifier); !slices.Equal(got, []string{k1}) {
		t.Errorf("Locate under the ticket: %q, want [%s]", got, k1)
	}
	ok(t, &doAs(t, s, "alice", h20, item(opGetAttributes, uid(k2))).items[0]) // alice herself is not restricted
	// Items run concurrently (Batch Order Option false) are held to it too.
	h := with(tk)
	h.unordered, h.cont = true, 0x01
	r := doAs(t, s, "", h, item(opGetAttributes, uid(k1)), item(opGetAttributes, uid(k2)), item(opGet, uid(k1)), item(opDestroy, uid(k1)))
	ok(t, &r.items[0])
	failed(t, &r.items[1], rrNotAuthorised)
	ok(t, &r.items[2])
	failed(t, &r.items[3], rrNotAuthorised)

	// A delegation made under a ticket lives no longer than it.
	parent := loginAs(t, s, "alice", nil, opLogin, leaseTime(60))
	child := loginAs(t, s, "", parent, opDelegatedLogin, st(ttlv.TagRights, st(ttlv.TagRight, ops(opGet))))
	ok(t, &doAs(t, s, "", with(child), item(opGet, uid(k2))).items[0])
	now = now.Add(60 * time.Second)
	reasonIs(t, doAs(t, s, "", with(child), item(opGet, uid(k2))), rrInvalidTicket)
	now = fixedNow
	parent = loginAs(t, s, "alice", nil, opLogin)
	child = loginAs(t, s, "", parent, opDelegatedLogin, st(ttlv.TagRights, st(ttlv.TagRight, ops(opGet))))
	ok(t, &doAs(t, s, "alice", h20, item(opLogout, st(ttlv.TagTicket, enum(ttlv.TagTicketType, ticketLogin), bstr(ttlv.TagTicketValue, parent)))).items[0])
	reasonIs(t, doAs(t, s, "", with(child), item(opGet, uid(k2))), rrInvalidTicket)

	failed(t, &doAs(t, s, "alice", h20, item(opDelegatedLogin)).items[0], rrInvalidField)
	failed(t, &doAs(t, s, "alice", h20, item(opDelegatedLogin, st(ttlv.TagRights))).items[0], rrInvalidField)
	failed(t, &doAs(t, s, "alice", h20, item(opDelegatedLogin, st(ttlv.TagRights, st(ttlv.TagRight,
		st(ttlv.TagUsageLimits, ttlv.LongInteger(ttlv.TagUsageLimitsTotal, 1)))))).items[0], rrFeatureNotSupported)
}

// TestLoginJSON: Login and a request authenticated by its ticket in the
// JSON form.
func TestLoginJSON(t *testing.T) {
	now := fixedNow
	s := clockServer(&now)
	ctx := as("alice")
	viaJSON := func(h hdr, items ...v) resp {
		t.Helper()
		js, err := jsonttlv.AppendJSON(nil, request(h, items...), jsonttlv.EncodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		bin, err := jsonttlv.AppendBinary(nil, s.ServeJSON(ctx, nil, js), jsonttlv.DecodeOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return decode(t, bin)
	}
	p := ok(t, &viaJSON(h20, item(opLogin, integer(ttlv.TagRequestCount, 1))).items[0])
	tk := p.Child(ttlv.TagTicket).Child(ttlv.TagTicketValue).Bytes
	ctx = context.Background() // no identity but the ticket's
	id := createdID(t, viaJSON(with(tk), createAES(h20, 128)))
	ok(t, &doAs(t, s, "alice", h20, item(opGet, uid(id))).items[0])
	reasonIs(t, viaJSON(with(tk), item(opGet, uid(id))), rrUsageLimitExceeded)
}

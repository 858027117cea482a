package kmipserver

import (
	"crypto/sha256"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Login, Logout and Delegated Login (KMIP 2.0 and 2.1 §6.1.30, §6.1.31,
// §6.1.12). Login answers a Ticket (§7.39: Ticket Type Login, a Ticket
// Value of 32 random bytes) bound to the identity the request was made
// as; a later request whose header carries it as a Credential of type
// Ticket (§9.11) is answered as that identity. The Lease Time asked (an
// Interval, or a Date-Time at which it ends) bounds its life — none, or
// 0, means the server's Lease Time (Config.LeaseTime) — and Request
// Count the number of request messages it authenticates (0, as 0 for
// the Lease Time, or none: no limit). A ticket that
// names no live ticket (never issued, logged out, expired) fails every
// item of its message with Invalid Ticket; one whose requests are spent,
// with Usage Limit Exceeded. Logout invalidates the ticket it names,
// which must be one of the requester's own. Delegated Login makes a
// ticket that may only perform what one of its Rights (§7.34: Operations,
// Objects, Object Groups; an omitted field does not restrict) allows:
// another operation or object fails with Not Authorised (as the OASIS
// TC-DLOGIN-2 case expects; Permission Denied stays the access control's
// answer), Locate leaves such objects out, and Query lists only the
// operations the ticket may perform. A ticket made under a ticket keeps the restrictions
// and the life of the one it was made under, and ends with it. Usage
// Limits (in the request or in a Right) are not supported (Feature Not
// Supported). Tickets live in memory: a restart ends them.
const (
	opLogin          uint32 = 0x2D // Operation, 2.1 §11.36
	opLogout         uint32 = 0x2E
	opDelegatedLogin uint32 = 0x2F

	credentialTicket uint32 = 0x06 // Credential Type, §11.11
	ticketLogin      uint32 = 0x01 // Ticket Type, §11.57
	rrInvalidTicket  uint32 = 0x19 // Result Reason, §11.46
	rrNotAuthorised  uint32 = 0x39

	// The tickets a server keeps, in all and per identity; beyond them
	// Login fails until some expire or are logged out.
	maxTickets            = 1 << 16
	maxTicketsPerIdentity = 256
)

// ticket is one issued ticket. identity, expires, rights and parent do
// not change; left and dead are guarded by the table's mutex.
type ticket struct {
	key      [sha256.Size]byte // SHA-256 of the Ticket Value
	identity string
	expires  time.Time // zero: no end
	left     int64     // requests it may still authenticate; -1: no limit
	rights   []right   // nil: unrestricted (Login)
	parent   *ticket   // the ticket the Login was asked under, nil for none
	dead     bool      // logged out or taken out of the table
}

// right is one Right of a Delegated Login; a nil list does not restrict.
type right struct {
	ops     []uint32
	objects []string
	groups  []string
}

// ticketTable holds the live tickets by the SHA-256 of their values: a
// Ticket Value is not kept.
type ticketTable struct {
	mu          sync.Mutex
	byKey       map[[sha256.Size]byte]*ticket
	perIdentity map[string]int
}

// live reports whether t and every ticket it was made under are usable
// at now. Call with the table's mutex held.
func (t *ticket) live(now time.Time) bool {
	for p := t; p != nil; p = p.parent {
		if p.dead || !p.expires.IsZero() && !now.Before(p.expires) {
			return false
		}
	}
	return true
}

// use takes one request of the ticket with the value: the ticket, or
// Invalid Ticket or Usage Limit Exceeded.
func (tt *ticketTable) use(value []byte, now time.Time) (*ticket, *opError) {
	key := sha256.Sum256(value)
	tt.mu.Lock()
	defer tt.mu.Unlock()
	t := tt.byKey[key]
	if t == nil || !t.live(now) {
		if t != nil {
			tt.drop(t)
		}
		return nil, fail(rrInvalidTicket, "invalid ticket: not issued, logged out or expired")
	}
	if t.left == 0 {
		return nil, fail(rrUsageLimitExceeded, "the ticket's Request Count is spent")
	}
	if t.left > 0 {
		t.left--
	}
	return t, nil
}

// drop takes t out of the table. Call with the mutex held.
func (tt *ticketTable) drop(t *ticket) {
	if t.dead {
		return
	}
	t.dead = true
	delete(tt.byKey, t.key)
	if tt.perIdentity[t.identity]--; tt.perIdentity[t.identity] <= 0 {
		delete(tt.perIdentity, t.identity)
	}
}

// add puts t in the table, first dropping the tickets that can no longer
// authenticate anything when a bound is reached.
func (tt *ticketTable) add(t *ticket, now time.Time) *opError {
	tt.mu.Lock()
	defer tt.mu.Unlock()
	if tt.byKey == nil {
		tt.byKey, tt.perIdentity = map[[sha256.Size]byte]*ticket{}, map[string]int{}
	}
	if len(tt.byKey) >= maxTickets || tt.perIdentity[t.identity] >= maxTicketsPerIdentity {
		for _, o := range tt.byKey {
			if o.left == 0 || !o.live(now) {
				tt.drop(o)
			}
		}
	}
	if len(tt.byKey) >= maxTickets || tt.perIdentity[t.identity] >= maxTicketsPerIdentity {
		return fail(rrPermissionDenied, "too many live tickets (at most %d per identity, %d in all): log out of some", maxTicketsPerIdentity, maxTickets)
	}
	tt.byKey[t.key] = t
	tt.perIdentity[t.identity]++
	return nil
}

// logout ends the ticket with the value if identity holds it (or admin).
func (tt *ticketTable) logout(value []byte, identity string, admin bool, now time.Time) *opError {
	key := sha256.Sum256(value)
	tt.mu.Lock()
	defer tt.mu.Unlock()
	t := tt.byKey[key]
	if t == nil || !t.live(now) || t.identity != identity && !admin {
		return fail(rrInvalidTicket, "invalid ticket: not one of the requester's live tickets")
	}
	tt.drop(t)
	return nil
}

// revoke ends t (an issue undone).
func (tt *ticketTable) revoke(t *ticket) {
	tt.mu.Lock()
	tt.drop(t)
	tt.mu.Unlock()
}

// authenticate reads a Ticket Credential from the request header's
// Authentication (KMIP 2.x): the ticket's identity becomes the
// requester's, or every item fails with the ticket's failure. Other
// credentials are left to Config.Identify.
func (c *reqCtx) authenticate(auth []byte) {
	c.ticket, c.authErr = nil, nil
	if auth == nil || c.major < 2 {
		return
	}
	var v ttlv.Value
	if ttlv.UnmarshalOptions(auth, &v, c.s.dopts) != nil {
		return // the Splitter checked it is well-formed
	}
	for i := range v.Children {
		cr := &v.Children[i]
		if cr.Tag != ttlv.TagCredential || cr.Type != ttlv.TypeStructure {
			continue
		}
		if ct := cr.Child(ttlv.TagCredentialType); ct == nil || uint32(ct.Num) != credentialTicket {
			continue
		}
		var value []byte
		if cv := cr.Child(ttlv.TagCredentialValue); cv != nil {
			value = ticketValue(cv.Child(ttlv.TagTicket))
		}
		if value == nil {
			c.authErr = fail(rrInvalidTicket, "a Ticket Credential without a Login Ticket")
			return
		}
		t, err := c.s.tickets.use(value, c.now)
		if err != nil {
			c.authErr = err
			return
		}
		c.ticket, c.identity = t, t.identity
		c.admin = c.s.access != nil && c.s.access.isAdmin(t.identity)
		return
	}
}

// ticketValue is the Ticket Value of a Ticket of type Login, nil if v is
// none.
func ticketValue(v *ttlv.Value) []byte {
	if v == nil || v.Type != ttlv.TypeStructure {
		return nil
	}
	tt, tv := v.Child(ttlv.TagTicketType), v.Child(ttlv.TagTicketValue)
	if tt == nil || uint32(tt.Num) != ticketLogin || tv == nil || tv.Type != ttlv.TypeByteString || len(tv.Bytes) == 0 {
		return nil
	}
	return tv.Bytes
}

// allowsOp reports whether the requester's ticket, if any, lets it ask op.
func (c *reqCtx) allowsOp(op uint32) bool {
	for t := c.ticket; t != nil; t = t.parent {
		if t.rights != nil && !slices.ContainsFunc(t.rights, func(r right) bool { return r.allowsOp(op) }) {
			return false
		}
	}
	return true
}

// allowsObject reports whether the requester's ticket, if any, lets it
// use o in op. Call it without o.mu held.
func (c *reqCtx) allowsObject(o *object, op uint32) bool {
	if c.ticket == nil {
		return true
	}
	var groups []string
	grouped := false
	for t := c.ticket; t != nil; t = t.parent {
		if t.rights == nil {
			continue
		}
		if !grouped {
			groups, grouped = objectGroups(o), true
		}
		if !slices.ContainsFunc(t.rights, func(r right) bool { return r.allows(o.id, groups, op) }) {
			return false
		}
	}
	return true
}

func (r *right) allowsOp(op uint32) bool { return r.ops == nil || slices.Contains(r.ops, op) }

func (r *right) allows(id string, groups []string, op uint32) bool {
	return r.allowsOp(op) && (r.objects == nil || slices.Contains(r.objects, id)) &&
		(r.groups == nil || slices.ContainsFunc(groups, func(g string) bool { return slices.Contains(r.groups, g) }))
}

// objectGroups returns o's Object Group values.
func objectGroups(o *object) []string {
	o.mu.RLock()
	defer o.mu.RUnlock()
	var out []string
	for i := range o.attrs {
		if o.attrs[i].tag == ttlv.TagObjectGroup {
			if _, v, n := ttlv.ConsumeTextString(o.attrs[i].enc); n > 0 {
				out = append(out, string(v))
			}
		}
	}
	return out
}

// login answers Login (§6.1.30) and, with rights, Delegated Login
// (§6.1.12).
func (c *reqCtx) login(p *ttlv.Value, b []byte) ([]byte, *opError) {
	var rights []right
	if c.op == opDelegatedLogin {
		rs := p.Child(ttlv.TagRights)
		if rs == nil || rs.Type != ttlv.TypeStructure {
			return b, fail(rrInvalidField, "Delegated Login without Rights")
		}
		var err *opError
		if rights, err = readRights(rs); err != nil {
			return b, err
		}
	}
	if p.Child(ttlv.TagUsageLimits) != nil {
		return b, fail(rrFeatureNotSupported, "Usage Limits on a ticket are not supported (Lease Time and Request Count are)")
	}
	t := &ticket{identity: c.identity, left: -1, rights: rights, parent: c.ticket}
	if rc := p.Child(ttlv.TagRequestCount); rc != nil {
		if rc.Type != ttlv.TypeInteger || rc.Num < 0 {
			return b, fail(rrInvalidField, "Request Count must be an Integer, 0 or more")
		}
		if rc.Num > 0 {
			t.left = rc.Num
		}
	}
	lease := c.s.lease
	if lt := p.Child(ttlv.TagLeaseTime); lt != nil {
		switch {
		case lt.Type == ttlv.TypeInterval && lt.Num > 0:
			lease = lt.Num
		case lt.Type == ttlv.TypeInterval:
		case lt.Type == ttlv.TypeDateTime:
			if !c.now.Before(time.Unix(lt.Num, 0)) {
				return b, fail(rrInvalidField, "Lease Time %s is past", time.Unix(lt.Num, 0).UTC().Format(time.RFC3339))
			}
			lease, t.expires = 0, time.Unix(lt.Num, 0)
		default:
			return b, fail(rrInvalidField, "Lease Time must be an Interval or a Date-Time")
		}
	}
	if lease > 0 {
		t.expires = c.now.Add(time.Duration(lease) * time.Second)
	}
	for p := c.ticket; p != nil; p = p.parent { // no longer than the ticket it is made under
		if !p.expires.IsZero() && (t.expires.IsZero() || p.expires.Before(t.expires)) {
			t.expires = p.expires
		}
	}
	var value [32]byte
	if _, err := io.ReadFull(c.s.rand, value[:]); err != nil {
		return b, fail(rrGeneralFailure, "ticket: %v", err)
	}
	t.key = sha256.Sum256(value[:])
	if err := c.s.tickets.add(t, c.now); err != nil {
		return b, err
	}
	if c.journaling {
		c.journal = append(c.journal, journalEntry{ticket: t})
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagTicket)
	b = ttlv.AppendEnumeration(b, ttlv.TagTicketType, ticketLogin)
	b = ttlv.AppendByteString(b, ttlv.TagTicketValue, value[:])
	ttlv.EndStructure(b, m)
	return b, nil
}

// readRights reads a Rights structure (§7.35) of Right structures (§7.34).
func readRights(rs *ttlv.Value) ([]right, *opError) {
	rights := []right{}
	for i := range rs.Children {
		rv := &rs.Children[i]
		if rv.Tag != ttlv.TagRight || rv.Type != ttlv.TypeStructure {
			continue
		}
		var r right
		for j := range rv.Children {
			f := &rv.Children[j]
			switch f.Tag {
			case ttlv.TagUsageLimits:
				return nil, fail(rrFeatureNotSupported, "Usage Limits in a Right are not supported")
			case ttlv.TagOperations:
				r.ops = []uint32{}
				for k := range f.Children {
					if f.Children[k].Tag == ttlv.TagOperation {
						r.ops = append(r.ops, uint32(f.Children[k].Num))
					}
				}
			case ttlv.TagObjects:
				r.objects = []string{}
				for k := range f.Children {
					if f.Children[k].Tag == ttlv.TagUniqueIdentifier {
						r.objects = append(r.objects, string(f.Children[k].Bytes))
					}
				}
			case ttlv.TagObjectGroups:
				r.groups = []string{}
				for k := range f.Children {
					if f.Children[k].Tag == ttlv.TagObjectGroup {
						r.groups = append(r.groups, string(f.Children[k].Bytes))
					}
				}
			}
		}
		rights = append(rights, r)
	}
	if len(rights) == 0 {
		return nil, fail(rrInvalidField, "Rights without a Right")
	}
	return rights, nil
}

// logout answers Logout (§6.1.31).
func (c *reqCtx) logout(p *ttlv.Value, b []byte) ([]byte, *opError) {
	value := ticketValue(p.Child(ttlv.TagTicket))
	if value == nil {
		return b, fail(rrInvalidField, "Logout without a Login Ticket")
	}
	return b, c.s.tickets.logout(value, c.identity, c.admin, c.now)
}

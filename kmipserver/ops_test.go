package kmipserver

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// versionsUnderTest: two KMIP 1.x and two 2.x versions.
var versionsUnderTest = []hdr{{major: 1, minor: 2}, {major: 1, minor: 4}, {major: 2, minor: 0}, {major: 2, minor: 1}}

// createAES returns a Create item for an AES key in the version's form.
func createAES(h hdr, bits int32, extra ...v) v {
	if h.major < 2 {
		ta := st(ttlv.TagTemplateAttribute,
			attr1("Cryptographic Algorithm", enum(0, algAES)),
			attr1("Cryptographic Length", integer(0, bits)),
			attr1("Cryptographic Usage Mask", integer(0, int32(usageEncrypt|usageDecrypt))))
		for _, e := range extra {
			ta.Children = append(ta.Children, attr1(mustSpecName(e.Tag), e))
		}
		return item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), ta)
	}
	as := st(ttlv.TagAttributes,
		enum(ttlv.TagCryptographicAlgorithm, algAES),
		integer(ttlv.TagCryptographicLength, bits),
		integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt|usageDecrypt)))
	as.Children = append(as.Children, extra...)
	return item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), as)
}

func mustSpecName(t ttlv.Tag) string {
	n, ok := ttlv.TagSpecName(t)
	if !ok {
		panic(t)
	}
	return n
}

func name(s string) v {
	return st(ttlv.TagName, str(ttlv.TagNameValue, s), enum(ttlv.TagNameType, nameText))
}

func TestCreateGetLifecycle(t *testing.T) {
	for _, h := range versionsUnderTest {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			r := do(t, s, h, createAES(h, 256))
			if r.major != h.major || r.minor != h.minor {
				t.Fatalf("answered in %d.%d", r.major, r.minor)
			}
			id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			if len(id) != 36 || id[8] != '-' || id[14] != '4' {
				t.Fatalf("identifier %q is not UUID-like", id)
			}
			// Get: a Raw 256-bit AES key.
			r = do(t, s, h, item(opGet, uid(id)))
			p := ok(t, &r.items[0])
			kb := p.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock)
			if kb.Child(ttlv.TagKeyFormatType).Num != int64(kfRaw) ||
				len(kb.Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial).Bytes) != 32 ||
				kb.Child(ttlv.TagCryptographicAlgorithm).Num != int64(algAES) {
				t.Fatalf("key block %s", kb.String())
			}
			// Pre-Active: Encrypt refused, Destroy allowed later.
			// Wrong Key Lifecycle State is KMIP 2.1's; before, Permission Denied.
			wrong := rrWrongKeyLifecycleState
			if h.major < 2 || h.minor == 0 {
				wrong = rrPermissionDenied
			}
			r = do(t, s, h, item(opEncrypt, uid(id), bstr(ttlv.TagData, []byte("x"))))
			failed(t, &r.items[0], wrong)
			// Activate; again is refused.
			ok(t, &do(t, s, h, item(opActivate, uid(id))).items[0])
			failed(t, &do(t, s, h, item(opActivate, uid(id))).items[0], wrong)
			// Destroy of an Active object is refused.
			failed(t, &do(t, s, h, item(opDestroy, uid(id))).items[0], wrong)
			// Revoke (Cessation of Operation) deactivates; Encrypt refused,
			// Destroy then allowed.
			rev := st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, 6))
			ok(t, &do(t, s, h, item(opRevoke, uid(id), rev)).items[0])
			r = do(t, s, h, item(opGetAttributes, uid(id)))
			if got := stateOf(t, h, ok(t, &r.items[0])); got != stateDeactivated {
				t.Fatalf("state %d after revoke", got)
			}
			ok(t, &do(t, s, h, item(opDestroy, uid(id))).items[0])
			// Get on a destroyed object returns no key material.
			r = do(t, s, h, item(opGet, uid(id)))
			if h.major < 2 || h.minor == 0 {
				failed(t, &r.items[0], rrPermissionDenied)
			} else {
				failed(t, &r.items[0], rrObjectDestroyed)
			}
			r = do(t, s, h, item(opGetAttributes, uid(id)))
			if got := stateOf(t, h, ok(t, &r.items[0])); got != stateDestroyed {
				t.Fatalf("state %d after destroy", got)
			}
			// Unknown object.
			failed(t, &do(t, s, h, item(opGet, uid("nope"))).items[0], notFoundIn(h))
		})
	}
}

// attrsOf returns the attributes of a Get Attributes payload as tagged
// items, whatever the version's form.
func attrsOf(t testing.TB, h hdr, p *v) []v {
	t.Helper()
	if h.major >= 2 {
		as := p.Child(ttlv.TagAttributes)
		if as == nil {
			t.Fatalf("no Attributes: %s", p.String())
		}
		return as.Children
	}
	var out []v
	for _, ch := range p.Children {
		if ch.Tag != ttlv.TagAttribute {
			continue
		}
		n := ch.Child(ttlv.TagAttributeName).Text()
		tag, ok := ttlv.LookupAttributeName(n)
		if !ok {
			tag = 0
		}
		val := *ch.Child(ttlv.TagAttributeValue)
		val.Tag = tag
		out = append(out, val)
	}
	return out
}

func stateOf(t testing.TB, h hdr, p *v) uint32 {
	t.Helper()
	for _, a := range attrsOf(t, h, p) {
		if a.Tag == ttlv.TagState {
			return uint32(a.Num)
		}
	}
	t.Fatalf("no State in %s", p.String())
	return 0
}

func TestRevokeCompromise(t *testing.T) {
	h := hdr{major: 2, minor: 1}
	s := newTestServer()
	id := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, h, item(opActivate, uid(id))).items[0])
	rev := st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, revKeyCompromise))
	ok(t, &do(t, s, h, item(opRevoke, uid(id), rev)).items[0])
	p := ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])
	if got := stateOf(t, h, p); got != stateCompromised {
		t.Fatalf("state %d", got)
	}
	ok(t, &do(t, s, h, item(opDestroy, uid(id))).items[0])
	p = ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])
	if got := stateOf(t, h, p); got != stateDestroyedCompromised {
		t.Fatalf("state %d", got)
	}
	// Revoke without a reason is an invalid field.
	failed(t, &do(t, s, h, item(opRevoke, uid(id))).items[0], rrInvalidField)
}

// TestRevokeTransitions: Revoke follows the state transitions of KMIP 2.1
// §5 (1.4 §3.22) and no others. A reason other than a compromise
// deactivates an Active object only (transition 6): a Pre-Active object
// is refused with the version's wrong-state reason and stays Pre-Active,
// without a Deactivation Date or Revocation Reason; so is a Deactivated
// one. A compromise makes Pre-Active (3) and Deactivated (8) objects
// Compromised and a Destroyed one Destroyed Compromised (10).
func TestRevokeTransitions(t *testing.T) {
	for _, h := range append(versionsUnderTest, hdr{major: 3, minor: 0}) {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			wrong := rrWrongKeyLifecycleState
			if h.major < 2 || h.major == 2 && h.minor == 0 {
				wrong = rrPermissionDenied
			}
			s := newTestServer()
			newKey := func() string {
				return ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			}
			attrs := func(id string) []v {
				return attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0]))
			}
			state := func(id string) uint32 {
				return stateOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0]))
			}
			revoke := func(id string, code uint32) v {
				return do(t, s, h, item(opRevoke, uid(id), st(ttlv.TagRevocationReason, enum(ttlv.TagRevocationReasonCode, code)))).items[0]
			}
			// Unspecified, Superseded, Cessation of Operation (2.1 §11.48).
			for _, code := range []uint32{revUnspecified, 0x05, 0x06} {
				pre := newKey()
				it := revoke(pre, code)
				failed(t, &it, wrong)
				if got := state(pre); got != statePreActive {
					t.Fatalf("reason %d: Pre-Active key is in state %d after a refused Revoke", code, got)
				}
				for _, a := range attrs(pre) {
					if a.Tag == ttlv.TagDeactivationDate || a.Tag == ttlv.TagRevocationReason {
						t.Fatalf("reason %d: a refused Revoke set the %s", code, a.Tag)
					}
				}
				// The same key, once Active, is deactivated; again is refused.
				ok(t, &do(t, s, h, item(opActivate, uid(pre))).items[0])
				it = revoke(pre, code)
				ok(t, &it)
				if got := state(pre); got != stateDeactivated {
					t.Fatalf("reason %d: Active key in state %d after Revoke", code, got)
				}
				it = revoke(pre, code)
				failed(t, &it, wrong)
				// Deactivated → Compromised (8).
				it = revoke(pre, revKeyCompromise)
				ok(t, &it)
				if got := state(pre); got != stateCompromised {
					t.Fatalf("Deactivated key in state %d after a compromise", got)
				}
			}
			// Pre-Active → Compromised (3); then Destroy.
			pre := newKey()
			it := revoke(pre, revCACompromise)
			ok(t, &it)
			if got := state(pre); got != stateCompromised {
				t.Fatalf("Pre-Active key in state %d after a compromise", got)
			}
			// Destroyed → Destroyed Compromised (10); a Pre-Active key
			// may be destroyed without a Revoke (2).
			d := newKey()
			ok(t, &do(t, s, h, item(opDestroy, uid(d))).items[0])
			it = revoke(d, revUnspecified)
			failed(t, &it, wrong)
			it = revoke(d, revKeyCompromise)
			ok(t, &it)
			if got := state(d); got != stateDestroyedCompromised {
				t.Fatalf("Destroyed key in state %d after a compromise", got)
			}
		})
	}
}

// TestVersionAttributes: KMIP 1.x clients get only their version's
// attributes (Original Creation Date is 1.2+; KMIP 1.0 lacks it). The
// server sets it for the keys it creates, not for registered ones.
func TestVersionAttributes(t *testing.T) {
	key := make([]byte, 16)
	for _, tc := range []struct {
		h    hdr
		want bool
	}{{hdr{major: 1, minor: 0}, false}, {hdr{major: 1, minor: 1}, false}, {hdr{major: 1, minor: 2}, true}, {hdr{major: 2, minor: 0}, true}} {
		s := newTestServer()
		reg := item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
			st(ttlv.TagTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, 12))),
			symKey(kfRaw, key, algAES, 128))
		if tc.h.major >= 2 {
			reg = item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey),
				st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, 12)),
				symKey(kfRaw, key, algAES, 128))
		}
		id := ok(t, &do(t, s, tc.h, reg).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		created := ok(t, &do(t, s, tc.h, createAES(tc.h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		for _, a := range attrsOf(t, tc.h, ok(t, &do(t, s, tc.h, item(opGetAttributes, uid(id))).items[0])) {
			if a.Tag == ttlv.TagOriginalCreationDate {
				t.Errorf("%d.%d: Original Creation Date on a registered key", tc.h.major, tc.h.minor)
			}
		}
		p := ok(t, &do(t, s, tc.h, item(opGetAttributes, uid(created))).items[0])
		has := false
		for _, a := range attrsOf(t, tc.h, p) {
			has = has || a.Tag == ttlv.TagOriginalCreationDate
			if a.Tag == ttlv.TagInitialDate && a.Num != fixedNow.Unix() {
				t.Errorf("Initial Date %d", a.Num)
			}
		}
		if has != tc.want {
			t.Errorf("%d.%d: Original Creation Date present=%v", tc.h.major, tc.h.minor, has)
		}
		// Get returns the key as registered.
		g := ok(t, &do(t, s, tc.h, item(opGet, uid(id))).items[0])
		if km := g.Child(ttlv.TagSymmetricKey).Child(ttlv.TagKeyBlock).Child(ttlv.TagKeyValue).Child(ttlv.TagKeyMaterial); !bytes.Equal(km.Bytes, key) {
			t.Errorf("key material %x", km.Bytes)
		}
	}
}

func symKey(kf uint32, key []byte, alg uint32, bits int32) v {
	return st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock,
		enum(ttlv.TagKeyFormatType, kf),
		st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, key)),
		enum(ttlv.TagCryptographicAlgorithm, alg),
		integer(ttlv.TagCryptographicLength, bits)))
}

func TestLocate(t *testing.T) {
	for _, h := range versionsUnderTest {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			var ids []string
			for i := range 5 {
				bits := int32(128)
				if i%2 == 1 {
					bits = 256
				}
				r := do(t, s, h, createAES(h, bits, name(fmt.Sprintf("key-%d", i))))
				ids = append(ids, ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text())
			}
			ok(t, &do(t, s, h, item(opActivate, uid(ids[4]))).items[0])
			filter := func(attrs ...v) []v {
				if h.major >= 2 {
					return []v{st(ttlv.TagAttributes, attrs...)}
				}
				var out []v
				for _, a := range attrs {
					out = append(out, attr1(mustSpecName(a.Tag), a))
				}
				return out
			}
			// Locate answers newest first (2.1 §6.1.27, 1.4 §4.9).
			newest := slices.Clone(ids)
			slices.Reverse(newest)
			cases := []struct {
				name string
				args []v
				want []string
			}{
				{"all", nil, newest},
				{"type", filter(enum(ttlv.TagObjectType, objSymmetricKey)), newest},
				{"other type", filter(enum(ttlv.TagObjectType, objPrivateKey)), nil},
				{"length", filter(integer(ttlv.TagCryptographicLength, 256)), []string{ids[3], ids[1]}},
				{"alg", filter(enum(ttlv.TagCryptographicAlgorithm, algAES)), newest},
				{"name", filter(name("key-2")), []string{ids[2]}},
				{"state", filter(enum(ttlv.TagState, stateActive)), []string{ids[4]}},
				{"max", append([]v{integer(ttlv.TagMaximumItems, 2)}, filter(enum(ttlv.TagObjectType, objSymmetricKey))...), newest[:2]},
				{"offset", append([]v{integer(ttlv.TagMaximumItems, 2), integer(ttlv.TagOffsetItems, 3)}, filter()...), newest[3:]},
			}
			for _, tc := range cases {
				p := ok(t, &do(t, s, h, item(opLocate, tc.args...)).items[0])
				got := texts(p, ttlv.TagUniqueIdentifier)
				if fmt.Sprint(got) != fmt.Sprint(tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
					t.Errorf("%s: got %q want %q", tc.name, got, tc.want)
				}
				// Located Items (1.3+) counts every match, whatever
				// MaximumItems and OffsetItems keep.
				li := p.Child(ttlv.TagLocatedItems)
				matches := map[string]int64{"max": 5, "offset": 5}[tc.name]
				if matches == 0 {
					matches = int64(len(tc.want))
				}
				if h.major < 2 && h.minor < 3 {
					if li != nil {
						t.Errorf("%s: LocatedItems in KMIP 1.%d", tc.name, h.minor)
					}
				} else if li == nil {
					t.Errorf("%s: no LocatedItems", tc.name)
				} else if li.Num != matches {
					t.Errorf("%s: LocatedItems %d, want %d", tc.name, li.Num, matches)
				}
			}
		})
	}
}

// TestIDPlaceholder: Create then Activate and Get in one batch, the later
// items without Unique Identifier.
func TestIDPlaceholder(t *testing.T) {
	for _, h := range versionsUnderTest {
		s := newTestServer()
		r := do(t, s, h, createAES(h, 192), item(opActivate), item(opGet))
		id := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		if got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
			t.Fatalf("Activate acted on %q, want %q", got, id)
		}
		if got := ok(t, &r.items[2]).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
			t.Fatalf("Get returned %q, want %q", got, id)
		}
		// Without an earlier item there is no placeholder.
		failed(t, &do(t, s, h, item(opGet)).items[0], rrMissingData)
	}
}

// TestContinuation: Stop (default), Continue and Undo.
func TestContinuation(t *testing.T) {
	h := hdr{major: 2, minor: 1}
	for _, tc := range []struct {
		cont    uint32
		results []uint32 // Result Status per item
	}{
		{0, []uint32{batch.StatusSuccess, batch.StatusFailed}},
		{batch.Stop, []uint32{batch.StatusSuccess, batch.StatusFailed}},
		{batch.Continue, []uint32{batch.StatusSuccess, batch.StatusFailed, batch.StatusSuccess}},
		{batch.Undo, []uint32{batch.StatusUndone, batch.StatusFailed}},
	} {
		s := newTestServer()
		pre := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
		hh := h
		hh.cont = tc.cont
		// Activate pre, then a Get of a missing object fails, then Create.
		r := do(t, s, hh, item(opActivate, uid(pre)), item(opGet, uid("missing")), createAES(h, 128))
		if len(r.items) != len(tc.results) {
			t.Fatalf("cont %d: %d items, want %d", tc.cont, len(r.items), len(tc.results))
		}
		for i, want := range tc.results {
			if got, _ := status(&r.items[i]); got != want {
				t.Errorf("cont %d item %d: status %d want %d", tc.cont, i, got, want)
			}
			if op := r.items[i].Child(ttlv.TagOperation); op == nil {
				t.Errorf("cont %d item %d: no Operation echoed", tc.cont, i)
			}
		}
		// An undone item keeps its response (2.1 Table 434): the
		// Activate's Unique Identifier.
		if tc.cont == batch.Undo {
			if p := r.items[0].Child(ttlv.TagResponsePayload); p == nil || p.Child(ttlv.TagUniqueIdentifier).Text() != pre {
				t.Errorf("undone Activate: %s", r.items[0].String())
			}
		}
		// Undo reverted the activation: the key is Pre-Active again.
		p := ok(t, &do(t, s, h, item(opGetAttributes, uid(pre))).items[0])
		wantState := stateActive
		if tc.cont == batch.Undo {
			wantState = statePreActive
		}
		if got := stateOf(t, h, p); got != wantState {
			t.Errorf("cont %d: state %d want %d", tc.cont, got, wantState)
		}
	}
	// Undo also removes created objects.
	s := newTestServer()
	hh := h
	hh.cont = batch.Undo
	r := do(t, s, hh, createAES(h, 128), item(opGet, uid("missing")))
	failed(t, &r.items[1], notFoundIn(h))
	p := ok(t, &do(t, s, h, item(opLocate)).items[0])
	if n := p.Child(ttlv.TagLocatedItems).Num; n != 0 {
		t.Fatalf("%d objects after Undo", n)
	}
}

func TestMaximumResponseSize(t *testing.T) {
	h := hdr{major: 1, minor: 4}
	s := newTestServer()
	id := ok(t, &do(t, s, h, createAES(h, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	full := s.ServeTTLV(context.Background(), nil, request(h, item(opGet, uid(id))))
	// Exactly enough: success; one byte less: Response Too Large.
	h.maxSize = int32(len(full))
	ok(t, &do(t, s, h, item(opGet, uid(id))).items[0])
	h.maxSize--
	r := do(t, s, h, item(opGet, uid(id)))
	failed(t, &r.items[0], rrResponseTooLarge)
	// A Create over the limit is not kept.
	h.maxSize = 200
	h.cont = batch.Continue
	r = do(t, s, h, createAES(h, 128), createAES(h, 128))
	failed(t, &r.items[1], rrResponseTooLarge)
	h.maxSize, h.cont = 0, 0
	p := ok(t, &do(t, s, h, item(opLocate)).items[0])
	if n := p.Child(ttlv.TagLocatedItems).Num; n != 2 {
		t.Fatalf("%d objects, want 2 (the first key, the batch's first Create)", n)
	}
}

func TestUnsupportedAndMalformed(t *testing.T) {
	h := hdr{major: 2, minor: 1, cont: batch.Continue}
	s := newTestServer()
	// Notify (0x1B, a server-to-client operation) is not supported: that
	// item only fails.
	r := do(t, s, h, item(0x1B, uid("x")), item(opDiscoverVersions))
	failed(t, &r.items[0], rrOperationNotSupported)
	ok(t, &r.items[1])
	// A BatchItem without Operation fails alone.
	bad := st(ttlv.TagBatchItem, payload())
	r = do(t, s, h, bad, item(opDiscoverVersions))
	failed(t, &r.items[0], rrInvalidMessage)
	ok(t, &r.items[1])
	// BatchCount mismatch: reported after the items.
	h.count = 3
	r = do(t, s, h, item(opDiscoverVersions))
	ok(t, &r.items[0])
	failed(t, &r.items[1], rrInvalidMessage)
	if r.items[1].Child(ttlv.TagOperation) != nil {
		t.Fatal("message-level failure with an Operation")
	}
	// Garbage: one item, no Operation, Invalid Message.
	for _, junk := range [][]byte{nil, []byte("hello world, not TTLV"), request(hdr{major: 1, minor: 4})[:20]} {
		r := decode(t, s.ServeTTLV(context.Background(), nil, junk))
		if len(r.items) != 1 || r.items[0].Child(ttlv.TagOperation) != nil {
			t.Fatalf("answer to junk: %d items", len(r.items))
		}
		failed(t, &r.items[0], rrInvalidMessage)
	}
	// An unsupported protocol version: items fail, DiscoverVersions works;
	// the answer is in the nearest version (3.0 for 3.1 and 4.0).
	for _, major := range []int32{3, 4} {
		r = do(t, s, hdr{major: major, minor: 1, count: 2, cont: batch.Continue}, item(opGet, uid("x")), item(opDiscoverVersions))
		failed(t, &r.items[0], rrInvalidMessage)
		ok(t, &r.items[1])
		if r.major != 3 || r.minor != 0 {
			t.Errorf("KMIP %d.1 answered as %d.%d", major, r.major, r.minor)
		}
	}
}

func TestDiscoverVersionsAndQuery(t *testing.T) {
	s := newTestServer()
	h := hdr{major: 1, minor: 2}
	p := ok(t, &do(t, s, h, item(opDiscoverVersions)).items[0])
	if n := len(p.Children); n != len(versions) {
		t.Fatalf("%d versions", n)
	}
	pv := func(a, b int32) v {
		return st(ttlv.TagProtocolVersion, integer(ttlv.TagProtocolVersionMajor, a), integer(ttlv.TagProtocolVersionMinor, b))
	}
	p = ok(t, &do(t, s, h, item(opDiscoverVersions, pv(3, 1), pv(1, 4), pv(1, 1))).items[0])
	if len(p.Children) != 2 || p.Children[0].Child(ttlv.TagProtocolVersionMinor).Num != 4 {
		t.Fatalf("discover: %s", p.String())
	}
	// The 3.0 draft: listed last, and answered when asked for.
	p = ok(t, &do(t, s, h, item(opDiscoverVersions)).items[0])
	if last := p.Children[len(p.Children)-1]; last.Child(ttlv.TagProtocolVersionMajor).Num != 3 || last.Child(ttlv.TagProtocolVersionMinor).Num != 0 {
		t.Fatalf("discover: %s", p.String())
	}
	p = ok(t, &do(t, s, h, item(opDiscoverVersions, pv(3, 0))).items[0])
	if len(p.Children) != 1 || p.Children[0].Child(ttlv.TagProtocolVersionMajor).Num != 3 {
		t.Fatalf("discover 3.0: %s", p.String())
	}
	p = ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations),
		enum(ttlv.TagQueryFunction, queryServerInfo))).items[0])
	ops := 0
	for _, ch := range p.Children {
		if ch.Tag == ttlv.TagOperation {
			ops++
		}
	}
	// At 1.2: all but the 1.4 and 2.0 operations (opSince; Interop only
	// when enabled).
	want := 0
	for _, op := range operations {
		if major, minor := opSince(op); major == 1 && minor <= 2 {
			want++
		}
	}
	if ops != want || p.Child(ttlv.TagVendorIdentification) == nil {
		t.Fatalf("query: %s", p.String())
	}
}

func TestAttributeOps(t *testing.T) {
	for _, h := range versionsUnderTest {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			id := ok(t, &do(t, s, h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			var add, mod, del, get v
			if h.major < 2 {
				add = item(opAddAttribute, uid(id), attr1("Name", name("first")))
				mod = item(opModifyAttribute, uid(id), attr1("Name", name("second")))
				del = item(opDeleteAttribute, uid(id), str(ttlv.TagAttributeName, "Name"))
				get = item(opGetAttributes, uid(id), str(ttlv.TagAttributeName, "Name"))
			} else {
				add = item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, name("first")))
				mod = item(opModifyAttribute, uid(id), st(ttlv.TagCurrentAttribute, name("first")), st(ttlv.TagNewAttribute, name("second")))
				del = item(opDeleteAttribute, uid(id), st(ttlv.TagCurrentAttribute, name("second")))
				get = item(opGetAttributes, uid(id), enum(ttlv.TagAttributeReference, uint32(ttlv.TagName)))
			}
			names := func() []string {
				p := ok(t, &do(t, s, h, get).items[0])
				var out []string
				for _, a := range attrsOf(t, h, p) {
					if a.Tag != ttlv.TagName {
						t.Fatalf("asked for Name, got %s", a.Tag)
					}
					out = append(out, a.Child(ttlv.TagNameValue).Text())
				}
				return out
			}
			ok(t, &do(t, s, h, add).items[0])
			if got := names(); fmt.Sprint(got) != "[first]" {
				t.Fatalf("after add: %q", got)
			}
			ok(t, &do(t, s, h, mod).items[0])
			if got := names(); fmt.Sprint(got) != "[second]" {
				t.Fatalf("after modify: %q", got)
			}
			ok(t, &do(t, s, h, del).items[0])
			if got := names(); len(got) != 0 {
				t.Fatalf("after delete: %q", got)
			}
			failed(t, &do(t, s, h, del).items[0], (&reqCtx{major: h.major}).reason(rrAttributeNotFound))
			// Read-only attributes cannot be added.
			var ro v
			if h.major < 2 {
				ro = item(opAddAttribute, uid(id), attr1("State", enum(0, stateActive)))
			} else {
				ro = item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, enum(ttlv.TagState, stateActive)))
			}
			failed(t, &do(t, s, h, ro).items[0], (&reqCtx{major: h.major}).reason(rrAttributeReadOnly))
			// Get Attribute List names State and the Unique Identifier.
			p := ok(t, &do(t, s, h, item(opGetAttributeList, uid(id))).items[0])
			var list []string
			for _, ch := range p.Children {
				switch ch.Tag {
				case ttlv.TagAttributeName:
					list = append(list, ch.Text())
				case ttlv.TagAttributeReference:
					n, _ := ttlv.TagSpecName(ttlv.Tag(ch.Num))
					list = append(list, n)
				}
			}
			if fmt.Sprint(list[:2]) != "[Unique Identifier Object Type]" || len(list) < 6 {
				t.Fatalf("attribute list %q", list)
			}
		})
	}
}

// TestDates: an Activation Date not after now makes a new key Active; a
// later one keeps it Pre-Active until the clock reaches it; the
// Deactivation Date then deactivates it.
func TestDates(t *testing.T) {
	now := fixedNow
	s := New(Config{Now: func() time.Time { return now }})
	h := hdr{major: 2, minor: 1}
	past := ttlv.DateTime(ttlv.TagActivationDate, now.Add(-time.Minute))
	future := ttlv.DateTime(ttlv.TagActivationDate, now.Add(time.Hour))
	deact := ttlv.DateTime(ttlv.TagDeactivationDate, now.Add(2*time.Hour))
	a := ok(t, &do(t, s, h, createAES(h, 128, past)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	b := ok(t, &do(t, s, h, createAES(h, 128, future, deact)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	state := func(id string) uint32 {
		return stateOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0]))
	}
	if state(a) != stateActive || state(b) != statePreActive {
		t.Fatalf("states %d %d", state(a), state(b))
	}
	enc := item(opEncrypt, uid(b), bstr(ttlv.TagData, []byte("x")))
	failed(t, &do(t, s, h, enc).items[0], rrWrongKeyLifecycleState)
	now = now.Add(90 * time.Minute)
	ok(t, &do(t, s, h, enc).items[0])
	now = now.Add(time.Hour)
	failed(t, &do(t, s, h, enc).items[0], rrWrongKeyLifecycleState)
	if state(b) != stateDeactivated {
		t.Fatalf("state %d after the Deactivation Date", state(b))
	}
}

// TestCustomAttributes: a KMIP 1.x custom attribute ("x-…") and a 2.x
// vendor attribute are stored, returned in each version's form, located
// and deleted.
func TestCustomAttributes(t *testing.T) {
	s := newTestServer()
	h1 := hdr{major: 1, minor: 4}
	id := ok(t, &do(t, s, h1, createAES(h1, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, h1, item(opAddAttribute, uid(id), attr1("x-owner", str(0, "alice")))).items[0])
	p := ok(t, &do(t, s, h1, item(opGetAttributes, uid(id), str(ttlv.TagAttributeName, "x-owner"))).items[0])
	a := p.Child(ttlv.TagAttribute)
	if a == nil || a.Child(ttlv.TagAttributeName).Text() != "x-owner" || a.Child(ttlv.TagAttributeValue).Text() != "alice" {
		t.Fatalf("1.4 custom attribute: %s", p.String())
	}
	// KMIP 2.x sees it as a vendor attribute (Attribute{Vendor
	// Identification, Attribute Name, Attribute Value}) and can locate by it.
	h2 := hdr{major: 2, minor: 1}
	p = ok(t, &do(t, s, h2, item(opGetAttributes, uid(id))).items[0])
	var vend *v
	for _, ch := range p.Child(ttlv.TagAttributes).Children {
		if ch.Tag == ttlv.TagAttribute {
			vend = &ch
		}
	}
	if vend == nil || vend.Child(ttlv.TagVendorIdentification) == nil || vend.Child(ttlv.TagAttributeName).Text() != "x-owner" {
		t.Fatalf("2.1 vendor attribute: %s", p.String())
	}
	filter := st(ttlv.TagAttributes, st(ttlv.TagAttribute, str(ttlv.TagVendorIdentification, "x"),
		str(ttlv.TagAttributeName, "x-owner"), str(ttlv.TagAttributeValue, "alice")))
	p = ok(t, &do(t, s, h2, item(opLocate, filter)).items[0])
	if got := texts(p, ttlv.TagUniqueIdentifier); len(got) != 1 || got[0] != id {
		t.Fatalf("locate by vendor attribute: %q", got)
	}
	ok(t, &do(t, s, h1, item(opDeleteAttribute, uid(id), str(ttlv.TagAttributeName, "x-owner"))).items[0])
	p = ok(t, &do(t, s, h1, item(opGetAttributes, uid(id), str(ttlv.TagAttributeName, "x-owner"))).items[0])
	if p.Child(ttlv.TagAttribute) != nil {
		t.Fatal("custom attribute not deleted")
	}
}

// TestUnknownIdentifierReason: an identifier that names no object is Item
// Not Found in KMIP 1.x (1.4 §11) and Object Not Found from 2.0 on, but for
// the operations whose 2.x error tables keep Item Not Found (Adjust
// Attribute, Certify, Create Split Key: 2.1 §6.1.3, §6.1.6, §6.1.10).
func TestUnknownIdentifierReason(t *testing.T) {
	s := newTestServer()
	for _, tc := range []struct {
		h    hdr
		op   uint32
		want uint32
	}{
		{hdr{major: 1, minor: 4}, opGet, rrItemNotFound},
		{hdr{major: 1, minor: 4}, opGetAttributes, rrItemNotFound},
		{hdr{major: 1, minor: 0}, opDestroy, rrItemNotFound},
		{hdr{major: 2, minor: 0}, opGet, rrObjectNotFound},
		{v21, opGetAttributes, rrObjectNotFound},
		{v21, opDestroy, rrObjectNotFound},
		{v21, opActivate, rrObjectNotFound},
		{hdr{major: 3, minor: 0}, opGet, rrObjectNotFound},
		{v21, opAdjustAttribute, rrItemNotFound},
		{v21, opCertify, rrItemNotFound},
	} {
		failed(t, &do(t, s, tc.h, item(tc.op, uid("no such object"))).items[0], tc.want)
	}
}

// TestTransition: the one-state change of Activate and Deactivate
// refuses an object in another state — after the time-driven transitions,
// so a Pre-Active object whose Activation Date has passed is Active — and
// leaves it as it was, unrecorded; otherwise it records the object's
// previous state, sets the new state, its date, the operation's
// attributes and the Last Change Date.
func TestTransition(t *testing.T) {
	c := &reqCtx{s: newTestServer(), major: 2, minor: 1, now: fixedNow, journaling: true}
	o := &object{id: "k"}
	o.state = statePreActive
	o.setDate(ttlv.TagActivationDate, fixedNow.Unix()-10) // passed: Active now
	err := c.transition(o, statePreActive, stateActive, ttlv.TagActivationDate, fixedNow.Unix(), func() { t.Error("set ran for a refused transition") })
	if err == nil || err.reason != rrWrongKeyLifecycleState {
		t.Fatalf("transition from Pre-Active of an Active object: %v", err)
	}
	if _, set := o.date(ttlv.TagLastChangeDate); set || len(c.journal) != 0 || len(o.attrs) != 1 {
		t.Fatalf("a refused transition changed the object: %d attributes, %d journal entries", len(o.attrs), len(c.journal))
	}
	ran := false
	if err := c.transition(o, stateActive, stateDeactivated, ttlv.TagDeactivationDate, 1234, func() { ran = true }); err != nil {
		t.Fatal(err)
	}
	if o.state != stateDeactivated || !ran {
		t.Fatalf("state %d, set ran %v", o.state, ran)
	}
	if d, _ := o.date(ttlv.TagDeactivationDate); d != 1234 {
		t.Errorf("Deactivation Date %d, want 1234", d)
	}
	if d, _ := o.date(ttlv.TagLastChangeDate); d != fixedNow.Unix() {
		t.Errorf("Last Change Date %d, want now", d)
	}
	if len(c.journal) != 1 || c.journal[0].obj != o || c.journal[0].prev.state != stateActive {
		t.Errorf("journal %+v, want the object's Active state", c.journal)
	}
	c.revertFrom(0)
	if o.state != stateActive {
		t.Errorf("undone: state %d, want Active", o.state)
	}
}

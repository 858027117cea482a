package kmipserver

import (
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

var h30 = hdr{major: 3, minor: 0, noCount: true}

// serveIn sends items in a wire form (wireForms) and decodes the answer.
func serveIn(t *testing.T, serve func(*testing.T, *Server, []byte) []byte, s *Server, h hdr, items ...v) resp {
	t.Helper()
	return decode(t, serve(t, s, request(h, items...)))
}

// TestDeactivate: the 3.0 draft's Deactivate (§6.1.14) moves an Active
// object, a key or a user, to Deactivated, with the Deactivation Date
// given (or now) and the Deactivation Reason given; any other state is
// Wrong Key Lifecycle State, a date to come or a reason without its code
// Invalid Field; before 3.0 there is no such operation. In both wire
// forms.
func TestDeactivate(t *testing.T) {
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			s := newTestServer()
			do := func(h hdr, items ...v) resp { return serveIn(t, form.serve, s, h, items...) }
			ident := func(id string) v { return ttlv.Identifier(ttlv.TagUniqueIdentifier, id) }
			key := ok(t, &do(h30, createAES(h30, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			failed(t, &do(h30, item(opDeactivate, ident(key))).items[0], rrWrongKeyLifecycleState) // Pre-Active
			ok(t, &do(h30, item(opActivate, ident(key))).items[0])

			past := s.now().Unix() - 3600
			failed(t, &do(h30, item(opDeactivate, ident(key), ttlv.DateTime(ttlv.TagDeactivationDate, time.Unix(past+7200, 0)))).items[0], rrInvalidField)
			failed(t, &do(h30, item(opDeactivate, ident(key), st(ttlv.TagDeactivationReason,
				str(ttlv.TagDeactivationMessage, "no code")))).items[0], rrInvalidField)
			failed(t, &do(h30, item(opDeactivate, ident(key), st(ttlv.TagDeactivationReason,
				integer(ttlv.TagDeactivationReasonCode, 1)))).items[0], rrInvalidField)

			reason := st(ttlv.TagDeactivationReason, enum(ttlv.TagDeactivationReasonCode, deactUnspecified),
				str(ttlv.TagDeactivationMessage, "retired"))
			p := ok(t, &do(h30, item(opDeactivate, ident(key), reason, ttlv.DateTime(ttlv.TagDeactivationDate, time.Unix(past, 0)))).items[0])
			if got := p.Child(ttlv.TagUniqueIdentifier); got == nil || got.Text() != key {
				t.Fatalf("Deactivate answers %v, want %s", got, key)
			}
			ga := ok(t, &do(h30, item(opGetAttributes, ident(key))).items[0])
			if a := payloadAttr(t, h30, ga, ttlv.TagState); a == nil || uint32(a.Num) != stateDeactivated {
				t.Errorf("State %v after Deactivate, want Deactivated", a)
			}
			if a := payloadAttr(t, h30, ga, ttlv.TagDeactivationDate); a == nil || a.Num != past {
				t.Errorf("Deactivation Date %v, want %d", a, past)
			}
			if a := payloadAttr(t, h30, ga, ttlv.TagDeactivationReason); a == nil ||
				a.Child(ttlv.TagDeactivationMessage) == nil || a.Child(ttlv.TagDeactivationMessage).Text() != "retired" {
				t.Errorf("Deactivation Reason %v", a)
			}
			// 2.1 knows neither the operation nor the attribute.
			ga = ok(t, &do(v21, item(opGetAttributes, uid(key))).items[0])
			if a := payloadAttr(t, v21, ga, ttlv.TagDeactivationReason); a != nil {
				t.Errorf("2.1 Get Attributes answers Deactivation Reason %v", a)
			}
			failed(t, &do(h30, item(opDeactivate, ident(key))).items[0], rrWrongKeyLifecycleState) // already
			// Deactivated: no longer encrypts.
			failed(t, &do(h30, item(opEncrypt, ident(key), bstr(ttlv.TagData, make([]byte, 16)))).items[0], rrWrongKeyLifecycleState)

			user := ok(t, &do(h30, item(opCreateUser, st(ttlv.TagAttributes))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			ok(t, &do(h30, item(opActivate, ident(user))).items[0])
			ok(t, &do(h30, item(opDeactivate, ident(user))).items[0])
			ga = ok(t, &do(h30, item(opGetAttributes, ident(user))).items[0])
			if a := payloadAttr(t, h30, ga, ttlv.TagDeactivationDate); a == nil || a.Num < past+3600-5 {
				t.Errorf("user's Deactivation Date %v, want now", a)
			}
			for _, h := range []hdr{v21, {major: 2, minor: 0}, {major: 1, minor: 4}} {
				k := ok(t, &do(h, createAES(h, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
				ok(t, &do(h, item(opActivate, uid(k))).items[0])
				failed(t, &do(h, item(opDeactivate, uid(k))).items[0], rrOperationNotSupported)
			}
		})
	}
}

// TestAsyncFamily21: Ping, Query Asynchronous Requests and Process (KMIP
// 2.1 §6.1.36, §6.1.41, §6.1.39) are 2.1 operations; kmipd answers every
// request at once, so no request is outstanding and none can be
// Processed. In both wire forms.
func TestAsyncFamily21(t *testing.T) {
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			s := newTestServer()
			do := func(h hdr, items ...v) resp { return serveIn(t, form.serve, s, h, items...) }
			for _, h := range []hdr{v21, h30} {
				if p := ok(t, &do(h, item(opPing)).items[0]); len(p.Children) != 0 {
					t.Errorf("%d.%d: Ping answers %v", h.major, h.minor, p.Children)
				}
				if p := ok(t, &do(h, item(opQueryAsyncRequests)).items[0]); len(p.Children) != 0 {
					t.Errorf("%d.%d: Query Asynchronous Requests answers %v", h.major, h.minor, p.Children)
				}
				sel := item(opQueryAsyncRequests,
					st(ttlv.TagAsynchronousCorrelationValues, bstr(ttlv.TagAsynchronousCorrelationValue, []byte{1, 2})),
					st(ttlv.TagOperations, enum(ttlv.TagOperation, opEncrypt)))
				if p := ok(t, &do(h, sel).items[0]); len(p.Children) != 0 {
					t.Errorf("%d.%d: Query Asynchronous Requests answers %v", h.major, h.minor, p.Children)
				}
				failed(t, &do(h, item(opQueryAsyncRequests, st(ttlv.TagOperations, str(ttlv.TagOperation, "Encrypt")))).items[0], rrInvalidMessage)
				failed(t, &do(h, item(opQueryAsyncRequests, uid("x"))).items[0], rrInvalidMessage)
				failed(t, &do(h, item(opProcess, bstr(ttlv.TagAsynchronousCorrelationValue, []byte{1, 2}))).items[0], rrInvalidAsyncCorrelation)
				failed(t, &do(h, item(opProcess)).items[0], rrInvalidField)
			}
			for _, h := range []hdr{{major: 2, minor: 0}, {major: 1, minor: 4}} {
				for _, op := range []uint32{opPing, opQueryAsyncRequests, opProcess} {
					failed(t, &do(h, item(op)).items[0], rrOperationNotSupported)
				}
			}
		})
	}
}

package kmipserver

import (
	"slices"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/batch"
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
				for _, op := range []uint32{opPing, opQueryAsyncRequests, opProcess, opSetConstraints, opGetConstraints} {
					failed(t, &do(h, item(op)).items[0], rrOperationNotSupported)
				}
			}
		})
	}
}

// constraintOn is a Constraint on the objects of a type that must have
// the attributes given (2.x form).
func constraintOn(typ uint32, attrs ...v) v {
	return st(ttlv.TagConstraint, st(ttlv.TagObjectTypes, enum(ttlv.TagObjectType, typ)), st(ttlv.TagAttributes, attrs...))
}

// TestConstraints: Set Constraints (KMIP 2.1 §6.1.52) replaces the
// server's constraints, which Get Constraints (§6.1.22) answers; an
// operation that would make an object a constraint applies to and that
// lacks one of its attributes fails with Constraint Violation and stores
// nothing, in any version; a constraint applies to its Object Types and
// Object Groups only. In both wire forms.
func TestConstraints(t *testing.T) {
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			s := newTestServer()
			do := func(h hdr, items ...v) resp { return serveIn(t, form.serve, s, h, items...) }
			if p := ok(t, &do(v21, item(opGetConstraints)).items[0]); p.Child(ttlv.TagConstraints) == nil || len(p.Child(ttlv.TagConstraints).Children) != 0 {
				t.Fatalf("Get Constraints before any: %v", p)
			}
			set := st(ttlv.TagConstraints,
				constraintOn(objSymmetricKey, integer(ttlv.TagCryptographicLength, 256)),
				st(ttlv.TagConstraint, st(ttlv.TagObjectGroups, str(ttlv.TagObjectGroup, "payments")),
					st(ttlv.TagAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt)))))
			ok(t, &do(v21, item(opSetConstraints, set)).items[0])
			p := ok(t, &do(h30, item(opGetConstraints)).items[0])
			got := p.Child(ttlv.TagConstraints)
			if got == nil || len(got.Children) != 2 || len(got.Children[0].Children) != 2 {
				t.Fatalf("Get Constraints answers %v", p)
			}

			n := s.Objects()
			failed(t, &do(v21, createAES(v21, 128)).items[0], rrConstraintViolation)
			// (1.x has no Constraint Violation: its nearest reason)
			failed(t, &do(hdr{major: 1, minor: 4}, createAES(hdr{major: 1, minor: 4}, 128)).items[0], rrInvalidField)
			if s.Objects() != n {
				t.Fatalf("%d objects after refused Creates, want %d", s.Objects(), n)
			}
			k256 := ok(t, &do(v21, createAES(v21, 256)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			// Secret Data is not a Symmetric Key: not bound by the first.
			ok(t, &do(v21, item(opRegister, enum(ttlv.TagObjectType, objSecretData), st(ttlv.TagAttributes),
				st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, 1), st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque),
					st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte("secret"))))))).items[0])
			// The group's constraint: a 256-bit key in "payments" must encrypt.
			failed(t, &do(v21, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes,
				enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256),
				integer(ttlv.TagCryptographicUsageMask, int32(usageDecrypt)), str(ttlv.TagObjectGroup, "payments")))).items[0], rrConstraintViolation)
			ok(t, &do(v21, createAES(v21, 256, str(ttlv.TagObjectGroup, "payments"))).items[0])

			// Re-key of a key the constraint now refuses a replacement for:
			// refused, the existing key keeps its Names and gets no link.
			s2 := newTestServer()
			named := ok(t, do2(t, form.serve, s2, v21, createAES(v21, 128, name("old")))).Child(ttlv.TagUniqueIdentifier).Text()
			ok(t, do2(t, form.serve, s2, v21, item(opSetConstraints, st(ttlv.TagConstraints, constraintOn(objSymmetricKey, integer(ttlv.TagCryptographicLength, 256))))))
			n2 := s2.Objects()
			failed(t, &serveIn(t, form.serve, s2, v21, item(opReKey, uid(named))).items[0], rrConstraintViolation)
			if s2.Objects() != n2 || len(linksOf(t, s2, v21, named)[linkReplacement]) != 0 {
				t.Errorf("a refused Re-key changed the server: %d objects (want %d), links %v", s2.Objects(), n2, linksOf(t, s2, v21, named))
			}
			if got := texts(ok(t, do2(t, form.serve, s2, v21, item(opLocate, st(ttlv.TagAttributes, name("old"))))), ttlv.TagUniqueIdentifier); !slices.Equal(got, []string{named}) {
				t.Errorf("after a refused Re-key, Locate by Name finds %v, want [%s]", got, named)
			}

			// A key pair: both halves checked, neither stored.
			ok(t, &do(v21, item(opSetConstraints, st(ttlv.TagConstraints, constraintOn(objPrivateKey, integer(ttlv.TagCryptographicLength, 4096))))).items[0])
			n = s.Objects()
			failed(t, &do(v21, item(opCreateKeyPair, st(ttlv.TagCommonAttributes,
				enum(ttlv.TagCryptographicAlgorithm, algRSA), integer(ttlv.TagCryptographicLength, 2048)),
				st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
				st(ttlv.TagPublicKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify))))).items[0], rrConstraintViolation)
			if s.Objects() != n {
				t.Errorf("%d objects after a refused Create Key Pair, want %d", s.Objects(), n)
			}
			// The new set replaced the old: a 128-bit key is allowed again;
			// an empty set removes every constraint.
			ok(t, &do(v21, createAES(v21, 128)).items[0])
			ok(t, &do(v21, item(opSetConstraints, st(ttlv.TagConstraints))).items[0])
			if p := ok(t, &do(v21, item(opGetConstraints)).items[0]); len(p.Child(ttlv.TagConstraints).Children) != 0 {
				t.Errorf("Get Constraints after an empty set: %v", p)
			}
			_ = k256

			// An Undo batch that fails after Set Constraints puts the old
			// set (none) back.
			hu := v21
			hu.cont = batch.Undo
			r := do(hu, item(opSetConstraints, st(ttlv.TagConstraints, constraintOn(objSymmetricKey, integer(ttlv.TagCryptographicLength, 256)))),
				item(opGet, uid("never issued")))
			failed(t, &r.items[1], rrObjectNotFound)
			ok(t, &do(v21, createAES(v21, 128)).items[0])

			// Refused: no Constraints, a Constraint holding what 2.1 §7.6
			// does not name, Object Types holding a Text String.
			failed(t, &do(v21, item(opSetConstraints)).items[0], rrInvalidField)
			failed(t, &do(v21, item(opSetConstraints, st(ttlv.TagConstraints, st(ttlv.TagConstraint, uid("x"))))).items[0], rrInvalidField)
			failed(t, &do(v21, item(opSetConstraints, st(ttlv.TagConstraints, st(ttlv.TagConstraint,
				st(ttlv.TagObjectTypes, str(ttlv.TagObjectType, "SymmetricKey")))))).items[0], rrInvalidField)
			failed(t, &do(v21, item(opSetConstraints, st(ttlv.TagConstraints, uid("x")))).items[0], rrInvalidField)
		})
	}
}

// do2 is serveIn's first item, for a second server.
func do2(t *testing.T, serve func(*testing.T, *Server, []byte) []byte, s *Server, h hdr, it v) *v {
	t.Helper()
	return &serveIn(t, serve, s, h, it).items[0]
}

// TestSetConstraintsAdminOnly: under access control, only an
// administrator sets the server's constraints; anyone may read them.
func TestSetConstraintsAdminOnly(t *testing.T) {
	s := New(Config{Rand: &detRand{}, Access: &AccessControl{Admins: []string{"root"}}})
	set := item(opSetConstraints, st(ttlv.TagConstraints, constraintOn(objSymmetricKey, integer(ttlv.TagCryptographicLength, 256))))
	failed(t, &doAs(t, s, "alice", v21, set).items[0], rrPermissionDenied)
	ok(t, &doAs(t, s, "root", v21, set).items[0])
	ok(t, &doAs(t, s, "alice", v21, item(opGetConstraints)).items[0])
	failed(t, &doAs(t, s, "alice", v21, createAES(v21, 128)).items[0], rrConstraintViolation)
}

package kmipserver

import (
	"bytes"
	"encoding/hex"
	"slices"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// objectDefaultsFor is an Object Defaults (2.x form) for one Object Type,
// in the Object Groups given (none: every object of the type).
func objectDefaultsFor(typ uint32, groups []string, attrs ...v) v {
	od := st(ttlv.TagObjectDefaults, enum(ttlv.TagObjectType, typ), st(ttlv.TagAttributes, attrs...))
	if len(groups) > 0 {
		og := st(ttlv.TagObjectGroups)
		for _, g := range groups {
			og.Children = append(og.Children, str(ttlv.TagObjectGroup, g))
		}
		od.Children = append(od.Children, og)
	}
	return od
}

func setDefaultsItem(ods ...v) v {
	return item(opSetDefaults, st(ttlv.TagDefaultsInformation, ods...))
}

// TestSetDefaults: Set Defaults (KMIP 2.1 §6.1.53) gives the objects
// factory operations make the attributes their request omitted — the
// Object Defaults of their type in one of their Object Groups first, then
// those for every group; an attribute the request or the registered key
// block gives is kept —; Query Defaults Information answers them as set
// (for the Object Groups a Query names: those and the ones for every
// group); a Set Defaults without Defaults Information removes them all;
// an Undo batch that fails puts the previous ones back.
func TestSetDefaults(t *testing.T) {
	for _, form := range wireForms {
		t.Run(form.name, func(t *testing.T) {
			s := newTestServer()
			do := func(h hdr, items ...v) resp { return serveIn(t, form.serve, s, h, items...) }
			id := func(r resp) string { return ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text() }
			bare := func(extra ...v) v { // a Create of a Symmetric Key with none of what it needs
				return item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes, extra...))
			}
			// Before any: the request must give the algorithm and length.
			if rs, _ := status(&do(v21, bare()).items[0]); rs == 0 {
				t.Fatal("a Create without algorithm or length succeeded before Set Defaults")
			}
			if p := ok(t, &do(v21, item(opQuery, enum(ttlv.TagQueryFunction, queryDefaultsInformation))).items[0]); p.Child(ttlv.TagDefaultsInformation) != nil {
				t.Fatalf("Defaults Information before any: %v", p)
			}
			general := objectDefaultsFor(objSymmetricKey, nil,
				enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256),
				integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt|usageDecrypt)))
			payments := objectDefaultsFor(objSymmetricKey, []string{"payments"}, integer(ttlv.TagCryptographicLength, 128))
			secret := objectDefaultsFor(objSecretData, nil, integer(ttlv.TagCryptographicUsageMask, int32(usageDeriveKey)),
				str(ttlv.TagObjectGroup, "secrets"), str(ttlv.TagObjectGroup, "derivation"))
			ok(t, &do(v21, setDefaultsItem(general, payments, secret)).items[0])

			k := id(do(v21, bare()))
			if got := len(keyBytes(t, s, v21, k)); got != 32 {
				t.Errorf("key of %d bytes, want the default 256 bits", got)
			}
			if a := attrOf(t, s, k, ttlv.TagCryptographicAlgorithm); a == nil || uint32(a.Num) != algAES {
				t.Errorf("Cryptographic Algorithm %v, want the default AES", a)
			}
			if a := attrOf(t, s, k, ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != usageEncrypt|usageDecrypt {
				t.Errorf("Cryptographic Usage Mask %v, want the default", a)
			}
			// The request's own attributes are kept.
			k = id(do(v21, bare(integer(ttlv.TagCryptographicLength, 192), integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt)))))
			if got := len(keyBytes(t, s, v21, k)); got != 24 {
				t.Errorf("key of %d bytes, want the request's 192 bits", got)
			}
			if a := attrOf(t, s, k, ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != usageEncrypt {
				t.Errorf("Cryptographic Usage Mask %v, want the request's", a)
			}
			// In "payments", its group's defaults come first; the general
			// ones fill the rest.
			k = id(do(v21, bare(str(ttlv.TagObjectGroup, "payments"))))
			if got := len(keyBytes(t, s, v21, k)); got != 16 {
				t.Errorf("key in payments of %d bytes, want its group's 128 bits", got)
			}
			if a := attrOf(t, s, k, ttlv.TagCryptographicAlgorithm); a == nil || uint32(a.Num) != algAES {
				t.Errorf("payments key's algorithm %v, want the general default", a)
			}
			// Any version's factory operations apply them.
			h14 := hdr{major: 1, minor: 4}
			k = id(do(h14, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagTemplateAttribute))))
			if got := len(keyBytes(t, s, h14, k)); got != 32 {
				t.Errorf("1.4 key of %d bytes, want the default 256 bits", got)
			}
			// Register: the key block's length is the object's, the usage
			// mask the Secret Data default.
			reg := id(do(v21, item(opRegister, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes),
				st(ttlv.TagSymmetricKey, st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfRaw),
					st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, make([]byte, 16))),
					enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128))))))
			if a := attrOf(t, s, reg, ttlv.TagCryptographicLength); a == nil || a.Num != 128 {
				t.Errorf("registered key's length %v, want its key block's 128", a)
			}
			sd := id(do(v21, item(opRegister, enum(ttlv.TagObjectType, objSecretData), st(ttlv.TagAttributes),
				st(ttlv.TagSecretData, enum(ttlv.TagSecretDataType, 1), st(ttlv.TagKeyBlock, enum(ttlv.TagKeyFormatType, kfOpaque),
					st(ttlv.TagKeyValue, bstr(ttlv.TagKeyMaterial, []byte("secret"))))))))
			if a := attrOf(t, s, sd, ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != usageDeriveKey {
				t.Errorf("Secret Data usage mask %v, want its type's default", a)
			}
			// Both instances of the Object Group the default gives.
			var groups []string
			for _, a := range ok(t, &do(v21, item(opGetAttributes, uid(sd))).items[0]).Child(ttlv.TagAttributes).Children {
				if a.Tag == ttlv.TagObjectGroup {
					groups = append(groups, a.Text())
				}
			}
			if !slices.Equal(groups, []string{"secrets", "derivation"}) {
				t.Errorf("Secret Data Object Groups %v, want the default's two", groups)
			}

			// Query answers the Object Defaults as set; for "retail" the
			// general ones only.
			query := func(extra ...v) []v {
				t.Helper()
				q := item(opQuery, append([]v{enum(ttlv.TagQueryFunction, queryDefaultsInformation)}, extra...)...)
				di := ok(t, &do(v21, q).items[0]).Child(ttlv.TagDefaultsInformation)
				if di == nil {
					return nil
				}
				return di.Children
			}
			same := func(got []v, want ...v) bool {
				if len(got) != len(want) {
					return false
				}
				for i := range got {
					if !bytes.Equal(ttlv.Marshal(&got[i]), ttlv.Marshal(&want[i])) {
						return false
					}
				}
				return true
			}
			if got := query(); !same(got, general, payments, secret) {
				t.Errorf("Query Defaults Information: %v", got)
			}
			if got := query(st(ttlv.TagObjectGroups, str(ttlv.TagObjectGroup, "retail"))); !same(got, general, secret) {
				t.Errorf("Query Defaults Information for retail: %v", got)
			}
			// 2.0 has the Query Function (not Set Defaults); 1.4 neither.
			if di := ok(t, &do(hdr{major: 2, minor: 0}, item(opQuery, enum(ttlv.TagQueryFunction, queryDefaultsInformation))).items[0]).Child(ttlv.TagDefaultsInformation); di == nil {
				t.Error("2.0 Query Defaults Information answers none")
			}
			if p := ok(t, &do(h14, item(opQuery, enum(ttlv.TagQueryFunction, queryDefaultsInformation))).items[0]); len(p.Children) != 0 {
				t.Errorf("1.4 Query answers %v", p)
			}

			// An Undo batch that fails after a Set Defaults puts the set
			// back; a Set Defaults without Defaults Information removes it.
			hu := v21
			hu.cont = batch.Undo
			r := do(hu, item(opSetDefaults), item(opGet, uid("never issued")))
			failed(t, &r.items[1], rrObjectNotFound)
			ok(t, &do(v21, bare()).items[0])
			ok(t, &do(v21, item(opSetDefaults)).items[0])
			if rs, _ := status(&do(v21, bare()).items[0]); rs == 0 {
				t.Error("a Create without algorithm or length succeeded after the defaults were removed")
			}
			if got := query(); got != nil {
				t.Errorf("Defaults Information after the defaults were removed: %v", got)
			}
			// An empty Defaults Information removes them too.
			ok(t, &do(v21, setDefaultsItem(general)).items[0])
			ok(t, &do(v21, setDefaultsItem()).items[0])
			if rs, _ := status(&do(v21, bare()).items[0]); rs == 0 {
				t.Error("a Create without algorithm or length succeeded after an empty Defaults Information")
			}
		})
	}
}

// TestSetDefaultsKeyPair: Create Key Pair takes the Private Key's
// defaults for the private key, the Public Key's for the public key, and
// the pair's algorithm and curve from them when the request omits them.
func TestSetDefaultsKeyPair(t *testing.T) {
	s := newTestServer()
	ok(t, &do(t, s, v21, setDefaultsItem(
		objectDefaultsFor(objPrivateKey, nil, enum(ttlv.TagCryptographicAlgorithm, algECDSA),
			st(ttlv.TagCryptographicDomainParameters, enum(ttlv.TagRecommendedCurve, curveP256)),
			integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
		objectDefaultsFor(objPublicKey, nil, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify))))).items[0])
	p := ok(t, &do(t, s, v21, item(opCreateKeyPair, st(ttlv.TagCommonAttributes), st(ttlv.TagPrivateKeyAttributes), st(ttlv.TagPublicKeyAttributes))).items[0])
	priv, pub := p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), p.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	for _, tc := range []struct {
		id    string
		usage uint32
	}{{priv, usageSign}, {pub, usageVerify}} {
		if a := attrOf(t, s, tc.id, ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != tc.usage {
			t.Errorf("%s: usage mask %v, want 0x%X", tc.id, a, tc.usage)
		}
		if a := attrOf(t, s, tc.id, ttlv.TagCryptographicLength); a == nil || a.Num != 256 {
			t.Errorf("%s: length %v, want P-256's 256", tc.id, a)
		}
	}
	// The request's usage mask wins over the default.
	p = ok(t, &do(t, s, v21, item(opCreateKeyPair, st(ttlv.TagCommonAttributes),
		st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign|usageDecrypt))),
		st(ttlv.TagPublicKeyAttributes))).items[0])
	if a := attrOf(t, s, p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != usageSign|usageDecrypt {
		t.Errorf("private key usage mask %v, want the request's", a)
	}
}

// TestSetDefaultsRefused: Set Defaults is a 2.1 operation (Query lists it
// from 2.1 on, 2.0 answers Operation Not Supported); Object Defaults that
// 2.1 §7.22 does not describe, of an Object Type the version lacks, or
// with an attribute no request may give a new object or that names one
// object, are refused and leave the defaults as they were.
func TestSetDefaultsRefused(t *testing.T) {
	s := newTestServer()
	h30 := hdr{major: 3, minor: 0, noCount: true}
	listed := func(h hdr) bool {
		p := ok(t, &do(t, s, h, item(opQuery, enum(ttlv.TagQueryFunction, queryOperations))).items[0])
		for _, ch := range p.Children {
			if ch.Tag == ttlv.TagOperation && uint32(ch.Num) == opSetDefaults {
				return true
			}
		}
		return false
	}
	if !listed(v21) || !listed(h30) || listed(hdr{major: 2, minor: 0}) {
		t.Errorf("Query lists Set Defaults: 2.1 %v, 3.0 %v, 2.0 %v", listed(v21), listed(h30), listed(hdr{major: 2, minor: 0}))
	}
	failed(t, &do(t, s, hdr{major: 2, minor: 0}, item(opSetDefaults)).items[0], rrOperationNotSupported)

	length := integer(ttlv.TagCryptographicLength, 256)
	good := objectDefaultsFor(objSymmetricKey, nil, enum(ttlv.TagCryptographicAlgorithm, algAES), length)
	ok(t, &do(t, s, v21, setDefaultsItem(good)).items[0])
	for _, tc := range []struct {
		name   string
		od     v
		reason uint32
	}{
		{"no Object Type", st(ttlv.TagObjectDefaults, st(ttlv.TagAttributes, length)), rrInvalidField},
		{"no Attributes", st(ttlv.TagObjectDefaults, enum(ttlv.TagObjectType, objSymmetricKey)), rrInvalidField},
		{"a Unique Identifier in it", st(ttlv.TagObjectDefaults, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes, length), uid("x")), rrInvalidField},
		{"a User in 2.1", objectDefaultsFor(objUser, nil, length), rrInvalidObjectType},
		{"an unknown type", objectDefaultsFor(0x8000_0001, nil, length), rrInvalidObjectType},
		{"a Name", objectDefaultsFor(objSymmetricKey, nil, name("k")), rrInvalidField},
		{"an Object Type attribute", objectDefaultsFor(objSymmetricKey, nil, enum(ttlv.TagObjectType, objSymmetricKey)), rrInvalidField},
		{"a State", objectDefaultsFor(objSymmetricKey, nil, enum(ttlv.TagState, stateActive)), rrAttributeReadOnly},
		{"a Text String length", objectDefaultsFor(objSymmetricKey, nil, str(ttlv.TagCryptographicLength, "256")), rrInvalidField},
		{"Object Types holding a Text String", st(ttlv.TagObjectDefaults, st(ttlv.TagObjectTypes, str(ttlv.TagObjectType, "SymmetricKey")), st(ttlv.TagAttributes, length)), rrInvalidField},
	} {
		r := do(t, s, v21, setDefaultsItem(good, tc.od))
		if rs, rr := status(&r.items[0]); rs != 1 || rr != tc.reason {
			t.Errorf("%s: status %d reason 0x%X, want 0x%X", tc.name, rs, rr, tc.reason)
		}
	}
	failed(t, &do(t, s, v21, item(opSetDefaults, st(ttlv.TagDefaultsInformation, uid("x")))).items[0], rrInvalidField)
	// The Object Types form is read, and the refused sets left the good one.
	if got := len(keyBytes(t, s, v21, ok(t, &do(t, s, v21, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes))).items[0]).Child(ttlv.TagUniqueIdentifier).Text())); got != 32 {
		t.Errorf("key of %d bytes after refused sets, want the default 256 bits", got)
	}
	ok(t, &do(t, s, h30, setDefaultsItem(st(ttlv.TagObjectDefaults,
		st(ttlv.TagObjectTypes, enum(ttlv.TagObjectType, objSymmetricKey), enum(ttlv.TagObjectType, objSecretData)),
		st(ttlv.TagAttributes, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128))))).items[0])
	sd := ok(t, &do(t, s, v21, item(opCreate, enum(ttlv.TagObjectType, objSecretData), st(ttlv.TagAttributes))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	if a := attrOf(t, s, sd, ttlv.TagCryptographicLength); a == nil || a.Num != 128 {
		t.Errorf("Secret Data of length %v, want the default 128 bits set in 3.0", a)
	}
}

// TestSetDefaultsAdminOnly: under access control, only an administrator
// sets the server's defaults (as its constraints); they apply to every
// client's objects, and anyone may query them.
func TestSetDefaultsAdminOnly(t *testing.T) {
	s := New(Config{Rand: &detRand{}, Access: &AccessControl{Admins: []string{"root"}}})
	set := setDefaultsItem(objectDefaultsFor(objSymmetricKey, nil, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256)))
	failed(t, &doAs(t, s, "alice", v21, set).items[0], rrPermissionDenied)
	failed(t, &doAs(t, s, "alice", v21, item(opSetDefaults)).items[0], rrPermissionDenied)
	if rs, _ := status(&doAs(t, s, "alice", v21, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes))).items[0]); rs == 0 {
		t.Fatal("alice's refused Set Defaults took effect")
	}
	ok(t, &doAs(t, s, "root", v21, set).items[0])
	ok(t, &doAs(t, s, "alice", v21, item(opCreate, enum(ttlv.TagObjectType, objSymmetricKey), st(ttlv.TagAttributes))).items[0])
	if di := ok(t, &doAs(t, s, "alice", v21, item(opQuery, enum(ttlv.TagQueryFunction, queryDefaultsInformation))).items[0]).Child(ttlv.TagDefaultsInformation); di == nil || len(di.Children) != 1 {
		t.Errorf("alice's Query Defaults Information: %v", di)
	}
}

// TestSetDefaultsDeriveSplit: Derive Key and Create Split Key (its new
// secret and its parts) take the defaults of the type they make.
func TestSetDefaultsDeriveSplit(t *testing.T) {
	s := newTestServer()
	pw := registerSecret(t, s, []byte("password"))
	ok(t, &do(t, s, v21, setDefaultsItem(
		objectDefaultsFor(objSymmetricKey, nil, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 256)),
		objectDefaultsFor(objSplitKey, nil, enum(ttlv.TagCryptographicAlgorithm, algAES), integer(ttlv.TagCryptographicLength, 128),
			integer(ttlv.TagCryptographicUsageMask, int32(usageEncrypt))))).items[0])
	// PBKDF2-HMAC-SHA256 of "password", "salt", 4096 iterations, 32 bytes,
	// as in TestDeriveKey, with no algorithm or length in the request.
	p := ok(t, &do(t, s, v21, deriveItem(objSymmetricKey, derivePBKDF2, pw,
		st(ttlv.TagDerivationParameters, st(ttlv.TagCryptographicParameters, enum(ttlv.TagHashingAlgorithm, hashSHA256)),
			bstr(ttlv.TagSalt, []byte("salt")), integer(ttlv.TagIterationCount, 4096)))).items[0])
	if got, want := hex.EncodeToString(material(t, s, p.Child(ttlv.TagUniqueIdentifier).Text())), "c5e478d59288c841aa530db6845c4c8d962893a001ce4e11a4963873aa98134a"; got != want {
		t.Errorf("derived with the defaults: %s, want %s", got, want)
	}
	r := do(t, s, v21, item(opCreateSplitKey, enum(ttlv.TagObjectType, objSplitKey),
		integer(ttlv.TagSplitKeyParts, 2), integer(ttlv.TagSplitKeyThreshold, 2), enum(ttlv.TagSplitKeyMethod, splitGF2_8), st(ttlv.TagAttributes)))
	var ids []string
	for _, id := range ok(t, &r.items[0]).Children {
		ids = append(ids, id.Text())
	}
	join := []v{enum(ttlv.TagObjectType, objSymmetricKey)}
	for _, id := range ids {
		join = append(join, uid(id))
	}
	k := ok(t, &do(t, s, v21, item(opJoinSplitKey, join...)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	if got := len(keyBytes(t, s, v21, k)); got != 16 {
		t.Errorf("joined key of %d bytes, want the Split Key default 128 bits", got)
	}
	for _, id := range ids {
		if a := attrOf(t, s, id, ttlv.TagCryptographicUsageMask); a == nil || uint32(a.Num) != usageEncrypt {
			t.Errorf("part %s: usage mask %v, want the default", id, a)
		}
	}
}

package kmipserver

import (
	"crypto/pbkdf2"
	"crypto/sha256"
	"io"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The KMIP 3.0 committee draft's operations on users, groups and
// credentials, and Obliterate (draft level: they may still change). The
// objects they make are System objects (Object Class, 3.0 draft §4.40);
// every other object is a User object.

// Operations and Object Types of the 3.0 draft (its Operation and Object
// Type enumerations).
const (
	opCreateGroup      uint32 = 0x3C
	opObliterate       uint32 = 0x3D
	opCreateUser       uint32 = 0x3E
	opCreateCredential uint32 = 0x3F
	opDeactivate       uint32 = 0x40

	objUser                  uint32 = 0x0B
	objGroup                 uint32 = 0x0C
	objPasswordCredential    uint32 = 0x0D
	objDeviceCredential      uint32 = 0x0E
	objOTPCredential         uint32 = 0x0F
	objHashedPasswordCredent uint32 = 0x10

	objectClassUser   uint32 = 0x01 // Object Class, 3.0 draft §4.40
	objectClassSystem uint32 = 0x02
)

// passwordIterations is the PBKDF2 iteration count of stored passwords.
const passwordIterations = 100_000

// systemObject reports whether objects of the type are System objects.
func systemObject(typ uint32) bool {
	return typ >= objUser && typ <= objHashedPasswordCredent
}

// isCredential reports whether o is a credential: of a credential Object
// Type, or a Certificate that Create Credential made (a System object).
func isCredential(o *object) bool {
	if o.typ >= objPasswordCredential && o.typ <= objHashedPasswordCredent {
		return true
	}
	if o.typ != objCertificate {
		return false
	}
	i := o.findAttr(ttlv.TagObjectClass, "", "", 0)
	if i < 0 {
		return false
	}
	_, v, _ := ttlv.ConsumeEnumeration(o.attrs[i].enc)
	return v == objectClassSystem
}

// newSystemObject makes the object of Create User, Create Group or Create
// Credential from its request attributes (those of the payload's
// Attributes container): Names unique as every object's, Pre-Active until
// activated (as a key: 2.1 §4.57), owned by the client.
func (c *reqCtx) newSystemObject(typ uint32, payload []byte, body *ttlv.Value) (*object, *opError) {
	in, err := c.attrsIn(payload, 0, ttlv.TagAttributes)
	if err != nil {
		return nil, err
	}
	if err := c.newNames(in); err != nil {
		return nil, err
	}
	id, ierr := c.s.newID()
	if ierr != nil {
		return nil, fail(rrGeneralFailure, "%v", ierr)
	}
	o := &object{id: id}
	o.typ = typ
	if err := c.applyInitial(o, in); err != nil {
		return nil, err
	}
	if body != nil {
		if err := c.loadObject(o, body); err != nil {
			return nil, err
		}
	}
	if _, err := c.withDefaults(o, typ); err != nil { // defaults.go
		return nil, err
	}
	c.initDates(o, true)
	o.setAttr(attr{tag: ttlv.TagObjectClass, enc: ttlv.AppendEnumeration(nil, ttlv.TagObjectClass, objectClassSystem)})
	return o, nil
}

// addNew stores a new object, if the server's constraints allow it
// (constraints.go), and answers its identifier.
func (c *reqCtx) addNew(o *object, b []byte) ([]byte, *opError) {
	if err := c.constrain(o); err != nil {
		return b, err
	}
	c.add(o)
	c.recordCreated(o)
	c.placeholder = o.id
	return appendID(b, o), nil
}

// createCredential answers Create Credential (3.0 draft §6.1.9): a
// credential of the Credential Type, from the one credential structure
// that type names. A password is kept salted and hashed (PBKDF2 with
// HMAC-SHA-256, NIST SP 800-132), never as given: the stored Password
// Credential holds Password Salt, Salted Password and Iteration Count.
// A Certificate credential is a Certificate object of Object Class
// System.
func (c *reqCtx) createCredential(p *kmip.CreateCredentialRequestPayload, payload, b []byte) ([]byte, *opError) {
	var typ uint32
	var given ttlv.Tag
	switch p.CredentialType {
	case kmip.CredentialTypePassword:
		typ, given = objPasswordCredential, ttlv.TagPasswordCredential
	case kmip.CredentialTypeDevice:
		typ, given = objDeviceCredential, ttlv.TagDeviceCredential
	case kmip.CredentialTypeOneTimePassword:
		typ, given = objOTPCredential, ttlv.TagOTPCredential
	case kmip.CredentialTypeHashedPassword:
		typ, given = objHashedPasswordCredent, ttlv.TagHashedPasswordCredential
	case kmip.CredentialTypeCertificate:
		typ, given = objCertificate, ttlv.TagCertificate
	case 0:
		return b, fail(rrInvalidField, "Create Credential without Credential Type")
	default:
		return b, fail(rrInvalidField, "Create Credential of Credential Type %s not supported", p.CredentialType)
	}
	for _, t := range [...]ttlv.Tag{ttlv.TagPasswordCredential, ttlv.TagDeviceCredential, ttlv.TagOTPCredential,
		ttlv.TagHashedPasswordCredential, ttlv.TagCertificate} {
		if t != given && itemIn(payload, t) != nil {
			return b, fail(rrInvalidField, "Credential Type %s with a %s", p.CredentialType, t)
		}
	}
	item := itemIn(payload, given)
	if item == nil {
		return b, fail(rrInvalidField, "Credential Type %s without its %s", p.CredentialType, given)
	}
	if typ == objCertificate {
		body, err := c.tree(item)
		if err != nil {
			return b, err
		}
		o, err := c.newSystemObject(typ, payload, body)
		if err != nil {
			return b, err
		}
		return c.addNew(o, b)
	}
	enc := item
	if typ == objPasswordCredential {
		pc := p.PasswordCredential
		pw, ok := pc.Password.Get()
		if !ok || pw == "" {
			return b, fail(rrInvalidField, "Password Credential without a Password")
		}
		var salt [16]byte
		if _, err := io.ReadFull(c.s.rand, salt[:]); err != nil {
			return b, fail(rrGeneralFailure, "password salt: %v", err)
		}
		hashed, err := pbkdf2.Key(sha256.New, pw, salt[:], passwordIterations, 32)
		if err != nil {
			return b, fail(rrGeneralFailure, "password hash: %v", err)
		}
		stored := kmip.PasswordCredential{
			PasswordSalt:          kmip.Some(salt[:]),
			PasswordSaltAlgorithm: kmip.Some(kmip.CryptographicAlgorithmHMAC_SHA256),
			SaltedPassword:        kmip.Some(hashed),
			IterationCount:        kmip.Some(int32(passwordIterations)),
		}
		enc = stored.AppendTTLV(nil, kmip.V3_0)
	}
	o, err := c.newSystemObject(typ, payload, nil)
	if err != nil {
		return b, err
	}
	if typ == objPasswordCredential {
		o.body = enc
	} else {
		o.body = append([]byte(nil), enc...) // the request's bytes are not kept
	}
	o.encodeGetResp()
	return c.addNew(o, b)
}

// createUser answers Create User (3.0 draft §6.1.13): a User object whose
// Credential Links (§4.35) each name a credential the client may use.
func (c *reqCtx) createUser(payload, b []byte) ([]byte, *opError) {
	return c.createMember(objUser, payload, b)
}

// createGroup answers Create Group (3.0 draft §6.1.10): a Group object.
func (c *reqCtx) createGroup(payload, b []byte) ([]byte, *opError) {
	return c.createMember(objGroup, payload, b)
}

func (c *reqCtx) createMember(typ uint32, payload, b []byte) ([]byte, *opError) {
	o, err := c.newSystemObject(typ, payload, nil)
	if err != nil {
		return b, err
	}
	for _, a := range o.attrs {
		var want func(*object) bool
		switch a.tag {
		case ttlv.TagCredentialLink:
			want = isCredential
		case ttlv.TagGroupLink:
			want = func(g *object) bool { return g.typ == objGroup }
		default:
			continue
		}
		if typ != objUser {
			return b, fail(rrInvalidField, "a Group holds no %s", a.tag)
		}
		_, _, val, _ := ttlv.ConsumeValue(a.enc)
		to, err := c.objectByID(val)
		if err != nil {
			return b, err
		}
		to.mu.RLock()
		ok := want(to)
		to.mu.RUnlock()
		if !ok {
			return b, fail(rrInvalidField, "%s %s names an object of the wrong kind", a.tag, val)
		}
	}
	return c.addNew(o, b)
}

// obliterate answers Obliterate (3.0 draft §6.1.39): the object is taken
// out of the server, attributes and all, where Destroy keeps its metadata.
// As for Destroy, an Active object must be revoked (or, a user,
// deactivated) first: Wrong Key Lifecycle State. The server remembers the
// identifier (in memory: a restart forgets it): an obliterated object is
// Item Not Found ("No object with the specified Unique Identifier
// exists", 2.1 §11.46), as the draft's test case BL-M-20-30 expects, where
// an identifier the server never issued is Object Not Found.
func (c *reqCtx) obliterate(payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if o.state == stateActive {
		return b, c.wrongState("object %s is Active: revoke it first", o.id)
	}
	c.record(o)
	c.s.store.obliterate(o)
	if c.journaling {
		c.journal[len(c.journal)-1].obliterated = true
	}
	return b, nil
}

// deactUnspecified is the Deactivation Reason Code Unspecified (3.0 draft
// §4.21).
const deactUnspecified = 0x01

// deactivate answers Deactivate (3.0 draft §6.1.14): an Active object —
// a key, a user, any — becomes Deactivated, as at its Deactivation Date
// (2.1 §5, transition 6; the draft adds the operation to the ways it
// happens), without the Revocation Reason Revoke would give it. The
// Deactivation Date is the Deactivation Date given, "the date on which
// the deactivation occurred" (so not one to come: Invalid Field), or now;
// a Deactivation Reason given (a Deactivation Reason Code, 3.0 draft
// §4.21, of any value, as Revoke takes any Revocation Reason Code, and an
// optional Deactivation Message) is kept as the object's attribute of that
// name. Any other state is Wrong Key Lifecycle State:
// only the transitions of 2.1 §5 are permitted, and none but Active →
// Deactivated ends in Deactivated.
func (c *reqCtx) deactivate(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	now := c.now.Unix()
	when := now
	if d := p.Child(ttlv.TagDeactivationDate); d != nil {
		if d.Type != ttlv.TypeDateTime {
			return b, fail(rrInvalidField, "Deactivation Date is not a Date-Time")
		}
		if d.Num > now {
			return b, fail(rrInvalidField, "Deactivation Date %d is to come: Deactivate gives the date the deactivation occurred", d.Num)
		}
		when = d.Num
	}
	var reason []byte
	if r := p.Child(ttlv.TagDeactivationReason); r != nil {
		code := r.Child(ttlv.TagDeactivationReasonCode)
		if r.Type != ttlv.TypeStructure || code == nil || code.Type != ttlv.TypeEnumeration {
			return b, fail(rrInvalidField, "Deactivation Reason without a Deactivation Reason Code")
		}
		for i := range r.Children {
			ch := &r.Children[i]
			if ch.Tag != ttlv.TagDeactivationReasonCode && (ch.Tag != ttlv.TagDeactivationMessage || ch.Type != ttlv.TypeTextString) {
				return b, fail(rrInvalidField, "Deactivation Reason with a %s", ch.Tag)
			}
		}
		v := *r
		reason = ttlv.AppendValue(nil, &v)
	}
	var set func()
	if reason != nil {
		set = func() { o.setAttr(attr{tag: ttlv.TagDeactivationReason, enc: reason}) }
	}
	if err := c.transition(o, stateActive, stateDeactivated, ttlv.TagDeactivationDate, when, set); err != nil {
		return b, err
	}
	return appendID(b, o), nil
}

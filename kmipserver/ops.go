package kmipserver

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// idOf resolves the Unique Identifier of a request payload (resolveID).
func (c *reqCtx) idOf(p *ttlv.Value) ([]byte, *opError) {
	if u := p.Child(ttlv.TagUniqueIdentifier); u != nil {
		return c.resolveID(true, u.Type, u.Bytes, u.Num)
	}
	return c.resolveID(false, 0, nil, 0)
}

// resolveID resolves a Unique Identifier item (present, its type, text
// and number): the text given (a Text String, or in KMIP 3.x an
// Identifier: the 3.0 type is refused in earlier versions), or — when
// absent, empty, or the KMIP 2.x ID Placeholder enumeration — the ID
// placeholder an earlier item of the batch set (KMIP 2.1 §6.1, 1.4 §4),
// or the identifier another value of the Unique Identifier Enumeration or
// an Integer index names (uidref.go).
func (c *reqCtx) resolveID(present bool, typ ttlv.Type, text []byte, num int64) ([]byte, *opError) {
	if present {
		isText := typ == ttlv.TypeTextString || typ == ttlv.TypeIdentifier && c.major >= 3
		switch {
		case isText && len(text) > 0:
			return text, nil
		case isText, typ == ttlv.TypeEnumeration && num == int64(uidPlaceholder):
		case typ == ttlv.TypeEnumeration: // uidref.go
			return c.resolveEnum(uint32(num))
		case typ == ttlv.TypeInteger:
			return c.resolveIndex(int32(num))
		default:
			return nil, fail(rrInvalidField, "Unique Identifier of type %s not supported", typ)
		}
	}
	if c.placeholder == "" {
		return nil, fail(rrMissingData, "no Unique Identifier and no ID placeholder")
	}
	return []byte(c.placeholder), nil
}

// lookup finds the object a payload names. (Only the operations that
// return a new or located identifier set the ID Placeholder, KMIP 2.1
// §6.1.)
func (c *reqCtx) lookup(p *ttlv.Value) (*object, *opError) {
	id, err := c.idOf(p)
	if err != nil {
		return nil, err
	}
	return c.objectByID(id)
}

// objectByID returns the object of identifier id: notFound when there is
// none, Permission Denied when the client may not use it (find).
func (c *reqCtx) objectByID(id []byte) (*object, *opError) {
	o, denied := c.find(id)
	if denied != nil {
		return nil, denied
	}
	if o == nil {
		return nil, c.notFound(id)
	}
	return o, nil
}

// notFound is the failure for a Unique Identifier that names no object.
// KMIP 1.x has one reason for it, Item Not Found ("No object with the
// specified Unique Identifier exists", 1.4 §11 in every operation's
// table). From 2.0 on each operation's error table (2.0 and 2.1 §6.1.x)
// lists Object Not Found instead — Get, Get Attributes, Destroy, Encrypt,
// … — except Adjust Attribute, Certify and Create Split Key, whose tables
// keep Item Not Found. The OASIS test cases agree (BL-M-4-21, BL-M-4-30:
// Get of an unknown identifier, Object Not Found; no 1.x case expects any
// other reason than Item Not Found).
// An object that Obliterate took out is Item Not Found in every version
// (kmip30.go).
func (c *reqCtx) notFound(id []byte) *opError {
	if c.s.store.wasObliterated(id) {
		return fail(rrItemNotFound, "object %q was obliterated", id)
	}
	return fail(c.notFoundReason(), "object %q not found", id)
}

func (c *reqCtx) notFoundReason() uint32 {
	if c.major < 2 {
		return rrItemNotFound
	}
	switch c.op {
	case opAdjustAttribute, opCertify, opCreateSplitKey:
		return rrItemNotFound
	}
	return rrObjectNotFound
}

func destroyed(state uint32) bool {
	return state == stateDestroyed || state == stateDestroyedCompromised
}

func appendID(b []byte, o *object) []byte {
	return ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, o.id)
}

// get answers Get (KMIP 2.1 §6.1.22, 1.4 §4.11): the stored, pre-encoded
// object unless another Key Format Type or a wrapping is asked for.
func (c *reqCtx) get(p *kmip.GetRequestPayload, payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	kf, w, err := c.getOptions(p.KeyFormatType, p.KeyWrappingSpecification)
	if err != nil {
		return b, err
	}
	var pfx []byte
	if kf == kfPKCS12 { // made before o is locked: it reads other objects
		if pfx, err = c.pkcs12Of(o); err != nil { // pkcs12.go
			return b, err
		}
	}
	o.mu.RLock()
	defer o.mu.RUnlock()
	if o.archived() {
		return b, fail(rrObjectArchived, "object %s is archived (Recover it first)", o.id)
	}
	if err := o.exportable(w != nil); err != nil {
		return b, err
	}
	if destroyed(o.state) || o.body == nil {
		if c.major > 2 || c.major == 2 && c.minor >= 1 { // KMIP 2.1 and the 3.0 draft
			return b, fail(rrObjectDestroyed, "object %s is destroyed", o.id)
		}
		return b, c.wrongState("object %s is destroyed", o.id)
	}
	if kwt, ok := p.KeyWrapType.Get(); ok && kwt == kmip.KeyWrapTypeNotWrapped && o.wrapped() {
		return c.getUnwrapped(o, w, b) // unwrap.go
	}
	if w == nil && (kf == 0 || kf == o.kf) {
		c.markServed(o)
		return append(b, o.getResp...), nil
	}
	body, err := c.servedBody(o, kf, w, pfx)
	if err != nil {
		return b, err
	}
	c.markServed(o)
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, o.typ)
	b = appendID(b, o)
	return append(b, body...), nil
}

// getFast answers the common Get — a payload holding only a Unique
// Identifier, of an object that is not destroyed and that the request's
// version has (showsObject) — straight from the
// pre-encoded answer, without decoding the payload into a tree. ok is
// false when the general path must answer (anything else, errors
// included).
func (c *reqCtx) getFast(payload, b []byte) ([]byte, bool) {
	_, body, n := ttlv.ConsumeStructure(payload)
	if n < 0 {
		return b, false
	}
	tag, id, m := ttlv.ConsumeTextString(body)
	if m < 0 || m != len(body) || tag != ttlv.TagUniqueIdentifier || len(id) == 0 {
		return b, false
	}
	o := c.s.store.get(id)
	if o == nil || (c.s.access != nil || c.ticket != nil) && !c.mayUse(o) {
		return b, false
	}
	o.mu.RLock()
	if o.getResp == nil || destroyed(o.state) || !c.showsObject(o) || o.exportable(false) != nil {
		o.mu.RUnlock()
		return b, false
	}
	b = ttlv.AppendHeader(b, ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(o.getResp)))
	b = append(b, o.getResp...)
	c.markServed(o)
	o.mu.RUnlock()
	return b, true
}

// exportable refuses the key material of an object not Extractable, and
// of a Sensitive one unless it is to be wrapped (KMIP 1.4 §3.48–3.51, 2.1
// §4.50, §4.21).
func (o *object) exportable(wrapped bool) *opError {
	for i := range o.attrs {
		a := &o.attrs[i]
		if a.tag != ttlv.TagSensitive && a.tag != ttlv.TagExtractable {
			continue
		}
		_, v, n := ttlv.ConsumeBoolean(a.enc)
		switch {
		case n < 0:
		case a.tag == ttlv.TagSensitive && v && !wrapped:
			return fail(rrSensitive, "object %s is Sensitive", o.id)
		case a.tag == ttlv.TagExtractable && !v:
			return fail(rrNotExtractable, "object %s is not Extractable", o.id)
		}
	}
	return nil
}

// templateOf returns the attributes container of a payload: a KMIP 1.x
// TemplateAttribute or 2.x Attributes (either is accepted in any version).
func templateOf(p *ttlv.Value, v1, v2 ttlv.Tag) *ttlv.Value {
	if t := p.Child(v2); t != nil {
		return t
	}
	return p.Child(v1)
}

// create answers Create (2.1 §6.1.11, 1.4 §4.1) for Symmetric Keys (AES,
// 3DES, HMAC) and Secret Data (random bytes of the Cryptographic Length).
// The typed Object Type is 0 — no object type has that value (2.1
// §11.34) — when it is absent or not an Enumeration.
func (c *reqCtx) create(p *kmip.CreateRequestPayload, payload, b []byte) ([]byte, *opError) {
	typ := uint32(p.ObjectType)
	switch {
	case typ == 0:
		return b, fail(rrInvalidField, "Create without Object Type")
	case typ != objSymmetricKey && typ != objSecretData:
		return b, fail(rrInvalidField, "Create of object type %d not supported (Symmetric Key, Secret Data)", typ)
	}
	in, err := c.attrsIn(payload, ttlv.TagTemplateAttribute, ttlv.TagAttributes)
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	id, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	o := &object{id: id}
	o.typ = typ
	if err := c.applyInitial(o, in); err != nil {
		return b, err
	}
	if _, err := c.withDefaults(o, typ); err != nil { // defaults.go
		return b, err
	}
	gen := c.genSymmetric
	if typ == objSecretData {
		gen = c.genSecretData
	}
	if err := gen(o); err != nil {
		return b, err
	}
	if err := o.quantumSafe(); err != nil {
		return b, err
	}
	c.initDates(o, false)
	if err := c.constrain(o); err != nil { // constraints.go
		return b, err
	}
	c.add(o)
	c.recordCreated(o)
	c.placeholder = id
	b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, o.typ)
	return appendID(b, o), nil
}

// createKeyPair answers Create Key Pair (2.1 §6.1.12, 1.4 §4.2). Its
// typed payload holds only the three attribute sets (and Protection
// Storage Masks, which the server does not read): they are read from the
// payload as received (attrsIn).
func (c *reqCtx) createKeyPair(payload, b []byte) ([]byte, *opError) {
	var common, priv, pub []attrIn
	var err *opError
	if common, err = c.attrsIn(payload, ttlv.TagCommonTemplateAttribute, ttlv.TagCommonAttributes); err != nil {
		return b, err
	}
	if priv, err = c.attrsIn(payload, ttlv.TagPrivateKeyTemplateAttribute, ttlv.TagPrivateKeyAttributes); err != nil {
		return b, err
	}
	if pub, err = c.attrsIn(payload, ttlv.TagPublicKeyTemplateAttribute, ttlv.TagPublicKeyAttributes); err != nil {
		return b, err
	}
	if err := c.newNames(common, priv, pub); err != nil { // names.go
		return b, err
	}
	spec := keySpec{}
	for _, set := range [][]attrIn{common, priv, pub} {
		for i := range set {
			spec.take(&set[i])
		}
	}
	privID, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	pubID, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	po := &object{id: privID}
	po.typ = objPrivateKey
	uo := &object{id: pubID}
	uo.typ = objPublicKey
	// The Object Type in common attributes (the seed request sends one)
	// describes one of the two objects: drop it from both.
	for _, pair := range []struct {
		o    *object
		sets [][]attrIn
	}{{po, [][]attrIn{common, priv}}, {uo, [][]attrIn{common, pub}}} {
		for _, set := range pair.sets {
			set = dropTag(set, ttlv.TagObjectType)
			if err := c.applyInitial(pair.o, set); err != nil {
				return b, err
			}
		}
	}
	// The defaults each key lacks (defaults.go); the key pair's
	// algorithm, length and curve the request did not give are the
	// Private Key's defaults, then the Public Key's.
	for _, o := range []*object{po, uo} {
		took, err := c.withDefaults(o, o.typ)
		if err != nil {
			return b, err
		}
		for i := range took {
			spec.take(&took[i])
		}
	}
	if err := c.genKeyPair(spec, po, uo); err != nil {
		return b, err
	}
	if err := po.quantumSafe(); err != nil {
		return b, err
	}
	if err := uo.quantumSafe(); err != nil {
		return b, err
	}
	po.setAttr(linkAttr(linkPublicKey, pubID))
	uo.setAttr(linkAttr(linkPrivateKey, privID))
	c.initDates(po, false)
	c.initDates(uo, false)
	if err := c.constrain(po, uo); err != nil {
		return b, err
	}
	c.add(po)
	c.recordCreated(po)
	c.add(uo)
	c.recordCreated(uo)
	c.placeholder = privID
	b = ttlv.AppendTextString(b, ttlv.TagPrivateKeyUniqueIdentifier, privID)
	return ttlv.AppendTextString(b, ttlv.TagPublicKeyUniqueIdentifier, pubID), nil
}

// quantumSafe refuses a new object asked to be Quantum Safe (KMIP 2.1
// §4.45) that is not: the server deems symmetric keys of at least 256
// bits (Grover's search halves their strength) quantum safe, and no
// public-key algorithm it implements (RSA, ECDSA, X25519, Ed25519 all
// fall to Shor's algorithm). The OASIS profile case QS-M-2 expects
// General Failure for an AES-128 key.
func (o *object) quantumSafe() *opError {
	i := o.findAttr(ttlv.TagQuantumSafe, "", "", 0)
	if i < 0 {
		return nil
	}
	if _, want, n := ttlv.ConsumeBoolean(o.attrs[i].enc); n <= 0 || !want {
		return nil
	}
	if (o.typ == objSymmetricKey || o.typ == objSecretData) && o.length >= 256 {
		return nil
	}
	return fail(rrGeneralFailure, "object of algorithm %d, %d bits, is not quantum safe", o.alg, o.length)
}

func dropTag(in []attrIn, t ttlv.Tag) []attrIn {
	out := in[:0:0]
	for _, a := range in {
		if a.tag != t {
			out = append(out, a)
		}
	}
	return out
}

func linkAttr(typ uint32, id string) attr {
	b, m := ttlv.BeginStructure(nil, ttlv.TagLink)
	b = ttlv.AppendEnumeration(b, ttlv.TagLinkType, typ)
	b = ttlv.AppendTextString(b, ttlv.TagLinkedObjectIdentifier, id)
	ttlv.EndStructure(b, m)
	return attr{tag: ttlv.TagLink, enc: b}
}

// objectTag is the Structure tag of an object type's value.
func objectTag(typ uint32) (ttlv.Tag, bool) {
	switch typ {
	case objCertificate:
		return ttlv.TagCertificate, true
	case objSymmetricKey:
		return ttlv.TagSymmetricKey, true
	case objPublicKey:
		return ttlv.TagPublicKey, true
	case objPrivateKey:
		return ttlv.TagPrivateKey, true
	case objSplitKey:
		return ttlv.TagSplitKey, true
	case objSecretData:
		return ttlv.TagSecretData, true
	case objOpaqueObject:
		return ttlv.TagOpaqueObject, true
	case objPGPKey:
		return ttlv.TagPGPKey, true
	case objCertificateRequest:
		return ttlv.TagCertificateRequest, true // KMIP 2.x (register refuses it in 1.x)
	case objTemplate:
		return ttlv.TagTemplate, true // KMIP 1.x (register refuses it in 2.x)
	}
	return 0, false
}

// register answers Register (2.1 §6.1.43, 1.4 §4.3). Its typed Object
// Type is 0 when absent or not an Enumeration (create).
func (c *reqCtx) register(p *kmip.RegisterRequestPayload, payload, b []byte) ([]byte, *opError) {
	typ := uint32(p.ObjectType)
	if typ == 0 {
		return b, fail(rrInvalidField, "Register without Object Type")
	}
	tag, ok := objectTag(typ)
	if !ok || typ == objTemplate && !c.v1() || typ == objCertificateRequest && c.v1() {
		return b, fail(rrInvalidField, "Register of object type %d not supported", typ)
	}
	item := itemIn(payload, tag)
	if _, t, _, _ := ttlv.ConsumeHeader(item); t != ttlv.TypeStructure {
		return b, fail(rrInvalidField, "Register without the %s object", tag)
	}
	obj, err := c.tree(item)
	if err != nil {
		return b, err
	}
	in, err := c.attrsIn(payload, ttlv.TagTemplateAttribute, ttlv.TagAttributes)
	if err != nil {
		return b, err
	}
	if err := c.newNames(in); err != nil { // names.go
		return b, err
	}
	var opened *pkcs12Opened
	if pfx := pkcs12Material(obj); typ == objPrivateKey && pfx != nil {
		// kept as PKCS#8, its certificates as objects (pkcs12.go)
		if obj, opened, err = c.openPKCS12(pfx, in); err != nil {
			return b, err
		}
	}
	id, ierr := c.s.newID()
	if ierr != nil {
		return b, fail(rrGeneralFailure, "%v", ierr)
	}
	o := &object{id: id}
	o.typ = typ
	if err := c.applyInitial(o, in); err != nil {
		return b, err
	}
	if err := c.loadObject(o, obj); err != nil {
		return b, err
	}
	// after the object: its key block's algorithm and length are given
	if _, err := c.withDefaults(o, typ); err != nil { // defaults.go
		return b, err
	}
	if err := o.quantumSafe(); err != nil {
		return b, err
	}
	var certs []*object
	if opened != nil {
		if certs, err = c.pkcs12Certificates(o, opened); err != nil {
			return b, err
		}
	}
	c.initDates(o, true)
	if err := c.constrain(append([]*object{o}, certs...)...); err != nil {
		return b, err
	}
	c.add(o)
	c.recordCreated(o)
	for _, cert := range certs {
		c.add(cert)
		c.recordCreated(cert)
	}
	c.placeholder = id
	return appendID(b, o), nil
}

// touch records a change: Last Change Date now.
func (c *reqCtx) touch(o *object) {
	o.setDate(ttlv.TagLastChangeDate, c.now.Unix())
}

// transition makes the one-state change of an operation (2.1 §5: Activate's
// transition 4, Deactivate's 6) on o: with o locked and its time-driven
// transitions applied (refresh), o must be in state from — Wrong Key
// Lifecycle State otherwise (wrongState), o unchanged —; the change is
// recorded (record), o goes to state to with the Date-Time attribute date
// set to when, set (if not nil) sets the operation's other attributes,
// and the Last Change Date is now (touch). Revoke and Destroy, whose end
// state depends on the state they start from, do not use it.
func (c *reqCtx) transition(o *object, from, to uint32, date ttlv.Tag, when int64, set func()) *opError {
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if o.state != from {
		return c.wrongState("object %s is not %s", o.id, stateLabel(from))
	}
	c.record(o)
	o.state = to
	o.setDate(date, when)
	if set != nil {
		set()
	}
	c.touch(o)
	return nil
}

// stateLabel is the name of a State (2.1 §11.55) in the spec's words.
func stateLabel(state uint32) string {
	switch state {
	case statePreActive:
		return "Pre-Active"
	case stateActive:
		return "Active"
	}
	name, _ := ttlv.EnumName(ttlv.TagState, state)
	return name
}

// activate answers Activate (2.1 §6.1.1, 1.4 §4.19): Pre-Active only,
// the Activation Date now (2.1 §5, transition 4).
func (c *reqCtx) activate(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	if err := c.transition(o, statePreActive, stateActive, ttlv.TagActivationDate, c.now.Unix(), nil); err != nil {
		return b, err
	}
	return appendID(b, o), nil
}

// check answers Check (2.1 §6.1.7, 1.4 §4.10): whether the object may
// be used for the Usage Limits Count (against what its Usage Limits have
// left), the Cryptographic Usage Mask (every bit in the object's mask)
// and the Lease Time (not beyond the server's, unless leases are
// unlimited) given. When it may, the answer is its Unique Identifier;
// when not, the ID Placeholder is emptied and — in KMIP 1.x — the answer
// holds the values that were refused; in 2.x the item fails with the
// Result Reason of the first refusal (checkRefused).
func (c *reqCtx) check(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	c.rlock(o)
	defer o.mu.RUnlock()
	if destroyed(o.state) {
		return b, c.wrongState("object %s is destroyed", o.id)
	}
	var refused []ttlv.Value
	if n := p.Child(ttlv.TagUsageLimitsCount); n != nil {
		if left, limited := o.usageLeft(); limited && n.Num > left {
			refused = append(refused, *n)
		}
	}
	if m := p.Child(ttlv.TagCryptographicUsageMask); m != nil {
		if want := uint32(m.Num); o.hasUsage && o.usage&want != want {
			refused = append(refused, *m)
		}
	}
	if lt := p.Child(ttlv.TagLeaseTime); lt != nil && c.s.lease > 0 && lt.Num > c.s.lease {
		refused = append(refused, *lt)
	}
	if len(refused) == 0 {
		return appendID(b, o), nil
	}
	c.placeholder = ""
	if !c.v1() {
		return b, checkRefused(refused)
	}
	for i := range refused {
		b = append(b, ttlv.Marshal(&refused[i])...)
	}
	return b, nil
}

// checkRefused is the failure of a KMIP 2.x Check refused for the values
// given (2.1 §6.1.7.1, and as the OASIS BL-M-2-21 and BL-M-3-21 cases
// expect): Incompatible Cryptographic Usage Mask for the mask, Usage
// Limit Exceeded for the count, Permission Denied for the Lease Time.
func checkRefused(refused []ttlv.Value) *opError {
	reason, what := rrPermissionDenied, ""
	for i := range refused {
		switch refused[i].Tag {
		case ttlv.TagCryptographicUsageMask:
			reason = rrIncompatibleUsageMask
		case ttlv.TagUsageLimitsCount:
			if reason != rrIncompatibleUsageMask {
				reason = rrUsageLimitExceeded
			}
		}
		if what != "" {
			what += ", "
		}
		what += refused[i].Tag.String()
	}
	return fail(reason, "Check refused: %s", what)
}

// logOp answers Log (2.1 §6.1.29): the Log Message goes to the server's
// log, at Info level; the answer is empty.
func (c *reqCtx) logOp(p *ttlv.Value, b []byte) ([]byte, *opError) {
	m := p.Child(ttlv.TagLogMessage)
	if m == nil || m.Type != ttlv.TypeTextString {
		return b, fail(rrInvalidField, "Log without a Log Message")
	}
	c.s.log.Info("kmip Log", "message", m.Text())
	return b, nil
}

// Interop Function values (KMIP 2.1 §11.22).
const (
	interopBegin = 1
	interopReset = 3
)

// interopOp answers Interop (2.1 §6.1.26), enabled by Config.Interop:
// Begin, End and Reset of a test case, named by its Interop Identifier,
// are logged; the answer is empty.
func (c *reqCtx) interopOp(p *ttlv.Value, b []byte) ([]byte, *opError) {
	f, id := p.Child(ttlv.TagInteropFunction), p.Child(ttlv.TagInteropIdentifier)
	if f == nil || id == nil || f.Num < interopBegin || f.Num > interopReset {
		return b, fail(rrInvalidField, "Interop needs an Interop Function (Begin, End, Reset) and an Interop Identifier")
	}
	name, _ := ttlv.EnumName(ttlv.TagInteropFunction, uint32(f.Num))
	c.s.log.Info("kmip Interop", "function", name, "identifier", id.Text())
	return b, nil
}

// obtainLease answers Obtain Lease (2.1 §6.1.35, 1.4 §4.15): the
// server's Lease Time and the object's Last Change Date. No lease is
// granted for an object that is destroyed.
func (c *reqCtx) obtainLease(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	c.rlock(o)
	defer o.mu.RUnlock()
	if destroyed(o.state) {
		return b, c.wrongState("object %s is destroyed", o.id)
	}
	b = appendID(b, o)
	b = ttlv.AppendInterval(b, ttlv.TagLeaseTime, uint32(c.s.lease))
	last, _ := o.date(ttlv.TagLastChangeDate)
	return ttlv.AppendDateTime(b, ttlv.TagLastChangeDate, last), nil
}

// revoke answers Revoke (2.1 §6.1.44, 1.4 §4.20) within the state
// transitions of 2.1 §5 (1.4 §3.22), of which "only the transitions
// described above are permitted": Key Compromise and CA Compromise make a
// Pre-Active, Active or Deactivated object Compromised (transitions 3, 5,
// 8) and a Destroyed one Destroyed Compromised (10); any other reason
// deactivates an Active object (6) and nothing else — a Pre-Active object
// has no transition to Deactivated, so it is Wrong Key Lifecycle State
// (Permission Denied before 2.1, wrongState), as for any other state.
// No OASIS test case revokes a never-activated object for a reason other
// than a compromise: every one it revokes so was activated, or made with
// an Activation Date already past, or re-keyed from an Active key.
func (c *reqCtx) revoke(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	rr := p.Child(ttlv.TagRevocationReason)
	if rr == nil {
		return b, fail(rrInvalidField, "Revoke without Revocation Reason")
	}
	code := rr.Child(ttlv.TagRevocationReasonCode)
	if code == nil || code.Type != ttlv.TypeEnumeration {
		return b, fail(rrInvalidField, "Revocation Reason without Revocation Reason Code")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	now := c.now.Unix()
	reason := uint32(code.Num)
	compromise := reason == revKeyCompromise || reason == revCACompromise
	switch {
	case compromise && o.state == stateCompromised, compromise && o.state == stateDestroyedCompromised:
		return b, c.wrongState("object %s is already compromised", o.id)
	case !compromise && o.state == statePreActive:
		return b, c.wrongState("object %s is Pre-Active: only a compromise revokes it (Destroy it instead)", o.id)
	case !compromise && o.state != stateActive:
		return b, c.wrongState("object %s cannot be revoked in its state", o.id)
	}
	c.record(o)
	if compromise {
		occ := now
		if d := p.Child(ttlv.TagCompromiseOccurrenceDate); d != nil && d.Type == ttlv.TypeDateTime {
			occ = d.Num
		}
		o.setDate(ttlv.TagCompromiseOccurrenceDate, occ)
		o.setDate(ttlv.TagCompromiseDate, now)
		if o.state == stateDestroyed {
			o.state = stateDestroyedCompromised
		} else {
			o.state = stateCompromised
		}
	} else {
		o.state = stateDeactivated
		o.setDate(ttlv.TagDeactivationDate, now)
	}
	v := *rr
	v.Tag = ttlv.TagRevocationReason
	o.setAttr(attr{tag: ttlv.TagRevocationReason, enc: ttlv.AppendValue(nil, &v)})
	c.touch(o)
	return appendID(b, o), nil
}

// destroy answers Destroy (2.1 §6.1.16, 1.4 §4.21): refused for Active
// objects; the key material is dropped, the metadata kept. Its typed
// payload holds only the Unique Identifier (lookupIn).
func (c *reqCtx) destroy(payload, b []byte) ([]byte, *opError) {
	o, err := c.lookupIn(payload)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	switch o.state {
	case stateActive:
		return b, c.wrongState("object %s is Active: revoke it first", o.id)
	case stateDestroyed, stateDestroyedCompromised:
		return b, c.wrongState("object %s is already destroyed", o.id)
	}
	c.record(o)
	if o.state == stateCompromised {
		o.state = stateDestroyedCompromised
	} else {
		o.state = stateDestroyed
	}
	o.setDate(ttlv.TagDestroyDate, c.now.Unix())
	o.body, o.getResp, o.sym, o.priv, o.pub, o.aead = nil, nil, nil, nil, nil, nil
	c.touch(o)
	return appendID(b, o), nil
}

// locate answers Locate (2.1 §6.1.27, 1.4 §4.9): the objects having every
// attribute given, in creation order, OffsetItems skipped and at most
// MaximumItems returned; Located Items counts them all (1.3+), unless the
// search stopped at MaximumItems.
func (c *reqCtx) locate(p *kmip.LocateRequestPayload, payload, b []byte) ([]byte, *opError) {
	filter, err := c.filterIn(payload)
	if err != nil {
		return b, err
	}
	maxItems, offset := int32(-1), p.OffsetItems.Value
	if n, ok := p.MaximumItems.Get(); ok {
		maxItems = n
	}
	storage := uint32(storageOnline)
	if m, ok := p.StorageStatusMask.Get(); ok {
		storage = uint32(m)
	}
	if maxItems < -1 || offset < 0 {
		return b, fail(rrInvalidField, "negative MaximumItems or OffsetItems")
	}
	// Two instances of a Date-Time attribute select the objects whose date
	// lies between them (KMIP 2.1 §6.1.27, 1.4 §4.9).
	type dateRange struct {
		tag    ttlv.Tag
		lo, hi int64
	}
	var ranges []dateRange
	for i := 0; i < len(filter); i++ {
		if filter[i].val.Type != ttlv.TypeDateTime {
			continue
		}
		for j := i + 1; j < len(filter); j++ {
			if filter[j].tag == filter[i].tag && filter[j].val.Type == ttlv.TypeDateTime {
				lo, hi := filter[i].val.Num, filter[j].val.Num
				ranges = append(ranges, dateRange{filter[i].tag, min(lo, hi), max(lo, hi)})
				filter = append(filter[:j], filter[j+1:]...)
				filter = append(filter[:i], filter[i+1:]...)
				i--
				break
			}
		}
	}
	wantDestroyed := storage&storageDestroyed != 0
	for i := range filter {
		if filter[i].tag == ttlv.TagState && destroyed(uint32(filter[i].val.Num)) {
			wantDestroyed = true
		}
	}
	var found []*object
	total := int32(0)
	// Newest first: "in descending order of object creation (most
	// recently created object first)" (KMIP 2.1 §6.1.27, 1.4 §4.9). Every
	// object is visited, past MaximumItems too: Located Items counts all
	// the matches, as clients paging with Offset Items rely on (and the
	// OASIS TC-OFFSET test cases expect).
	all, indexed := c.s.store.idx.candidates(filter)
	if !indexed || c.s.scanLocate {
		all = c.s.store.all()
	}
	for i := len(all) - 1; i >= 0; i-- {
		o := all[i]
		if o.removed.Load() || (c.s.access != nil || c.ticket != nil) && !c.mayUse(o) {
			continue
		}
		c.rlock(o)
		ok := (!destroyed(o.state) || wantDestroyed) && c.showsObject(o)
		for i := 0; ok && i < len(filter); i++ {
			ok = c.matches(o, &filter[i])
		}
		for i := 0; ok && i < len(ranges); i++ {
			t, set := o.date(ranges[i].tag)
			ok = set && t >= ranges[i].lo && t <= ranges[i].hi
		}
		o.mu.RUnlock()
		if !ok {
			continue
		}
		total++
		if total <= offset || maxItems >= 0 && int32(len(found)) >= maxItems {
			continue
		}
		found = append(found, o)
	}
	if !c.v1() || c.minor >= 3 {
		b = ttlv.AppendInteger(b, ttlv.TagLocatedItems, total)
	}
	for _, o := range found {
		b = appendID(b, o)
	}
	if len(found) > 0 {
		c.placeholder = found[0].id
	}
	return b, nil
}

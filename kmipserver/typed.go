package kmipserver

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The operations of this file's table are answered from the typed request
// payloads of package kmip rather than from a ttlv.Value tree: each is
// decoded into a value the reqCtx keeps, so that, once warm, decoding
// allocates nothing; the fields alias the request. The server keeps
// attributes as encoded items of any tag (attrs.go), not as the typed
// attribute set (a field per standard attribute), so the attribute sets of
// a typed payload — Locate's filter, the Attributes of Create and
// Register, Create Key Pair's three sets — are read from the payload as
// received, each container decoded as a tree the reqCtx reuses (tree) —
// or, a KMIP 2.x one holding scalars only, read item by item
// (scalarAttrs) — as is Register's managed object, which the server keeps
// encoded too (loadObject): the typed payload gives the fixed fields
// (Create's and Register's Object Type; Locate's Maximum Items, Offset
// Items, Storage Status Mask). The other operations still read the whole payload
// as a tree (answer).
//
// The Unique Identifier is the exception: idOf's answer depends on the
// type of its item, which the typed fields tell only in part (an
// Enumeration, the KMIP 2.x ID Placeholder, is UniqueIdentifierEnum, but a
// KMIP 3.0 Identifier, refused before 3.0, is text like a Text String, and
// an item of another type is among the unknown ones), so lookupIn reads it
// from the payload as received, with the rules idOf applies (resolveID).

// typedRequests holds a reqCtx's request payloads, one per typed
// operation, reused from item to item.
type typedRequests struct {
	get      kmip.GetRequestPayload
	destroy  kmip.DestroyRequestPayload
	getAttrs kmip.GetAttributesRequestPayload
	export   kmip.ExportRequestPayload
	encrypt  kmip.EncryptRequestPayload
	decrypt  kmip.DecryptRequestPayload
	cipher   cipherReq // Encrypt's or Decrypt's, read from the above
	sign     kmip.SignRequestPayload
	// signPayload is the Request Payload sign was decoded from.
	signPayload []byte
	locate      kmip.LocateRequestPayload
	create      kmip.CreateRequestPayload
	register    kmip.RegisterRequestPayload
	keyPair     kmip.CreateKeyPairRequestPayload
	// the KMIP 3.0 draft's (kmip30.go)
	credential kmip.CreateCredentialRequestPayload
	user       kmip.CreateUserRequestPayload
	group      kmip.CreateGroupRequestPayload
	obliterate kmip.ObliterateRequestPayload
	// trees holds the parts of a payload read as ttlv.Value trees (tree),
	// the first used of them in use by the current item.
	trees []*ttlv.Value
	used  int
}

// emptyRequestPayload is the Request Payload of an item without one.
var emptyRequestPayload = ttlv.AppendHeader(nil, ttlv.TagRequestPayload, ttlv.TypeStructure, 0)

// answerTyped runs op on its Request Payload (a whole Structure, or nil)
// when op has a typed handler, appending the Response Payload to b; ok is
// false for the other operations.
func (c *reqCtx) answerTyped(op uint32, payload, b []byte) (out []byte, oerr *opError, ok bool) {
	var p interface{ UnmarshalTTLV([]byte) error }
	switch op {
	case opGet:
		p = &c.typed.get
	case opDestroy:
		p = &c.typed.destroy
	case opGetAttributes:
		p = &c.typed.getAttrs
	case opExport:
		p = &c.typed.export
	case opEncrypt:
		p = &c.typed.encrypt
	case opDecrypt:
		p = &c.typed.decrypt
	case opSign:
		p = &c.typed.sign
	case opLocate:
		p = &c.typed.locate
	case opCreate:
		p = &c.typed.create
	case opRegister:
		p = &c.typed.register
	case opCreateKeyPair:
		p = &c.typed.keyPair
	case opCreateCredential:
		p = &c.typed.credential
	case opCreateUser:
		p = &c.typed.user
	case opCreateGroup:
		p = &c.typed.group
	case opObliterate:
		p = &c.typed.obliterate
	default:
		return b, nil, false
	}
	if payload == nil {
		payload = emptyRequestPayload
	}
	if err := p.UnmarshalTTLV(payload); err != nil {
		return b, fail(rrInvalidMessage, "%v", err), true
	}
	if !c.defines(op) { // a later version's operation (opversion.go)
		return b, unsupported(op), true
	}
	c.typed.used = 0
	start := len(b)
	buf, mark := ttlv.BeginStructure(b, ttlv.TagResponsePayload)
	switch op {
	case opGet:
		buf, oerr = c.get(&c.typed.get, payload, buf)
	case opDestroy:
		buf, oerr = c.destroy(payload, buf)
	case opGetAttributes:
		buf, oerr = c.getAttributes(&c.typed.getAttrs, payload, buf)
	case opExport:
		buf, oerr = c.export(&c.typed.export, payload, buf)
	case opEncrypt:
		c.typed.cipher = encryptReq(&c.typed.encrypt)
		buf, oerr = c.encrypt(&c.typed.cipher, payload, buf)
	case opDecrypt:
		c.typed.cipher = decryptReq(&c.typed.decrypt)
		buf, oerr = c.decrypt(&c.typed.cipher, payload, buf)
	case opSign:
		c.typed.signPayload = payload
		buf, oerr = c.gathered(opSign, payload, buf, c.signPart)
		c.typed.signPayload = nil
	case opLocate:
		buf, oerr = c.locate(&c.typed.locate, payload, buf)
	case opCreate:
		buf, oerr = c.create(&c.typed.create, payload, buf)
	case opRegister:
		buf, oerr = c.register(&c.typed.register, payload, buf)
	case opCreateKeyPair:
		buf, oerr = c.createKeyPair(payload, buf)
	case opCreateCredential:
		buf, oerr = c.createCredential(&c.typed.credential, payload, buf)
	case opCreateUser:
		buf, oerr = c.createUser(payload, buf)
	case opCreateGroup:
		buf, oerr = c.createGroup(payload, buf)
	case opObliterate:
		buf, oerr = c.obliterate(payload, buf)
	}
	if oerr != nil {
		return buf[:start], oerr, true
	}
	ttlv.EndStructure(buf, mark)
	return buf, nil, true
}

// lookupIn is lookup for a typed operation: the object the Unique
// Identifier of payload, the Request Payload as received, names.
func (c *reqCtx) lookupIn(payload []byte) (*object, *opError) {
	id, err := c.idIn(payload)
	if err != nil {
		return nil, err
	}
	return c.objectByID(id)
}

// idIn is idOf for a Request Payload as received (one whole Structure).
func (c *reqCtx) idIn(payload []byte) ([]byte, *opError) {
	u := itemIn(payload, ttlv.TagUniqueIdentifier)
	if u == nil {
		return c.resolveID(false, 0, nil, 0)
	}
	// The payload passed the Splitter's Validate and the typed decoder:
	// the item's bounds are all there is to check again.
	_, typ, val, _ := nextItem(u)
	var num int64
	switch {
	case typ == ttlv.TypeEnumeration && len(val) == 4:
		num = int64(uint32(val[0])<<24 | uint32(val[1])<<16 | uint32(val[2])<<8 | uint32(val[3]))
	case typ == ttlv.TypeInteger:
		num = int32Value(val)
	}
	return c.resolveID(true, typ, val, num)
}

// itemIn returns the first child tagged tag of a Request Payload as
// received (one whole Structure), as encoded, or nil.
func itemIn(payload []byte, tag ttlv.Tag) []byte {
	_, body, n := ttlv.ConsumeStructure(payload)
	for n >= 0 && len(body) > 0 {
		t, _, _, m := nextItem(body)
		if m < 0 {
			break
		}
		if t == tag {
			return body[:m]
		}
		body = body[m:]
	}
	return nil
}

// attrsIn is collectAttrs(templateOf(…)) for a typed payload: the
// attributes of its KMIP 2.x container v2, or else of its 1.x
// Template-Attribute v1, read from the payload as received.
func (c *reqCtx) attrsIn(payload []byte, v1, v2 ttlv.Tag) ([]attrIn, *opError) {
	item := itemIn(payload, v2)
	if item == nil {
		item = itemIn(payload, v1)
	}
	if item == nil {
		return nil, nil
	}
	return c.attrsOf(nil, item)
}

// nextItem splits the first item off b, a list of items the typed decode
// of the payload has checked (each level this file walks — a payload's
// children, an attribute container's — is one that decode consumed with
// ttlv.ConsumeValue): its tag, type, value and length, from its header
// alone; n < 0 when b is shorter than the header says.
func nextItem(b []byte) (tag ttlv.Tag, typ ttlv.Type, val []byte, n int) {
	tag, typ, length, n := ttlv.ConsumeHeader(b)
	if n < 0 {
		return tag, typ, nil, n
	}
	end := ttlv.HeaderSize + (int(length)+7)&^7
	if end > len(b) {
		return tag, typ, nil, -1
	}
	return tag, typ, b[ttlv.HeaderSize : ttlv.HeaderSize+int(length)], end
}

// attributeOf is parseAttribute for a KMIP 1.x Attribute as encoded
// (item), appending it to dst.
func (c *reqCtx) attributeOf(dst []attrIn, item []byte) ([]attrIn, *opError) {
	v, err := c.tree(item)
	if err != nil {
		return dst, err
	}
	a, err := parseAttribute(v)
	if err != nil {
		return dst, err
	}
	return append(dst, a), nil
}

// attrsOf is collectAttrs for an attribute container as encoded (item),
// appending to dst: a KMIP 2.x container of scalar items only — the common
// Create and Locate sets (Cryptographic Algorithm, Length and Usage Mask,
// Object Type, State, dates, Object Group) — is read without a tree, its
// items as the tree decoder gives them (scalarValue); any other, as a tree
// (tree).
func (c *reqCtx) attrsOf(dst []attrIn, item []byte) ([]attrIn, *opError) {
	if out, ok := scalarAttrs(dst, item); ok {
		return out, nil
	}
	v, err := c.tree(item)
	if err != nil {
		return dst, err
	}
	return collectAttrs(dst, v)
}

// scalarAttrs appends the items of item, a KMIP 2.x attribute container
// (not a Template-Attribute) holding no Structure nor Attribute item, as
// collectAttrs would; ok is false, dst unchanged, for any other item.
func scalarAttrs(dst []attrIn, item []byte) (out []attrIn, ok bool) {
	tag, body, n := ttlv.ConsumeStructure(item)
	if n < 0 || legacyContainer(tag) {
		return dst, false
	}
	out = dst
	for len(body) > 0 {
		t, typ, val, m := nextItem(body)
		if m < 0 || typ == ttlv.TypeStructure || t == ttlv.TagAttribute {
			return dst, false
		}
		out = append(out, attrIn{tag: t, index: -1, val: scalarValue(t, typ, val)})
		body = body[m:]
	}
	return out, true
}

// scalarValue is the ttlv.Value the tree decoder makes of a scalar item
// (TestScalarValue): the number of the numeric types, Boolean as 0 or 1,
// the bytes of the others (aliasing val).
func scalarValue(tag ttlv.Tag, typ ttlv.Type, val []byte) ttlv.Value {
	it := ttlv.Item{Tag: tag, Type: typ, Value: val}
	v := ttlv.Value{Tag: tag, Type: typ}
	switch typ {
	case ttlv.TypeInteger:
		v.Num = int64(it.Int())
	case ttlv.TypeEnumeration, ttlv.TypeInterval:
		v.Num = int64(it.Enum())
	case ttlv.TypeLongInteger, ttlv.TypeDateTime, ttlv.TypeDateTimeExtended:
		v.Num = it.Long()
	case ttlv.TypeBoolean:
		if it.Bool() {
			v.Num = 1
		}
	default:
		v.Bytes = val
	}
	return v
}

// tree decodes item, one whole TTLV item of a Request Payload as
// received, into a ttlv.Value the reqCtx reuses: the parts of a typed
// operation's payload the server reads as trees, its attribute sets
// (collectAttrs, parseAttribute: the server keeps attributes encoded, of
// any tag, attrs.go). The value stays valid until the next item.
func (c *reqCtx) tree(item []byte) (*ttlv.Value, *opError) {
	t := &c.typed
	if t.used == len(t.trees) {
		t.trees = append(t.trees, new(ttlv.Value))
	}
	v := t.trees[t.used]
	t.used++
	if err := ttlv.UnmarshalOptions(item, v, c.s.dopts); err != nil {
		return nil, fail(rrInvalidMessage, "%v", err)
	}
	return v, nil
}

// filterIn returns the attributes a Locate asks for, read from its Request
// Payload as received: those of the KMIP 2.x Attributes and each KMIP 1.x
// Attribute, in order (whatever their type: collectAttrs and
// parseAttribute refuse a non-Structure).
func (c *reqCtx) filterIn(payload []byte) ([]attrIn, *opError) {
	var filter []attrIn
	_, body, n := ttlv.ConsumeStructure(payload)
	for n >= 0 && len(body) > 0 {
		tag, _, _, m := nextItem(body)
		if m < 0 {
			break
		}
		if tag == ttlv.TagAttribute || tag == ttlv.TagAttributes {
			var err *opError
			if tag == ttlv.TagAttributes {
				filter, err = c.attrsOf(filter, body[:m])
			} else {
				filter, err = c.attributeOf(filter, body[:m])
			}
			if err != nil {
				return nil, err
			}
		}
		body = body[m:]
	}
	return filter, nil
}

// version is the conversation's protocol version as package kmip names it.
func (c *reqCtx) version() kmip.Version { return kmip.Version(c.major<<8 | c.minor) }

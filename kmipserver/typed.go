package kmipserver

import (
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The operations of this file's table are answered from the typed request
// payloads of package kmip rather than from a ttlv.Value tree: each is
// decoded into a value the reqCtx keeps, so that, once warm, decoding
// allocates nothing; the fields alias the request. The other operations
// still read the tree (answer): their payloads carry attribute sets and
// managed objects, which the server keeps as encoded attributes and key
// blocks of any tag, and the typed attribute set (a field per standard
// attribute) would have to be turned back into those.
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
	_, body, n := ttlv.ConsumeStructure(payload)
	for n >= 0 && len(body) > 0 {
		tag, typ, val, m := ttlv.ConsumeValue(body)
		if m < 0 {
			break
		}
		if tag == ttlv.TagUniqueIdentifier {
			var num int64
			if typ == ttlv.TypeEnumeration && len(val) == 4 {
				num = int64(uint32(val[0])<<24 | uint32(val[1])<<16 | uint32(val[2])<<8 | uint32(val[3]))
			}
			return c.resolveID(true, typ, val, num)
		}
		body = body[m:]
	}
	return c.resolveID(false, 0, nil, 0)
}

// version is the conversation's protocol version as package kmip names it.
func (c *reqCtx) version() kmip.Version { return kmip.Version(c.major<<8 | c.minor) }

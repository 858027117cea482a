package kmipserver

import (
	"encoding/binary"
	"fmt"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A Unique Identifier — and a Link's Linked Object Identifier, which KMIP
// 2.1 encodes alike (§4.31 Table 90, §4.64 Table 145) — is a Text String,
// an Enumeration of the Unique Identifier Enumeration (§11.58, Table 489)
// or an Integer: "zero based nth Unique Identifier in the response; if
// negative the count is backwards from the beginning of the current
// operation's batch item". The enumeration's first value is the ID
// Placeholder; each of the others names an operation, and stands for the
// identifier the most recent item of that operation in the batch answered
// ("If an operation appears multiple times in a request, it is the most
// recent that is referred to"). KMIP 1.x has the Text String only; kmipd
// reads the other forms in every version, as it always read the ID
// Placeholder Enumeration.
//
// Both forms name the items before the current one, whose answers are in
// c.results: they are read only when a request uses them. An operation
// that would name several objects (Create Key Pair, Re-key Key Pair:
// both keys; Create Split Key: every part; a Locate that found more
// than one) is refused where one identifier is wanted: the specification
// repeats the operation for each of them ("If multiple unique identifiers
// would be referenced then the operation is repeated for each of them"),
// which kmipd does not do. Neither form is available to the items of a
// batch that may run in any order (Batch Order Option false), whose
// earlier items may not have run.

// Unique Identifier Enumeration values (KMIP 2.1 §11.58; the 3.0 draft's
// Create User, Group, Credential).
const (
	uidPlaceholder uint32 = 0x01
)

// uidEnumTarget is what a Unique Identifier Enumeration value other than
// the ID Placeholder names: the most recent item of operation op, and of
// its answer the identifiers tagged tag (0: all of them).
func uidEnumTarget(v uint32, major int32) (op uint32, tag ttlv.Tag, ok bool) {
	switch v {
	case 0x02:
		return opCertify, ttlv.TagUniqueIdentifier, true
	case 0x03:
		return opCreate, ttlv.TagUniqueIdentifier, true
	case 0x04:
		return opCreateKeyPair, 0, true
	case 0x05:
		return opCreateKeyPair, ttlv.TagPrivateKeyUniqueIdentifier, true
	case 0x06:
		return opCreateKeyPair, ttlv.TagPublicKeyUniqueIdentifier, true
	case 0x07:
		return opCreateSplitKey, ttlv.TagUniqueIdentifier, true
	case 0x08:
		return opDeriveKey, ttlv.TagUniqueIdentifier, true
	case 0x09:
		return opImport, ttlv.TagUniqueIdentifier, true
	case 0x0A:
		return opJoinSplitKey, ttlv.TagUniqueIdentifier, true
	case 0x0B:
		return opLocate, ttlv.TagUniqueIdentifier, true
	case 0x0C:
		return opRegister, ttlv.TagUniqueIdentifier, true
	case 0x0D:
		return opReKey, ttlv.TagUniqueIdentifier, true
	case 0x0E:
		return opReCertify, ttlv.TagUniqueIdentifier, true
	case 0x0F:
		return opReKeyKeyPair, 0, true
	case 0x10:
		return opReKeyKeyPair, ttlv.TagPrivateKeyUniqueIdentifier, true
	case 0x11:
		return opReKeyKeyPair, ttlv.TagPublicKeyUniqueIdentifier, true
	}
	if major >= 3 { // the 3.0 draft's; 0x12 Re-Provision is not implemented
		switch v {
		case 0x13:
			return opCreateUser, ttlv.TagUniqueIdentifier, true
		case 0x14:
			return opCreateGroup, ttlv.TagUniqueIdentifier, true
		case 0x15:
			return opCreateCredential, ttlv.TagUniqueIdentifier, true
		}
	}
	return 0, 0, false
}

// isIdentifierTag reports the tags of the identifiers an answer holds.
func isIdentifierTag(t ttlv.Tag) bool {
	return t == ttlv.TagUniqueIdentifier || t == ttlv.TagPrivateKeyUniqueIdentifier ||
		t == ttlv.TagPublicKeyUniqueIdentifier
}

// appendAnswered appends the identifiers the Response Payload of a
// successful item holds at its top level, in order, those tagged tag
// (0: any identifier tag).
func appendAnswered(ids [][]byte, payload []byte, tag ttlv.Tag) [][]byte {
	_, body, n := ttlv.ConsumeStructure(payload)
	if n < 0 {
		return ids
	}
	for len(body) >= ttlv.HeaderSize {
		t, typ, length, _ := ttlv.ConsumeHeader(body)
		k := ttlv.HeaderSize + (int(length)+7)&^7
		if k > len(body) || int(length) > len(body)-ttlv.HeaderSize {
			break
		}
		if typ.IsString() && (tag == 0 && isIdentifierTag(t) || tag != 0 && t == tag) {
			ids = append(ids, body[ttlv.HeaderSize:ttlv.HeaderSize+int(length)])
		}
		body = body[k:]
	}
	return ids
}

// resolveEnum resolves a Unique Identifier Enumeration value other than
// the ID Placeholder.
func (c *reqCtx) resolveEnum(v uint32) ([]byte, *opError) {
	name := enumLabel(ttlv.TagUniqueIdentifier, v)
	op, tag, ok := uidEnumTarget(v, c.major)
	if !ok {
		return nil, fail(rrInvalidField, "Unique Identifier Enumeration %s not supported", name)
	}
	if c.unordered {
		return nil, fail(rrInvalidField, "Unique Identifier Enumeration %s in a batch without order (Batch Order Option false)", name)
	}
	for i := len(c.results) - 1; i >= 0; i-- {
		r := &c.results[i]
		if r.op != op {
			continue
		}
		if r.status != batch.StatusSuccess {
			return nil, fail(rrInvalidField, "Unique Identifier Enumeration %s: the %s of batch item %d failed", name, enumLabel(ttlv.TagOperation, op), i)
		}
		ids := appendAnswered(nil, r.payload, tag)
		switch len(ids) {
		case 1:
			return ids[0], nil
		case 0:
			return nil, fail(c.notFoundReason(), "Unique Identifier Enumeration %s: the %s of batch item %d answered no identifier", name, enumLabel(ttlv.TagOperation, op), i)
		}
		return nil, fail(rrInvalidField, "Unique Identifier Enumeration %s names %d objects (the %s of batch item %d) where one is wanted", name, len(ids), enumLabel(ttlv.TagOperation, op), i)
	}
	return nil, fail(rrInvalidField, "Unique Identifier Enumeration %s: no earlier %s in the batch", name, enumLabel(ttlv.TagOperation, op))
}

// resolveIndex resolves the Integer form: the nth identifier of the
// answers so far (from 0), or, negative, counted back from the current
// item (-1 the last identifier before it).
func (c *reqCtx) resolveIndex(n int32) ([]byte, *opError) {
	if c.unordered {
		return nil, fail(rrInvalidField, "Unique Identifier index %d in a batch without order (Batch Order Option false)", n)
	}
	var ids [][]byte
	for i := range c.results {
		if r := &c.results[i]; r.status == batch.StatusSuccess {
			ids = appendAnswered(ids, r.payload, 0)
		}
	}
	i := int(n)
	if i < 0 {
		i += len(ids)
	}
	if i < 0 || i >= len(ids) {
		return nil, fail(rrInvalidField, "Unique Identifier index %d: the answers before this item hold %d identifiers", n, len(ids))
	}
	return ids[i], nil
}

// enumLabel names an Enumeration value of tag t for a message: its KMIP
// name, or its number.
func enumLabel(t ttlv.Tag, v uint32) string {
	if name, ok := ttlv.EnumName(t, v); ok {
		return name
	}
	return fmt.Sprintf("0x%08X", v)
}

// resolveLink is resolveLinkedID, then checkLink: for a Link a request
// sets. Call it without the lock of any object held.
func (c *reqCtx) resolveLink(a *attrIn) *opError {
	if err := c.resolveLinkedID(a); err != nil {
		return err
	}
	return c.checkLink(a)
}

// resolveLinkedID rewrites the Linked Object Identifier of a Link
// attribute given in the Enumeration or Integer form as the Text String of
// the identifier it stands for (resolveID), so that the object keeps,
// answers and follows the identifier. Other attributes are left as they
// are.
func (c *reqCtx) resolveLinkedID(a *attrIn) *opError {
	if a.tag != ttlv.TagLink {
		return nil
	}
	for i := range a.val.Children {
		ch := &a.val.Children[i]
		if ch.Tag != ttlv.TagLinkedObjectIdentifier {
			continue
		}
		if ch.Type == ttlv.TypeTextString || ch.Type == ttlv.TypeIdentifier && c.major >= 3 {
			break
		}
		if ch.Type != ttlv.TypeEnumeration && ch.Type != ttlv.TypeInteger {
			return fail(rrInvalidField, "Linked Object Identifier of type %s not supported", ch.Type)
		}
		id, err := c.resolveID(true, ch.Type, nil, ch.Num)
		if err != nil {
			return fail(err.reason, "Linked Object Identifier: %s", err.msg)
		}
		// a copy: the children alias the request (or a Template's) tree
		children := append([]ttlv.Value(nil), a.val.Children...)
		children[i] = ttlv.Value{Tag: ttlv.TagLinkedObjectIdentifier, Type: ttlv.TypeTextString, Bytes: id}
		a.val.Children = children
		break
	}
	return nil
}

// int32Value is the value of an encoded Integer's 4 bytes.
func int32Value(val []byte) int64 {
	if len(val) < 4 {
		return 0
	}
	return int64(int32(binary.BigEndian.Uint32(val)))
}

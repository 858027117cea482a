// Package kmip is the typed KMIP layer above package ttlv: Go types for the
// protocol's enumerations, bit masks and structures, generated from the
// specification tables in internal/spec (go generate; see internal/gen/kmip
// and internal/spec/README.md). It imports only the standard library and
// the module's wire packages.
//
// # Enumerations and masks
//
// Every enumeration and bit mask of KMIP 1.0 to 2.1 is a named uint32 type
// with a constant for each value the specifications list
// (OperationCreate, CryptographicAlgorithmAES,
// CryptographicUsageMaskEncrypt|CryptographicUsageMaskDecrypt). String gives
// the name the JSON and XML forms write, Parse… reads it back (and the
// aliases the codec accepts), and values the tables do not list — vendor
// extensions 0x8XXXXXXX among them — convert and print in hexadecimal. The
// values of the KMIP 3.0 committee draft are included too; their comments
// mark them as draft, which may still change.
//
// # Structures
//
// Every structure of KMIP 1.0 to 2.1 is a Go struct: the message envelope
// (RequestMessage, RequestHeader, RequestBatchItem, ResponseMessage, …),
// the request and response payload of every operation
// (CreateRequestPayload, GetResponsePayload, …), the managed objects
// (SymmetricKey, PrivateKey, …) with KeyBlock and KeyWrappingData, and the
// shared structures (CryptographicParameters, Name, Link, …). Attributes is
// the attribute set: a field per attribute of every version, serving the
// KMIP 2.x Attributes structure and its kin (Common Attributes, Private Key
// Attributes, …). One field per item: a required one as its value, an
// optional one as Optional[T] (Some(v) sets it), a repeated one as a slice,
// a structure by pointer, a field whose encoding varies as a Raw item. The
// Request and Response Payload of a batch item are RequestPayload and
// ResponsePayload interfaces holding the payload type of the item's
// Operation (RawRequestPayload for an operation without one).
//
// The structures of the KMIP 3.0 committee draft are included too (draft
// level): its payloads (CreateCredentialRequestPayload, …), credential
// structures and attributes (NextLink, ObjectClass, …). Encoding for V3_0
// writes the draft's forms — a Name as a Text String, Unique Identifiers as
// Identifiers, no Batch Count — and encoding for an earlier version leaves
// out what only the draft has.
//
// # Encoding and decoding
//
// AppendTTLV appends a value to a []byte for a protocol Version; a value
// built by the caller is written in the specification's field order, and
// in the form of the version where the versions differ: for KMIP 1.x its
// attribute sets (Attributes) as 1.x Template-Attributes of Attribute Name
// and Value pairs, or as bare Attribute items where 1.x carries them so
// (Locate, Get Attributes); for KMIP 2.x a Template-Attribute or Attribute
// list the caller set instead as the 2.x Attributes, in its place, unless
// it holds what 2.x cannot carry (a template Name, an Attribute Name that
// is neither standard nor custom). UnmarshalTTLV decodes one whole
// Structure from bytes and DecodeTTLV the next one from a ttlv.Decoder;
// both accept the 1.x and 2.x forms. Nothing uses reflection, and decoding
// into a value used before allocates nothing once the value has grown to
// the message's shape. Errors are *DecodeError values carrying the byte
// offset and the tag path.
//
// A decoded value remembers the order of its items and keeps those no field
// takes (vendor extensions, fields of later versions, an item of an
// unexpected type) as Raw items, in place: encoding it gives back the bytes
// it was decoded from. Unknown lists them. A value whose items came in the
// specification's order, all known, encodes by the same code as a built
// one; otherwise in the order decoded, and fields set after decoding are
// written after the decoded ones.
//
// # Forms and batches
//
// AppendJSON, UnmarshalJSON, AppendXML and UnmarshalXML carry typed values
// to and from the JSON and XML forms through packages jsonttlv and xmlttlv.
// DecodeRequestPayload types the payload of a batch.Splitter item by its
// Operation, and AppendSuccess writes a typed response payload into a
// batch.Assembler in place.
//
// # Aliasing
//
// As everywhere in the codec, decoded text, bytes and Raw items alias the
// input: the strings of a decoded value share its memory (without a copy),
// and change if the input is overwritten. Clone returns a deep copy to keep.
package kmip

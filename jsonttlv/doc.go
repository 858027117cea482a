// Package jsonttlv converts KMIP messages between the binary TTLV form
// (package ttlv) and the JSON form of KMIP Additional Message Encodings
// v1.0 §4, which KMIP servers with an HTTP interface accept at /kmip
// (KMIP 2.x servers such as Cosmian KMS among them).
//
// # The JSON form
//
// Each TTLV item is one JSON object (§4.1.6):
//
//	{"tag": "BatchCount", "type": "Integer", "value": 1}
//
// "tag" is a normalized tag name (§4.1.3) or "0x" and six hex digits;
// "type" a type name (§4.1.4), Structure when absent; "value" an array of
// item objects (or null) for a Structure, else the value in one of the
// forms of §4.1.6.3–§4.1.6.12; an optional "name" is ignored on input.
// Masks may be written as names joined by "|" (§4.1.6.4), Enumerations by
// name, and in a KMIP 1.x Attribute the AttributeValue's names follow its
// sibling AttributeName (KMIP 1.4 §2.1.1).
//
// # Two directions, no tree
//
// AppendJSON (and WriteJSON) walk a binary message with
// ttlv.Decoder.NextToken and append each item's JSON as it comes.
// AppendBinary (and ReadBinary) scan JSON once, recursively, and append
// binary TTLV as each object closes: Structures are opened with
// ttlv.BeginStructure and patched by ttlv.EndStructure. Properties may come
// in any order: a primitive "value" read before its "type" is kept as a
// span of the input and converted when the object closes; a Structure
// whose "tag" follows its "value" has its tag patched into the header
// afterwards. Both directions keep their state in pooled values and
// allocate nothing per message once warm (the tests hold them to zero).
//
// # Dialects and leniency
//
// Output follows the specification (DialectSpec) or what Cosmian KMS's
// parser accepts (DialectCosmian, see its documentation). Input accepts
// every form §4.1 allows plus the spellings Cosmian KMS uses for tags and
// enumerations ("Item_Not_Found", "SHA256", "PKCS11Function"), which the
// ttlv registry resolves. Input is strict JSON (RFC 8259) unless
// DecodeOptions.Lenient, which also takes the trailing commas and the
// wrongly cased tag names of documentation that users copy from.
//
// # Errors
//
// Binary input errors are the *ttlv.Error of the decoder. JSON input errors
// are *Error values with the line and column, the tags of the enclosing
// items, what was expected, and a sentinel (ErrSyntax, ErrUnknownTag,
// ErrType, ErrValue, ErrObject, ErrDepth, ErrTooLarge) for errors.Is. An
// unknown tag name comes with the nearest known one:
//
//	jsonttlv: line 5 column 16 /ResponseMessage: unknown tag: "Header", did you mean "ResponseHeader"?
//
// # Security Considerations
//
// The JSON input is bounded by DecodeOptions.MaxSize and nesting by
// MaxDepth before anything is appended; the binary output of any JSON
// input is never larger than the input, so a hostile input costs at most
// its own size. Hex and numbers are range-checked against their type's
// width; Text Strings must be valid UTF-8 and Byte Strings valid hex.
package jsonttlv

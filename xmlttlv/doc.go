// Package xmlttlv converts KMIP messages between the binary TTLV form
// (package ttlv) and the XML form of KMIP Additional Message Encodings v1.0
// §5, the form of the OASIS KMIP profile test cases.
//
// # The XML form
//
// Each TTLV item is one XML element (§5.1.6): a Structure's items are its
// child elements, any other item has its value in the "value" attribute:
//
//	<BatchCount type="Integer" value="1"/>
//	<TTLV tag="0x54FFFF" name="SomeExtension" type="TextString" value="x"/>
//
// The element name is the normalized tag name, or TTLV with a "tag"
// attribute ("0x" and six hex digits, or a name); "x540001" is also read as
// a hex tag. "type" defaults to Structure. Values: Integer, Long Integer
// and Interval in decimal (or "0x" and all their hex digits); masks as
// names and hex separated by spaces (or "|"); Enumerations by name or "0x"
// and 8 hex digits; Booleans true/false (1/0); Text Strings as text; Byte
// Strings and Big Integers as hex without "0x"; Date-Times as xsd:dateTime
// or hex. In a KMIP 1.x Attribute the AttributeValue's names follow its
// sibling AttributeName (KMIP 1.4 §2.1.1).
//
// # Two directions, no tree
//
// AppendXML (and WriteXML) walk a binary message with
// ttlv.Decoder.NextToken and append each item's element as it comes.
// AppendBinary (and ReadBinary) scan XML once with a hand-written scanner
// of the restricted grammar the form needs — elements, attributes,
// comments, processing instructions, the five predefined entities and
// character references — and append binary TTLV as each element ends.
// encoding/xml is not used: it allocates per token. Both directions keep
// their state in pooled values and allocate nothing per message once warm.
// Decoder reads a document of several messages, such as the OASIS files'
// <KMIP> element holding RequestMessage and ResponseMessage pairs (or
// <KmipTestCase>, as the KMIP 1.0 profile test cases name it), and
// DecodeOptions.Placeholder lets a caller bind their "$NOW"-style
// placeholders.
//
// Text Strings round-trip byte for byte except for control characters
// other than tab, line feed and carriage return, which XML 1.0 cannot
// carry: they are written as U+FFFD.
//
// # Errors
//
// Binary input errors are the *ttlv.Error of the decoder. XML input errors
// are *Error values with the line and column, the tags of the enclosing
// items, what was expected, and a sentinel (ErrSyntax, ErrUnknownTag,
// ErrType, ErrValue, ErrElement, ErrDepth, ErrTooLarge) for errors.Is:
//
//	xmlttlv: line 3 column 4 /RequestMessage: unknown tag: "Header", did you mean "RequestHeader"?
//
// # Security Considerations
//
// The XML input is bounded by DecodeOptions.MaxSize and nesting by MaxDepth
// before anything is appended. The binary output is at most twice the
// input's size (an empty Structure <X/> is 4 bytes of XML and 8 of TTLV).
// DOCTYPE declarations are refused, so there is no entity expansion.
// Numbers and hex are range-checked against their type's width; Text
// Strings must be valid UTF-8 and Byte Strings valid hex.
package xmlttlv

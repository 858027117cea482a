// Package ttlv encodes and decodes KMIP's binary TTLV form (KMIP 2.1 §10.1,
// KMIP 1.4 §9.1) without reflection and, on every hot path, without
// allocating.
//
// # Terminology
//
// An item is a 3-byte Tag, a 1-byte Type, a 4-byte big-endian Length and a
// Value padded with zeros to a multiple of eight bytes. A Structure's value
// is the concatenation of its children. A message is one top-level item —
// in practice a RequestMessage or ResponseMessage Structure.
//
// # Layers
//
// The package has three layers, each usable alone:
//
//   - Stateless functions in the style of protowire: Append* append one
//     item to a []byte, Consume* parse one from the front of a []byte and
//     return its value aliasing the input and a byte count that is negative
//     on error (see ParseError), Size* give encoded sizes. BeginStructure
//     writes a Structure header with a zero length and EndStructure patches
//     it once the children are appended: no second pass, no closure.
//   - A streaming Decoder (over a []byte, or over an io.Reader framed by
//     each message's 8-byte header) and a streaming Encoder (over a pooled
//     buffer, flushed to an io.Writer). The Decoder returns one Item at a
//     time; the caller enters, skips or leaves Structures.
//   - A Value tree for callers who prefer one: Unmarshal, Marshal,
//     Value.Equal, Value.String. Decoding into a reused Value allocates
//     nothing once the tree has grown to the message's shape.
//
// Names come from a registry generated from the specification's tables
// (tables_gen.go): Tag constants, tag and enumeration names, mask flags.
// A Registry adds names for extension tags (0x54xxxx) and values.
//
// # Text encodings
//
// The JSON and XML forms (KMIP Additional Message Encodings v1.0 §4 and §5;
// packages jsonttlv and xmlttlv) write Date-Times in ISO 8601:
// AppendDateTimeText, AppendDateTimeExtendedText and ParseDateTimeText are
// the one implementation, without allocating. LookupAttributeNameBytes
// gives the tag that a KMIP 1.x Attribute Name stands for, which types its
// Attribute Value.
//
// # Aliasing
//
// Item values, Value.Bytes after decoding, and Consume* results alias the
// input. With a reader-backed Decoder they alias its buffer and stay valid
// until the Decoder reads the next message. Copy what you keep (Value.Clone).
//
// # Strictness
//
// By default the Decoder enforces every rule of KMIP 2.1 §10.1: a defined
// Item Type; the fixed lengths (Integer, Enumeration, Interval 4; Long
// Integer, Boolean, Date-Time, Date-Time Extended 8); Structure and Big
// Integer lengths that are multiples of 8; zero padding; Booleans of 0 or
// 1; UTF-8 Text Strings; children that exactly fill their Structure; no
// bytes after the message. Lax relaxes some of them for peers that get them
// wrong. It does not bind tags to types: the specification's own examples
// use one tag for every type, so type checks per tag belong to a validator
// above the codec.
//
// # Security Considerations
//
// Every length is checked against the bytes remaining in its Structure and
// the input before any slicing, and nothing is ever allocated in proportion
// to a length read from the input: a reader-backed Decoder checks the
// announced size against DecodeOptions.MaxMessageSize before reading, then
// grows its buffer only as bytes arrive. Nesting is bounded by
// DecodeOptions.MaxDepth. Errors are *Error values carrying the byte
// offset, the tag path and a sentinel (ErrTruncated, ErrLength, …) for
// errors.Is; the Decoder never panics on any input (see FuzzDecode).
package ttlv

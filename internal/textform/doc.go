// Package textform holds what the two text encodings of TTLV — the JSON
// form (KMIP Additional Message Encodings v1.0 §4, package jsonttlv) and the
// XML form (§5, package xmlttlv) — share below their syntax: the "0x"
// hexadecimal and decimal forms of numbers, hex Byte String items, the
// tag-name cache and unknown-tag hints, line:column positions and error
// text, bounded reads of a whole document, and TextWalker, the token walk
// both converters write from. The Date-Time text form lives in ttlv
// (AppendDateTimeText, ParseDateTimeText), a public part of the value model.
//
// Nothing here allocates unless its doc says so; the converters' zero-
// allocation tests cover these functions on their hot paths.
package textform

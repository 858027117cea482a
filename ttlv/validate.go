package ttlv

import (
	"encoding/binary"
	"fmt"
	"io"
	"unicode/utf8"
	"unsafe"
)

// Validate checks that b holds one well-formed message (with
// opts.Sequence, a non-empty sequence of them) under every strict rule the Decoder
// applies, and returns the same *Error the Decoder would. It is the
// Decoder's walk fused into one loop, with the nesting kept in registers
// and no Item returned per step: use it to vet a message before handing
// parts of it on. It does not allocate unless it fails.
func Validate(b []byte, opts DecodeOptions) error {
	if len(b) == 0 {
		return &Error{Err: fmt.Errorf("%w: empty input, a message takes at least 8 bytes", ErrTruncated)}
	}
	if validFast(b, &opts) {
		return nil
	}
	// Rare path: let the Decoder find the fault and describe it.
	d := decoderPool.Get().(*Decoder)
	d.Reset(b, opts)
	err := d.walkAll()
	d.Reset(nil, DecodeOptions{})
	decoderPool.Put(d)
	return err
}

// walkAll visits every token of the input.
func (d *Decoder) walkAll() error {
	for {
		if _, err := d.NextToken(); err != nil {
			if err == io.EOF && d.Depth() == 0 {
				return nil
			}
			return err
		}
	}
}

// fastDepth is the nesting validFast tracks itself; deeper input (never
// seen in real KMIP) is left to the Decoder. A small array keeps the cost
// of zeroing it per call negligible.
const fastDepth = 32

// validFast reports whether b passes every check of Decoder.next; a false
// result only means "let the Decoder decide". It accepts exactly what the
// Decoder accepts (FuzzDecode holds them to it).
func validFast(b []byte, opts *DecodeOptions) bool {
	var ends [fastDepth]int
	maxDepth, maxSize, lax := opts.maxDepth(), opts.maxSize(), opts.Lax
	depth, pos, end, top := 0, 0, len(b), 0
	for {
		for pos >= end {
			if depth == 0 {
				return true
			}
			depth--
			end = ends[depth&(fastDepth-1)]
		}
		if depth == 0 && top > 0 && !opts.Sequence {
			return lax&LaxTrailing != 0
		}
		// end <= len(b) and 0 <= pos hold throughout (end is len(b) or
		// the end of a Structure checked to fit); with the item's total
		// checked against end-pos below, every read of the item is in
		// bounds and goes through a pointer (as in Decoder.next).
		if end-pos < HeaderSize || end > len(b) || pos < 0 {
			return false
		}
		p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(b)), pos)
		h := binary.BigEndian.Uint64(word(p, 0))
		typ, length := Type(h>>32), uint32(h)
		if r := lengthRules[typ]; length&r.mask != r.want {
			return false
		}
		total := HeaderSize + (int(length)+7)&^7
		if total > end-pos || total < 0 {
			return false
		}
		if depth == 0 {
			if total > maxSize {
				return false
			}
			top++
		}
		switch typ {
		case TypeStructure:
			if depth >= maxDepth || depth >= fastDepth {
				return false
			}
			ends[depth&(fastDepth-1)] = end
			depth++
			end = pos + total
			pos += HeaderSize
			continue
		case TypeInteger, TypeEnumeration, TypeInterval:
			if binary.BigEndian.Uint32(word(p, 8)[4:]) != 0 && lax&LaxPadding == 0 {
				return false
			}
		case TypeBoolean:
			if binary.BigEndian.Uint64(word(p, HeaderSize)) > 1 && lax&LaxBoolean == 0 {
				return false
			}
		case TypeTextString, TypeByteString, TypeIdentifier, TypeReference, TypeNameReference:
			if pad := total - HeaderSize - int(length); pad != 0 && lax&LaxPadding == 0 {
				if binary.BigEndian.Uint64(word(p, total-8))&(1<<(8*pad)-1) != 0 {
					return false
				}
			}
			// A non-empty value: total > HeaderSize, so its bytes lie
			// inside b (an empty one is valid UTF-8 and ASCII).
			if typ != TypeByteString && lax&LaxUTF8 == 0 && length != 0 && !asciiWords(at(p, HeaderSize, total-HeaderSize)) &&
				!utf8.Valid(at(p, HeaderSize, int(length))) {
				return false
			}
		}
		pos += total
	}
}

package textform

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TextWalker walks one binary message token by token for a converter to a
// text form (KMIP Additional Message Encodings v1.0 §4 JSON, §5 XML), as
// Decoder.NextToken does, and keeps what such a converter needs besides:
// the depth of each token, whether an item is the first child of its
// Structure (for separators) and whether a Structure ended with no child,
// and the tag whose type and names a value takes — for the Attribute Value
// of a KMIP 1.x Attribute, the tag that the Attribute Name before it names
// (KMIP 1.4 §2.1.1; see LookupAttributeNameBytes). The zero value is ready
// for Reset; a TextWalker is not safe for concurrent use and allocates
// nothing once its Decoder is warm.
//
// Next is one call per token. A converter's hot loop can instead call
// NextToken on Decoder itself and pass each token to Step, which inlines:
// one call per token where Next makes two, and no copy of the Item.
type TextWalker struct {
	d     ttlv.Decoder
	empty bool // the input is empty
	// Of the last token: whether it opened a Structure, and
	// whether it came right after a Structure's start (or began the
	// walk), which for an item means it is its Structure's first child,
	// and for an end token that the Structure had none. The walk is
	// depth first, so one flag answers at every depth.
	opened     bool
	afterStart bool
	// nameAt[i] is 1 + the input offset of the last Attribute Name among
	// the items at depth i (the children of the Structure open at depth
	// i-1), or 0; each Structure's start clears its children's. ValueTag
	// reads the name back from src when an Attribute Value asks for it.
	nameAt [ttlv.MaxDepthLimit + 1]int
	src    []byte
}

// Reset makes w walk src, with the rules of opts (whose Sequence is
// ignored: the text forms hold one message).
func (w *TextWalker) Reset(src []byte, opts ttlv.DecodeOptions) {
	opts.Sequence = false
	w.d.Reset(src, opts)
	w.empty = len(src) == 0
	w.opened, w.afterStart = true, true // the walk starts as a Structure does
	w.nameAt[0], w.src = 0, src
}

// Next returns the next token of the walk: every item, Structures entered
// as they come, and after a Structure's last child an Item of Type TypeEnd
// with the Structure's tag. It returns io.EOF after the message, an error
// wrapping ErrTruncated for empty input (a text form has no empty
// message), and the Decoder's *Error for malformed input.
func (w *TextWalker) Next() (ttlv.Item, error) {
	it, err := w.d.NextToken()
	if err != nil {
		if err == io.EOF && w.empty {
			return it, emptyInput()
		}
		return it, err
	}
	w.Step(it)
	return it, nil
}

// Decoder returns the Decoder that w walks with. Each token its NextToken
// returns must be passed to Step before Depth, First or ValueTag are
// asked, and the walk's error to Stop; Next does both.
func (w *TextWalker) Decoder() *ttlv.Decoder { return &w.d }

// Step records the token it, which w's Decoder has just returned from
// NextToken.
func (w *TextWalker) Step(it ttlv.Item) {
	w.afterStart, w.opened = w.opened, it.Type == ttlv.TypeStructure
	if it.Type == ttlv.TypeStructure {
		w.nameAt[w.d.Depth()] = 0 // its children have no Attribute Name yet
	} else if it.Tag == ttlv.TagAttributeName && it.Type == ttlv.TypeTextString {
		w.nameAt[w.d.Depth()] = 1 + int(w.d.ItemOffset())
	}
}

// Stop turns the error of w's Decoder that ended a walk of Decoder and
// Step into what a converter returns: nil for io.EOF, the end of the
// message, but an error wrapping ErrTruncated for empty input; else err.
func (w *TextWalker) Stop(err error) error {
	if err == io.EOF {
		if w.empty {
			return emptyInput()
		}
		return nil
	}
	return err
}

func emptyInput() error {
	return &ttlv.Error{Err: fmt.Errorf("%w: empty input, want a TTLV item", ttlv.ErrTruncated)}
}

// Depth returns the depth of the last token: 0 for the message's top-level
// item, 1 for its children, and so on; for a TypeEnd token, the depth of
// the Structure that ended.
func (w *TextWalker) Depth() int {
	if w.opened {
		return w.d.Depth() - 1 // the Decoder has entered it
	}
	return w.d.Depth()
}

// First reports, for an item, whether it is the first child of its
// Structure (or the top-level item), and for a TypeEnd token whether the
// Structure that ended had no child.
func (w *TextWalker) First() bool { return w.afterStart }

// ValueTag returns the tag whose type and names the value of the last
// item, of tag t, takes: t, or for an Attribute Value the tag that the
// Attribute Name before it, in the same Structure, names. It is
// meaningless after a TypeEnd token.
func (w *TextWalker) ValueTag(t ttlv.Tag) ttlv.Tag {
	if t == ttlv.TagAttributeValue {
		return w.attributeValueTag()
	}
	return t
}

// attributeValueTag is ValueTag for an Attribute Value: the tag that the
// Attribute Name before it names, or TagAttributeValue. The Decoder has
// checked the name's item; its header gives the value's length.
func (w *TextWalker) attributeValueTag() ttlv.Tag {
	if at := w.nameAt[w.Depth()] - 1; at >= 0 && at <= len(w.src)-ttlv.HeaderSize {
		n := int(binary.BigEndian.Uint32(w.src[at+4:]))
		if v := w.src[at+ttlv.HeaderSize:]; n <= len(v) {
			if t, _ := ttlv.LookupAttributeNameBytes(v[:n]); t != 0 {
				return t
			}
		}
	}
	return ttlv.TagAttributeValue
}

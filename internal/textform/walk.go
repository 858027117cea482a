package textform

import (
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
type TextWalker struct {
	d     ttlv.Decoder
	empty bool // the input is empty
	depth int  // Structures open
	// Of the last token:
	at       int
	first    bool
	valueTag ttlv.Tag
	// open[i] is true while the Structure open at depth i (the top level
	// for 0) has had no child; named[i] is the tag named by the last
	// Attribute Name among its children, or 0.
	open  [ttlv.MaxDepthLimit + 2]bool
	named [ttlv.MaxDepthLimit + 2]ttlv.Tag
}

// Reset makes w walk src, with the rules of opts (whose Sequence is
// ignored: the text forms hold one message).
func (w *TextWalker) Reset(src []byte, opts ttlv.DecodeOptions) {
	opts.Sequence = false
	w.d.Reset(src, opts)
	w.empty, w.depth = len(src) == 0, 0
	w.open[0], w.named[0] = true, 0
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
			return it, &ttlv.Error{Err: fmt.Errorf("%w: empty input, want a TTLV item", ttlv.ErrTruncated)}
		}
		return it, err
	}
	d := w.depth
	if it.Type == ttlv.TypeEnd {
		w.depth = d - 1
		w.at, w.first = d-1, w.open[d]
		return it, nil
	}
	w.at, w.first = d, w.open[d]
	w.open[d] = false
	w.valueTag = it.Tag
	if it.Tag == ttlv.TagAttributeValue && w.named[d] != 0 {
		w.valueTag = w.named[d]
	}
	switch {
	case it.Type == ttlv.TypeStructure:
		w.depth = d + 1
		w.open[d+1], w.named[d+1] = true, 0
	case it.Tag == ttlv.TagAttributeName && it.Type == ttlv.TypeTextString:
		w.named[d], _ = ttlv.LookupAttributeNameBytes(it.Value)
	}
	return it, nil
}

// WalkErr turns the error that ended a walk of Next into what a converter
// returns: nil for io.EOF, the end of the message, else err.
func WalkErr(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// Depth returns the depth of the last token: 0 for the message's top-level
// item, 1 for its children, and so on; for a TypeEnd token, the depth of
// the Structure that ended.
func (w *TextWalker) Depth() int { return w.at }

// First reports, for an item, whether it is the first child of its
// Structure (or the top-level item), and for a TypeEnd token whether the
// Structure that ended had no child.
func (w *TextWalker) First() bool { return w.first }

// ValueTag returns the tag whose type and names the last item's value
// takes: its own tag, or for an Attribute Value the tag that the Attribute
// Name before it, in the same Structure, names. It is meaningless after a
// TypeEnd token.
func (w *TextWalker) ValueTag() ttlv.Tag { return w.valueTag }

package conform

import (
	"bytes"
	"fmt"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// CodecResult is the codec check of one message.
type CodecResult struct {
	Message *Message
	// Err is nil when the message passed.
	Err error
	// Normalized counts values the XML written spells differently from the
	// input with the same meaning (masks in another order, an enumeration
	// by name rather than hex, "+00:00" for "Z", …).
	Normalized int
	// Bytes is the size of the binary form.
	Bytes int
}

// CheckCodec runs the codec check on every message of tc: the XML, its
// placeholders given deterministic values, converts to binary (b1); b1 to
// JSON and back to binary (b2, byte-identical to b1); b2 to XML and back to
// binary (b3, byte-identical to b1); and the XML written is structurally
// equal to the input: the same items (tags resolved, so a name and its hex
// tag are equal), types and values, read by encoding/xml, with values
// equal as text or in meaning (see CodecResult.Normalized), and each
// placeholder's output equal to the value substituted.
func CheckCodec(tc *TestCase) []CodecResult {
	out := make([]CodecResult, 0, len(tc.Messages))
	for i := range tc.Messages {
		m := &tc.Messages[i]
		n, size, err := checkMessage(m.XML)
		if err != nil {
			err = fmt.Errorf("message %d (line %d): %w", m.Index, m.Line, err)
		}
		out = append(out, CodecResult{Message: m, Err: err, Normalized: n, Bytes: size})
	}
	return out
}

func checkMessage(src []byte) (normalized, size int, err error) {
	reg := Registry()
	ph := newPlaceholders()
	b1, err := xmlttlv.AppendBinary(nil, src, xmlttlv.DecodeOptions{Registry: reg, Placeholder: ph.codec})
	if err != nil {
		return 0, 0, fmt.Errorf("XML → binary: %w", err)
	}
	js, err := jsonttlv.AppendJSON(nil, b1, jsonttlv.EncodeOptions{Registry: reg})
	if err != nil {
		return 0, 0, fmt.Errorf("binary → JSON: %w", err)
	}
	b2, err := jsonttlv.AppendBinary(nil, js, jsonttlv.DecodeOptions{Registry: reg})
	if err != nil {
		return 0, 0, fmt.Errorf("JSON → binary: %w", err)
	}
	if !bytes.Equal(b1, b2) {
		return 0, 0, fmt.Errorf("binary → JSON → binary: %s", firstByteDiff(b1, b2))
	}
	x2, err := xmlttlv.AppendXML(nil, b2, xmlttlv.EncodeOptions{Indent: "  ", Registry: reg})
	if err != nil {
		return 0, 0, fmt.Errorf("binary → XML: %w", err)
	}
	b3, err := xmlttlv.AppendBinary(nil, x2, xmlttlv.DecodeOptions{Registry: reg})
	if err != nil {
		return 0, 0, fmt.Errorf("XML written → binary: %w", err)
	}
	if !bytes.Equal(b1, b3) {
		return 0, 0, fmt.Errorf("binary → XML → binary: %s", firstByteDiff(b1, b3))
	}
	in, err := parseTree(src)
	if err != nil {
		return 0, 0, fmt.Errorf("input: %w", err)
	}
	got, err := parseTree(x2)
	if err != nil {
		return 0, 0, fmt.Errorf("XML written: %w", err)
	}
	c := comparer{valueOf: func(exp, _ *node, _ bool) (string, bool) {
		v, ok := ph.byIdx[exp.index]
		if !ok {
			return exp.value, true // a '$' value kept as it is (Text String)
		}
		return v, true
	}}
	if d := c.compare(in, got, nil); d != nil {
		return 0, 0, fmt.Errorf("XML written differs at line %d of the input: %w", d.Line, d)
	}
	return c.normalized, len(b1), nil
}

// firstByteDiff describes where two binary messages first differ, with the
// tag path of the item there.
func firstByteDiff(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	path := itemPathAt(a, i)
	return fmt.Sprintf("first difference at byte %d %s (lengths %d and %d)", i, path, len(a), len(b))
}

// itemPathAt returns the tag path of the item containing byte off of msg.
func itemPathAt(msg []byte, off int) ttlv.Path {
	d := ttlv.NewDecoder(msg, ttlv.DecodeOptions{})
	var path ttlv.Path
	for {
		it, err := d.Next()
		if err != nil {
			if d.Depth() == 0 {
				return path
			}
			if d.Leave() != nil {
				return path
			}
			continue
		}
		start := int(d.ItemOffset())
		end := int(d.InputOffset())
		if it.Type == ttlv.TypeStructure {
			_, _, length, _ := ttlv.ConsumeHeader(msg[start:])
			end = start + ttlv.HeaderSize + int(length)
		}
		if off >= start && off < end {
			path = d.AppendPath(path[:0])
			path = append(path, it.Tag)
			if it.Type != ttlv.TypeStructure || d.Enter() != nil {
				return path
			}
		}
	}
}

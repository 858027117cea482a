package peers

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"

	_ "github.com/gemalto/kmip-go/kmip14" // registers the KMIP 1.4 names
	_ "github.com/gemalto/kmip-go/kmip20" // and the 2.0 additions
	gem "github.com/gemalto/kmip-go/ttlv"
)

// github.com/gemalto/kmip-go: TTLV is a []byte with accessors, which
// marshals itself to and from JSON and XML (encoding/json and
// encoding/xml interfaces); a reflection-driven Marshal and Unmarshal; a
// generic tree (ttlv.Value, ttlv.Values); a Decoder that frames messages
// from an io.Reader.
func init() {
	register(&codec{
		name:  "gemalto",
		about: "github.com/gemalto/kmip-go v0.1.0",
		paths: map[string]impl{
			"walk":         {prepare: gemWalk},
			"decode-tree":  {prepare: gemDecodeTree},
			"encode-value": {prepare: gemEncodeValue},
			"to-json":      {prepare: gemToJSON},
			"from-json":    {prepare: gemFromJSON},
			"to-xml":       {prepare: gemToXML},
			"from-xml":     {prepare: gemFromXML},
			"frame":        {prepare: gemFrame},
		},
		forms: map[string]form{
			"json": {
				read: func(b []byte) ([]byte, error) {
					var t gem.TTLV
					err := t.UnmarshalJSON(b)
					return t, err
				},
				write: func(b []byte) ([]byte, error) { return gem.TTLV(b).MarshalJSON() },
			},
			"xml": {
				read: func(b []byte) ([]byte, error) {
					var t gem.TTLV
					err := xml.Unmarshal(b, &t)
					return t, err
				},
				write: func(b []byte) ([]byte, error) { return xml.Marshal(gem.TTLV(b)) },
			},
		},
	})
}

// gemWalkStruct visits every item of a Structure's body with the TTLV
// accessors, entering each Structure. TTLV.Next checks the item it
// leaves (Valid, recursively) before it steps.
func gemWalkStruct(t gem.TTLV, n *int) {
	for ; len(t) > 0; t = t.Next() {
		*n++
		if t.Type() == gem.TypeStructure {
			gemWalkStruct(t.ValueStructure(), n)
		}
	}
}

func gemWalk(m *message) (func() error, error) {
	n := 0
	op := func() error {
		t := gem.TTLV(m.bin)
		if err := t.Valid(); err != nil {
			return err
		}
		n = 1
		gemWalkStruct(t.ValueStructure(), &n)
		return nil
	}
	if err := op(); err != nil {
		return nil, err
	}
	if n != m.items {
		return nil, fmt.Errorf("walk: %d items, want %d", n, m.items)
	}
	return op, nil
}

// gemEncoder encodes into a reused buffer.
type gemEncoder struct {
	buf bytes.Buffer
	e   *gem.Encoder
}

func newGemEncoder() *gemEncoder {
	g := &gemEncoder{}
	g.e = gem.NewEncoder(&g.buf)
	return g
}

func (g *gemEncoder) encode(v any) ([]byte, error) {
	g.buf.Reset()
	err := g.e.Encode(v)
	return g.buf.Bytes(), err
}

func gemDecodeTree(m *message) (func() error, error) {
	d := gem.NewDecoder(bytes.NewReader(nil))
	var v gem.Value
	op := func() error {
		v = gem.Value{}
		return d.DecodeValue(&v, gem.TTLV(m.bin))
	}
	if err := op(); err != nil {
		return nil, err
	}
	out, err := gem.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("decode-tree: the tree does not re-encode: %w", err)
	}
	return op, sameBytes(m, "decode-tree, re-encoded", out)
}

func gemEncodeValue(m *message) (func() error, error) {
	var v gem.Value
	if err := gem.Unmarshal(gem.TTLV(m.bin), &v); err != nil {
		return nil, err
	}
	g := newGemEncoder()
	out, err := g.encode(v)
	if err == nil {
		err = sameBytes(m, "encode-value", out)
	}
	return warm(func() error {
		_, err := g.encode(v)
		return err
	}, err)
}

func gemToJSON(m *message) (func() error, error) {
	out, err := gem.TTLV(m.bin).MarshalJSON()
	if err != nil {
		return nil, err
	}
	var back gem.TTLV
	if err := back.UnmarshalJSON(out); err != nil {
		return nil, fmt.Errorf("its output does not parse back: %w", err)
	}
	return func() error {
		_, err := gem.TTLV(m.bin).MarshalJSON()
		return err
	}, sameBytes(m, "parsed back", back)
}

func gemFromJSON(m *message) (func() error, error) {
	in, err := gem.TTLV(m.bin).MarshalJSON()
	if err != nil {
		return nil, err
	}
	var t gem.TTLV
	op := func() error {
		t = nil
		return t.UnmarshalJSON(in)
	}
	if err := op(); err != nil {
		return nil, err
	}
	return op, sameBytes(m, "binary", t)
}

// gemXMLEncoder writes a TTLV's XML into a reused buffer.
type gemXMLEncoder struct {
	buf bytes.Buffer
	e   *xml.Encoder
}

func (g *gemXMLEncoder) encode(t gem.TTLV) ([]byte, error) {
	g.buf.Reset()
	if g.e == nil {
		g.e = xml.NewEncoder(&g.buf)
	}
	if err := g.e.Encode(t); err != nil {
		return nil, err
	}
	return g.buf.Bytes(), nil
}

func gemToXML(m *message) (func() error, error) {
	var g gemXMLEncoder
	out, err := g.encode(gem.TTLV(m.bin))
	if err != nil {
		return nil, err
	}
	var back gem.TTLV
	if err := xml.Unmarshal(out, &back); err != nil {
		return nil, fmt.Errorf("its output does not parse back: %w", err)
	}
	return func() error {
		_, err := g.encode(gem.TTLV(m.bin))
		return err
	}, sameBytes(m, "parsed back", back)
}

func gemFromXML(m *message) (func() error, error) {
	var g gemXMLEncoder
	out, err := g.encode(gem.TTLV(m.bin))
	if err != nil {
		return nil, err
	}
	in := bytes.Clone(out)
	var t gem.TTLV
	op := func() error {
		t = nil
		return xml.Unmarshal(in, &t)
	}
	if err := op(); err != nil {
		return nil, err
	}
	return op, sameBytes(m, "binary", t)
}

// gemFrame: Decoder.NextTTLV frames each message off the reader (header
// checked, body read into a new slice).
func gemFrame(m *message) (func() error, error) {
	var r bytes.Reader
	d := gem.NewDecoder(&r)
	check := false
	op := func() error {
		r.Reset(m.frames)
		d.Reset(&r)
		n := 0
		for {
			t, err := d.NextTTLV()
			if err == io.EOF || (err != nil && n == framedCount) {
				break
			}
			if err != nil {
				return fmt.Errorf("frame: message %d: %w", n, err)
			}
			if check {
				if err := sameBytes(m, "frame", t); err != nil {
					return err
				}
			}
			n++
		}
		if n != framedCount {
			return fmt.Errorf("frame: %d messages, want %d", n, framedCount)
		}
		return nil
	}
	check = true
	err := op()
	check = false
	return warm(op, err)
}

package peers

import (
	"bytes"
	"fmt"

	_ "github.com/ovh/kmip-go" // registers the KMIP tag, enumeration and mask names
	ovh "github.com/ovh/kmip-go/ttlv"
)

// github.com/ovh/kmip-go: a reflection-driven encoder and decoder over one
// reader interface for the three forms, with a generic tree (ttlv.Value,
// ttlv.Struct). It has no transcoder: JSON and XML go through the tree.
func init() {
	register(&codec{
		name:  "ovh",
		about: "github.com/ovh/kmip-go v0.9.2",
		paths: map[string]impl{
			"walk":         {prepare: ovhWalk},
			"decode-tree":  {prepare: ovhDecodeTree},
			"encode-value": {prepare: ovhEncodeValue},
			"to-json":      {via: "tree", prepare: ovhToForm(ovh.NewJSONEncoder, ovhFromJSON)},
			"from-json":    {via: "tree", prepare: ovhFromForm(ovh.NewJSONEncoder, ovhFromJSON)},
			"to-xml":       {via: "tree", prepare: ovhToForm(ovh.NewXMLEncoder, ovhFromXML)},
			"from-xml":     {via: "tree", prepare: ovhFromForm(ovh.NewXMLEncoder, ovhFromXML)},
			"frame":        {via: "tree", prepare: ovhFrame},
		},
		forms: map[string]form{
			"json": {read: ovhRead(ovhFromJSON), write: ovhWrite(ovh.NewJSONEncoder)},
			"xml":  {read: ovhRead(ovhFromXML), write: ovhWrite(ovh.NewXMLEncoder)},
		},
	})
}

// ovhWalkStruct visits every item of the current Structure, entering
// each Structure and stepping over every other value: the lightest full
// walk the Decoder offers.
func ovhWalkStruct(d *ovh.Decoder, n *int) error {
	for d.Tag() != 0 {
		*n++
		if d.Type() == ovh.TypeStructure {
			if err := d.Struct(d.Tag(), func(d *ovh.Decoder) error { return ovhWalkStruct(d, n) }); err != nil {
				return err
			}
			continue
		}
		if err := d.Next(); err != nil {
			return err
		}
	}
	return nil
}

func ovhWalk(m *message) (func() error, error) {
	n := 0
	op := func() error {
		d, err := ovh.NewTTLVDecoder(m.bin)
		if err != nil {
			return err
		}
		n = 0
		return ovhWalkStruct(&d, &n)
	}
	if err := op(); err != nil {
		return nil, err
	}
	if n != m.items {
		return nil, fmt.Errorf("walk: %d items, want %d", n, m.items)
	}
	return op, nil
}

func ovhDecode(bin []byte, v *ovh.Value) error {
	d, err := ovh.NewTTLVDecoder(bin)
	if err != nil {
		return err
	}
	return v.DecodeTTLV(&d)
}

// ovhEncode encodes v with e, cleared first (its buffer is reused).
func ovhEncode(e *ovh.Encoder, v *ovh.Value) []byte {
	e.Clear()
	v.EncodeTTLV(e)
	return e.Bytes()
}

func ovhDecodeTree(m *message) (func() error, error) {
	var v ovh.Value
	op := func() error {
		v = ovh.Value{}
		return ovhDecode(m.bin, &v)
	}
	if err := op(); err != nil {
		return nil, err
	}
	return op, sameBytes(m, "decode-tree, re-encoded", ovh.MarshalTTLV(&v))
}

func ovhEncodeValue(m *message) (func() error, error) {
	var v ovh.Value
	if err := ovhDecode(m.bin, &v); err != nil {
		return nil, err
	}
	e := ovh.NewTTLVEncoder()
	return warm(func() error {
		ovhEncode(&e, &v)
		return nil
	}, sameBytes(m, "encode-value", ovhEncode(&e, &v)))
}

func ovhFromJSON(b []byte, v *ovh.Value) error { return ovh.UnmarshalJSON(b, v) }
func ovhFromXML(b []byte, v *ovh.Value) error  { return ovh.UnmarshalXML(b, v) }

// ovhToForm: binary to the text form through the tree (decode, then
// encode with newEnc); the output must parse back (with parse) to the
// message.
func ovhToForm(newEnc func() ovh.Encoder, parse func([]byte, *ovh.Value) error) func(*message) (func() error, error) {
	return func(m *message) (func() error, error) {
		e := newEnc()
		var v ovh.Value
		op := func() error {
			v = ovh.Value{}
			if err := ovhDecode(m.bin, &v); err != nil {
				return err
			}
			ovhEncode(&e, &v)
			return nil
		}
		if err := op(); err != nil {
			return nil, err
		}
		out := bytes.Clone(e.Bytes())
		var back ovh.Value
		if err := parse(out, &back); err != nil {
			return nil, fmt.Errorf("its output does not parse back: %w", err)
		}
		return op, sameBytes(m, "parsed back", ovh.MarshalTTLV(&back))
	}
}

// ovhFromForm: ovh's own text form of the message (written by newEnc) to
// binary through the tree.
func ovhFromForm(newEnc func() ovh.Encoder, parse func([]byte, *ovh.Value) error) func(*message) (func() error, error) {
	return func(m *message) (func() error, error) {
		var v ovh.Value
		if err := ovhDecode(m.bin, &v); err != nil {
			return nil, err
		}
		te := newEnc()
		in := bytes.Clone(ovhEncode(&te, &v))
		e := ovh.NewTTLVEncoder()
		op := func() error {
			v = ovh.Value{}
			if err := parse(in, &v); err != nil {
				return err
			}
			ovhEncode(&e, &v)
			return nil
		}
		if err := op(); err != nil {
			return nil, err
		}
		return op, sameBytes(m, "binary", e.Bytes())
	}
}

// readerStream is the io.ReadWriteCloser ovh's Stream wants, over a
// bytes.Reader.
type readerStream struct{ bytes.Reader }

func (*readerStream) Write(p []byte) (int, error) { return len(p), nil }
func (*readerStream) Close() error                { return nil }

// ovhFrame: ovh's Stream.Recv frames a message and decodes it into the
// value it is given; the generic tree is the only one that takes any
// message.
func ovhFrame(m *message) (func() error, error) {
	var rs readerStream
	var v ovh.Value
	e := ovh.NewTTLVEncoder()
	check := false
	op := func() error {
		rs.Reset(m.frames)
		s := ovh.NewStream(&rs, 0)
		for i := range framedCount {
			v = ovh.Value{}
			if err := s.Recv(&v); err != nil {
				return fmt.Errorf("frame: message %d: %w", i, err)
			}
			if check {
				if err := sameBytes(m, "frame, re-encoded", ovhEncode(&e, &v)); err != nil {
					return err
				}
			}
		}
		if rs.Len() != 0 {
			return fmt.Errorf("frame: %d bytes left", rs.Len())
		}
		return nil
	}
	check = true
	err := op()
	check = false
	return warm(op, err)
}

func ovhRead(parse func([]byte, *ovh.Value) error) func([]byte) ([]byte, error) {
	return func(text []byte) ([]byte, error) {
		var v ovh.Value
		if err := parse(text, &v); err != nil {
			return nil, err
		}
		return ovh.MarshalTTLV(&v), nil
	}
}

func ovhWrite(newEnc func() ovh.Encoder) func([]byte) ([]byte, error) {
	return func(bin []byte) ([]byte, error) {
		var v ovh.Value
		if err := ovhDecode(bin, &v); err != nil {
			return nil, err
		}
		e := newEnc()
		return bytes.Clone(ovhEncode(&e, &v)), nil
	}
}

package peers

import (
	"bytes"
	"fmt"
	"io"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

func init() {
	register(&codec{
		name:  "kmipwire",
		about: "kmipwire (this repository)",
		paths: map[string]impl{
			"walk":         {prepare: kwWalk},
			"decode-tree":  {prepare: kwDecodeTree},
			"encode-value": {prepare: kwEncodeValue},
			"to-json":      {prepare: kwToJSON},
			"from-json":    {prepare: kwFromJSON},
			"to-xml":       {prepare: kwToXML},
			"from-xml":     {prepare: kwFromXML},
			"frame":        {prepare: kwFrame},
		},
		forms: map[string]form{
			"json": {
				read:  func(b []byte) ([]byte, error) { return jsonttlv.AppendBinary(nil, b, jsonttlv.DecodeOptions{}) },
				write: func(b []byte) ([]byte, error) { return jsonttlv.AppendJSON(nil, b, jsonttlv.EncodeOptions{}) },
			},
			"xml": {
				read:  func(b []byte) ([]byte, error) { return xmlttlv.AppendBinary(nil, b, xmlttlv.DecodeOptions{}) },
				write: func(b []byte) ([]byte, error) { return xmlttlv.AppendXML(nil, b, xmlttlv.EncodeOptions{}) },
			},
		},
	})
}

// warm runs op once, so that the timed loop starts with grown buffers.
func warm(op func() error, err error) (func() error, error) {
	if err != nil {
		return nil, err
	}
	if err := op(); err != nil {
		return nil, err
	}
	return op, nil
}

func kwWalk(m *message) (func() error, error) {
	d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
	n := 0
	op := func() error {
		d.Reset(m.bin, ttlv.DecodeOptions{})
		n = 0
		for {
			it, err := d.NextToken()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if it.Type != ttlv.TypeEnd {
				n++
			}
		}
	}
	if err := op(); err != nil {
		return nil, err
	}
	if n != m.items {
		return nil, fmt.Errorf("walk: %d items, want %d", n, m.items)
	}
	return op, nil
}

func kwDecodeTree(m *message) (func() error, error) {
	d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
	var v ttlv.Value
	op := func() error {
		d.Reset(m.bin, ttlv.DecodeOptions{})
		return d.DecodeValue(&v)
	}
	if err := op(); err != nil {
		return nil, err
	}
	return warm(op, sameBytes(m, "decode-tree, re-encoded", ttlv.AppendValue(nil, &v)))
}

func kwEncodeValue(m *message) (func() error, error) {
	var v ttlv.Value
	if err := ttlv.Unmarshal(m.bin, &v); err != nil {
		return nil, err
	}
	v = v.Clone()
	dst := ttlv.AppendValue(nil, &v)
	return warm(func() error {
		dst = ttlv.AppendValue(dst[:0], &v)
		return nil
	}, sameBytes(m, "encode-value", dst))
}

func kwToJSON(m *message) (func() error, error) {
	dst, err := jsonttlv.AppendJSON(nil, m.bin, jsonttlv.EncodeOptions{})
	if err != nil {
		return nil, err
	}
	back, err := jsonttlv.AppendBinary(nil, dst, jsonttlv.DecodeOptions{})
	if err != nil {
		return nil, fmt.Errorf("to-json: its JSON does not parse back: %w", err)
	}
	return warm(func() error {
		dst, err = jsonttlv.AppendJSON(dst[:0], m.bin, jsonttlv.EncodeOptions{})
		return err
	}, sameBytes(m, "to-json, parsed back", back))
}

func kwFromJSON(m *message) (func() error, error) {
	dst, err := jsonttlv.AppendBinary(nil, m.json, jsonttlv.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	return warm(func() error {
		dst, err = jsonttlv.AppendBinary(dst[:0], m.json, jsonttlv.DecodeOptions{})
		return err
	}, sameBytes(m, "from-json", dst))
}

func kwToXML(m *message) (func() error, error) {
	dst, err := xmlttlv.AppendXML(nil, m.bin, xmlttlv.EncodeOptions{})
	if err != nil {
		return nil, err
	}
	back, err := xmlttlv.AppendBinary(nil, dst, xmlttlv.DecodeOptions{})
	if err != nil {
		return nil, fmt.Errorf("to-xml: its XML does not parse back: %w", err)
	}
	return warm(func() error {
		dst, err = xmlttlv.AppendXML(dst[:0], m.bin, xmlttlv.EncodeOptions{})
		return err
	}, sameBytes(m, "to-xml, parsed back", back))
}

func kwFromXML(m *message) (func() error, error) {
	dst, err := xmlttlv.AppendBinary(nil, m.xml, xmlttlv.DecodeOptions{})
	if err != nil {
		return nil, err
	}
	return warm(func() error {
		dst, err = xmlttlv.AppendBinary(dst[:0], m.xml, xmlttlv.DecodeOptions{})
		return err
	}, sameBytes(m, "from-xml", dst))
}

// kwFrame reads the messages one by one with a Decoder over the reader:
// each comes back whole (Item.Value holds its body), header checked,
// without being walked.
func kwFrame(m *message) (func() error, error) {
	var r bytes.Reader
	d := ttlv.NewReaderDecoder(&r, ttlv.DecodeOptions{})
	body := m.bin[ttlv.HeaderSize:]
	check := false
	op := func() error {
		r.Reset(m.frames)
		d.ResetReader(&r, ttlv.DecodeOptions{})
		n := 0
		for {
			it, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return err
			}
			if check && !bytes.Equal(it.Value, body) {
				return fmt.Errorf("frame: message %d differs", n)
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

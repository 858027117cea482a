package bench

import (
	"bytes"
	"fmt"
	"io"
	"testing"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/bench/corpus"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// A message is one corpus entry in both forms.
type message struct {
	corpus.Message
	bin  []byte // binary TTLV
	json []byte // compact JSON, specification dialect
	// items is the number of items of the message, Structures included;
	// aliased the bytes of its Byte String and Big Integer values, which
	// the paths that alias values (path.aliases) step over unread.
	items, aliased int
}

// census counts the items of a message and the bytes of its Byte String
// and Big Integer values.
func census(bin []byte) (items, aliased int, err error) {
	d := ttlv.NewDecoder(bin, ttlv.DecodeOptions{})
	for {
		it, err := d.NextToken()
		if err == io.EOF {
			return items, aliased, nil
		}
		if err != nil {
			return 0, 0, err
		}
		switch it.Type {
		case ttlv.TypeEnd:
			continue
		case ttlv.TypeByteString, ttlv.TypeBigInteger:
			aliased += len(it.Value)
		}
		items++
	}
}

// loadCorpus encodes the whole corpus, generated messages included.
func loadCorpus(tb testing.TB) []message {
	tb.Helper()
	var out []message
	for _, m := range corpus.All() {
		bin := corpus.Encode(m)
		js, err := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{})
		if err != nil {
			tb.Fatalf("%s: to JSON: %v", m.Name, err)
		}
		items, aliased, err := census(bin)
		if err != nil {
			tb.Fatalf("%s: %v", m.Name, err)
		}
		out = append(out, message{m, bin, js, items, aliased})
	}
	return out
}

// A path is one way through the codec. prepare returns the operation to
// measure, with its state (decoder, destination buffer) already allocated
// and warmed, and the number of bytes one operation processes.
type path struct {
	name string
	// requestsOnly: the path takes RequestMessages only (the batch
	// splitter).
	requestsOnly bool
	// allocates: the path does more than coding (the server stores and
	// encrypts) and is exempt from the zero-allocation gate; bench-check
	// still fails when its allocations grow.
	allocates bool
	// aliases: the path steps over Byte String and Big Integer values
	// without reading them (it checks their length, and hands out a
	// sub-slice): MB/s over a message made mostly of them says little,
	// and the benchmark reports their size as aliased-B/op so that the
	// report shows items/s instead.
	aliases bool
	// own, when not nil, replaces the corpus as the path's messages.
	own     []message
	prepare func(m *message) (op func() error, size int)
}

func (p path) applies(m *message) bool {
	return !p.requestsOnly || m.Kind == "RequestMessage"
}

// messages returns the messages p runs over.
func (p path) messages(corpus []message) []*message {
	src := corpus
	if p.own != nil {
		src = p.own
	}
	var out []*message
	for i := range src {
		if p.applies(&src[i]) {
			out = append(out, &src[i])
		}
	}
	return out
}

// suite returns the corpus and every path: the codec paths, then the
// server's.
func suite(tb testing.TB) ([]message, []path) {
	return loadCorpus(tb), append(paths(), serverPaths(tb)...)
}

// walk reads one message token by token: every item, every Structure
// entered — the complete strict validation of a message.
func walk(d *ttlv.Decoder) (items int, err error) {
	for {
		it, err := d.NextToken()
		if err != nil {
			return items, err
		}
		if it.Type == ttlv.TypeEnd {
			if d.Depth() == 0 {
				return items, nil
			}
			continue
		}
		items++
		if it.Type != ttlv.TypeStructure && d.Depth() == 0 {
			return items, nil
		}
	}
}

// equalOut checks a path's output against the expected bytes once, when
// the path is prepared, so that a benchmark measures a correct result.
func equalOut(what string, got, want []byte) error {
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s: output differs from the expected %d bytes (got %d)", what, len(want), len(got))
	}
	return nil
}

func splitAll(s *batch.Splitter, h *batch.Header, err error, it *batch.Item) error {
	if err != nil {
		return err
	}
	n := 0
	for {
		err := s.Next(it)
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		n++
	}
	if n != int(h.BatchCount) {
		return fmt.Errorf("split %d items, BatchCount %d", n, h.BatchCount)
	}
	return nil
}

// paths lists every codec path, in report order.
func paths() []path {
	return []path{
		{name: "walk", aliases: true, prepare: func(m *message) (func() error, int) {
			d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
			return func() error {
				d.Reset(m.bin, ttlv.DecodeOptions{})
				_, err := walk(d)
				return err
			}, len(m.bin)
		}},
		{name: "validate", aliases: true, prepare: func(m *message) (func() error, int) {
			return func() error { return ttlv.Validate(m.bin, ttlv.DecodeOptions{}) }, len(m.bin)
		}},
		{name: "encode", prepare: func(m *message) (func() error, int) {
			e := ttlv.NewEncoder(nil)
			m.Build(e)
			if err := equalOut("encode", e.Bytes(), m.bin); err != nil {
				return func() error { return err }, len(m.bin)
			}
			return func() error {
				e.Reset(nil)
				m.Build(e)
				return e.Err()
			}, len(m.bin)
		}},
		{name: "encode-value", prepare: func(m *message) (func() error, int) {
			var v ttlv.Value
			if err := ttlv.Unmarshal(m.bin, &v); err != nil {
				return func() error { return err }, len(m.bin)
			}
			v = v.Clone()
			dst := ttlv.AppendValue(nil, &v)
			if err := equalOut("encode-value", dst, m.bin); err != nil {
				return func() error { return err }, len(m.bin)
			}
			return func() error {
				dst = ttlv.AppendValue(dst[:0], &v)
				return nil
			}, len(m.bin)
		}},
		{name: "decode-tree", aliases: true, prepare: func(m *message) (func() error, int) {
			d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
			var v ttlv.Value
			return func() error {
				d.Reset(m.bin, ttlv.DecodeOptions{})
				return d.DecodeValue(&v)
			}, len(m.bin)
		}},
		{name: "to-json", prepare: func(m *message) (func() error, int) {
			var dst []byte
			return func() error {
				var err error
				dst, err = jsonttlv.AppendJSON(dst[:0], m.bin, jsonttlv.EncodeOptions{})
				return err
			}, len(m.bin)
		}},
		{name: "from-json", prepare: func(m *message) (func() error, int) {
			dst, err := jsonttlv.AppendBinary(nil, m.json, jsonttlv.DecodeOptions{})
			if err == nil {
				err = equalOut("from-json", dst, m.bin)
			}
			if err != nil {
				return func() error { return err }, len(m.json)
			}
			return func() error {
				var err error
				dst, err = jsonttlv.AppendBinary(dst[:0], m.json, jsonttlv.DecodeOptions{})
				return err
			}, len(m.json)
		}},
		{name: "to-xml", prepare: func(m *message) (func() error, int) {
			var dst []byte
			return func() error {
				var err error
				dst, err = xmlttlv.AppendXML(dst[:0], m.bin, xmlttlv.EncodeOptions{})
				return err
			}, len(m.bin)
		}},
		{name: "from-xml", prepare: func(m *message) (func() error, int) {
			x, err := xmlttlv.AppendXML(nil, m.bin, xmlttlv.EncodeOptions{})
			var dst []byte
			if err == nil {
				dst, err = xmlttlv.AppendBinary(nil, x, xmlttlv.DecodeOptions{})
			}
			if err == nil {
				err = equalOut("from-xml", dst, m.bin)
			}
			if err != nil {
				return func() error { return err }, len(x)
			}
			return func() error {
				var err error
				dst, err = xmlttlv.AppendBinary(dst[:0], x, xmlttlv.DecodeOptions{})
				return err
			}, len(x)
		}},
		{name: "typed-unmarshal", aliases: true, prepare: func(m *message) (func() error, int) {
			v, err := typedMessage(m)
			if err != nil {
				return func() error { return err }, len(m.bin)
			}
			return func() error { return v.UnmarshalTTLV(m.bin) }, len(m.bin)
		}},
		{name: "typed-marshal", prepare: func(m *message) (func() error, int) {
			v, err := typedMessage(m)
			if err != nil {
				return func() error { return err }, len(m.bin)
			}
			dst := v.AppendTTLV(nil, kmip.V2_1)
			if err := equalOut("typed-marshal", dst, m.bin); err != nil {
				return func() error { return err }, len(m.bin)
			}
			return func() error {
				dst = v.AppendTTLV(dst[:0], kmip.V2_1)
				return nil
			}, len(m.bin)
		}},
		{name: "split", aliases: true, requestsOnly: true, prepare: func(m *message) (func() error, int) {
			var s batch.Splitter
			var it batch.Item
			return func() error {
				h, err := s.Reset(m.bin, batch.Options{})
				return splitAll(&s, h, err, &it)
			}, len(m.bin)
		}},
		{name: "split-stream", requestsOnly: true, prepare: func(m *message) (func() error, int) {
			var s batch.Splitter
			var it batch.Item
			var r bytes.Reader
			return func() error {
				r.Reset(m.bin)
				h, err := s.ResetReader(&r, batch.Options{})
				return splitAll(&s, h, err, &it)
			}, len(m.bin)
		}},
		{name: "split-json", requestsOnly: true, prepare: func(m *message) (func() error, int) {
			var s batch.Splitter
			var it batch.Item
			return func() error {
				h, err := s.ResetJSON(m.json, batch.Options{}, jsonttlv.DecodeOptions{})
				return splitAll(&s, h, err, &it)
			}, len(m.json)
		}},
	}
}

// typedMessage decodes m into package kmip's typed message of its kind.
func typedMessage(m *message) (interface {
	UnmarshalTTLV(b []byte) error
	AppendTTLV(b []byte, ver kmip.Version) []byte
}, error) {
	if m.Kind == "ResponseMessage" {
		var v kmip.ResponseMessage
		return &v, v.UnmarshalTTLV(m.bin)
	}
	var v kmip.RequestMessage
	return &v, v.UnmarshalTTLV(m.bin)
}

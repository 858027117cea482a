// Package fuzz holds kmipwire's fuzz targets: the native ones
// (fuzz_test.go, `go test -fuzz`), the go-fuzz entry points (package
// gofuzz, for github.com/dvyukov/go-fuzz) and the OSS-Fuzz integration
// (oss-fuzz/). Both kinds call
// the same checks, in this file, which return an error describing the
// broken property:
//
//   - Decode: the Decoder's walk, Validate and the tree decoder agree on
//     every input (the same error, a *ttlv.Error inside the input), and an
//     accepted message re-encodes to exactly its bytes.
//   - FromJSON: JSON input either fails with a *jsonttlv.Error or yields
//     strictly valid TTLV that survives binary → JSON → binary; strict mode
//     accepts only what encoding/json accepts.
//   - RoundTrip: every binary input ttlv accepts goes binary → JSON → binary
//     byte-exact in every output option set, and every input it rejects,
//     AppendJSON rejects.
//   - Split: batch.Splitter agrees with the tree decoder on the items of a
//     RequestMessage, in binary, streamed and JSON form.
//   - Serve (serve.go): the in-process server (kmipserver) answers any
//     bytes with a valid ResponseMessage, never more results than items,
//     and the JSON form of a valid request with JSON of a valid response.
//   - Typed (typed.go): package kmip's typed messages decode any bytes
//     without panicking, failing with a *kmip.DecodeError inside the input,
//     and what they accept encodes back byte-exact (reused value and Clone
//     too).
//   - Chunked: reader-backed decoding (ttlv.NewReaderDecoder,
//     batch.Splitter.ResetReader) over one-byte and random-size chunks gives
//     the result of decoding the whole buffer.
//
// Inputs are bounded (MaxInput) so a fuzzer spends its time on structure.
package fuzz

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing/iotest"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// MaxInput bounds the inputs the checks look at; longer ones are ignored
// (reported as not accepted).
const MaxInput = 1 << 20

// decodeOpts is strict with a message size bound at MaxInput.
var decodeOpts = ttlv.DecodeOptions{MaxMessageSize: MaxInput}

// walk visits every item of the one message in a byte-slice Decoder with
// NextToken, as a transcoder does, up to the end of the input (so that
// trailing bytes are an error), and returns the error.
func walk(d *ttlv.Decoder) error {
	for {
		_, err := d.NextToken()
		if err == io.EOF && d.Depth() == 0 {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// ttlvError checks that err is a *ttlv.Error pointing inside an input of n
// bytes, wrapping a sentinel.
func ttlvError(what string, err error, n int) error {
	var te *ttlv.Error
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: error %T is not a *ttlv.Error: %v", what, err, err)
	}
	if te.Offset < 0 || te.Offset > int64(n) {
		return fmt.Errorf("%s: offset %d outside the %d-byte input: %v", what, te.Offset, n, err)
	}
	if sentinel(err) == nil {
		return fmt.Errorf("%s: error wraps no ttlv sentinel: %v", what, err)
	}
	return nil
}

var sentinels = []error{ttlv.ErrTruncated, ttlv.ErrType, ttlv.ErrLength, ttlv.ErrPadding, ttlv.ErrBoolean,
	ttlv.ErrUTF8, ttlv.ErrOverrun, ttlv.ErrDepth, ttlv.ErrTooLarge, ttlv.ErrTrailing, ttlv.ErrSyntax}

func sentinel(err error) error {
	for _, s := range sentinels {
		if errors.Is(err, s) {
			return s
		}
	}
	return nil
}

// Decode checks the binary decoders against each other on in. It reports
// whether in is an accepted message.
func Decode(in []byte) (bool, error) {
	if len(in) == 0 || len(in) > MaxInput {
		return false, nil
	}
	walkErr := walk(ttlv.NewDecoder(in, decodeOpts))
	vErr := ttlv.Validate(in, decodeOpts)
	if (vErr == nil) != (walkErr == nil) || (vErr != nil && vErr.Error() != walkErr.Error()) {
		return false, fmt.Errorf("ttlv.Validate: %v\nDecoder walk: %v", vErr, walkErr)
	}
	var v ttlv.Value
	treeErr := ttlv.UnmarshalOptions(in, &v, decodeOpts)
	if (treeErr == nil) != (walkErr == nil) {
		return false, fmt.Errorf("tree: %v\nDecoder walk: %v", treeErr, walkErr)
	}
	if walkErr != nil {
		if err := ttlvError("walk", walkErr, len(in)); err != nil {
			return false, err
		}
		return false, ttlvError("tree", treeErr, len(in))
	}
	if out := ttlv.Marshal(&v); !bytes.Equal(out, in) {
		return true, fmt.Errorf("re-encoding differs:\n in %x\nout %x", in, out)
	}
	// Decoding again into the grown tree gives the same tree.
	c := v.Clone()
	if err := ttlv.UnmarshalOptions(in, &v, decodeOpts); err != nil || !v.Equal(&c) {
		return true, fmt.Errorf("second decode into the reused tree: %v", err)
	}
	return true, nil
}

// jsonOptionSets are the output configurations RoundTrip runs under.
var jsonOptionSets = []struct {
	name string
	opts jsonttlv.EncodeOptions
}{
	{"compact", jsonttlv.EncodeOptions{}},
	{"indent", jsonttlv.EncodeOptions{Indent: " "}},
	{"hex", jsonttlv.EncodeOptions{HexTags: true, Names: true, OmitStructureType: true}},
	{"cosmian", jsonttlv.EncodeOptions{Dialect: jsonttlv.DialectCosmian}},
}

// RoundTrip checks binary → JSON → binary on in. It reports whether in is
// an accepted message.
func RoundTrip(in []byte) (bool, error) {
	if len(in) > MaxInput {
		return false, nil
	}
	valid := len(in) > 0 && ttlv.Validate(in, decodeOpts) == nil
	var js, back []byte
	for _, o := range jsonOptionSets {
		o.opts.Decode = decodeOpts
		var err error
		js, err = jsonttlv.AppendJSON(js[:0], in, o.opts)
		if (err == nil) != valid {
			return valid, fmt.Errorf("%s: Validate accepts: %v, AppendJSON: %v", o.name, valid, err)
		}
		if err != nil {
			if len(in) > 0 {
				if err := ttlvError("AppendJSON "+o.name, err, len(in)); err != nil {
					return false, err
				}
			}
			continue
		}
		if !json.Valid(js) {
			return true, fmt.Errorf("%s: AppendJSON wrote invalid JSON: %s", o.name, js)
		}
		back, err = jsonttlv.AppendBinary(back[:0], js, jsonttlv.DecodeOptions{})
		if err != nil || !bytes.Equal(back, in) {
			return true, fmt.Errorf("%s: binary → JSON → binary: %v\n in %x\nout %x\n%s", o.name, err, in, back, js)
		}
	}
	return valid, nil
}

// FromJSON checks the JSON reader on in, strict and lenient. It reports
// whether the strict reader accepted in.
func FromJSON(in []byte) (bool, error) {
	if len(in) > MaxInput {
		return false, nil
	}
	accepted := false
	for _, lenient := range []bool{false, true} {
		bin, err := jsonttlv.AppendBinary(nil, in, jsonttlv.DecodeOptions{Lenient: lenient})
		if err != nil {
			var je *jsonttlv.Error
			if !errors.As(err, &je) {
				return false, fmt.Errorf("lenient=%v: error %T is not a *jsonttlv.Error: %v", lenient, err, err)
			}
			if je.Line < 1 || je.Column < 1 || je.Offset < 0 || je.Offset > int64(len(in)) {
				return false, fmt.Errorf("lenient=%v: position line %d column %d offset %d outside the input: %v", lenient, je.Line, je.Column, je.Offset, err)
			}
			if !lenient {
				continue
			}
			if accepted {
				return true, fmt.Errorf("strict accepts, lenient rejects: %v", err)
			}
			continue
		}
		if !lenient {
			accepted = true
			if !json.Valid(in) {
				return true, fmt.Errorf("strict mode accepted JSON that encoding/json rejects: %q", in)
			}
		}
		if len(bin) > len(in) {
			return accepted, fmt.Errorf("lenient=%v: %d bytes of binary from %d bytes of JSON", lenient, len(bin), len(in))
		}
		if err := ttlv.Validate(bin, ttlv.DecodeOptions{}); err != nil {
			return accepted, fmt.Errorf("lenient=%v: output does not validate: %v", lenient, err)
		}
		js, err := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{})
		if err != nil {
			return accepted, fmt.Errorf("lenient=%v: output back to JSON: %v", lenient, err)
		}
		back, err := jsonttlv.AppendBinary(nil, js, jsonttlv.DecodeOptions{})
		if err != nil || !bytes.Equal(back, bin) {
			return accepted, fmt.Errorf("lenient=%v: binary → JSON → binary: %v\n%s", lenient, err, js)
		}
	}
	return accepted, nil
}

// A splitResult is what a Splitter made of a message: its header, each
// item (copied) or its item error, and the final error.
type splitResult struct {
	hdr   batch.Header
	items []splitItem
	err   error // io.EOF for a clean end
}

type splitItem struct {
	op    uint32
	id    []byte
	raw   []byte
	ext   []byte
	pay   []byte
	eph   bool
	err   error
	index int
}

// split runs a Splitter prepared by reset to its end.
func split(s *batch.Splitter, reset func() (*batch.Header, error)) splitResult {
	var r splitResult
	h, err := reset()
	if err != nil {
		r.err = err
		return r
	}
	r.hdr = *h
	r.hdr.Raw = bytes.Clone(h.Raw)
	var it batch.Item
	for range MaxInput {
		err := s.Next(&it)
		var be *batch.Error
		if err == nil || (errors.As(err, &be) && be.Item == it.Index && be.Item >= 0 && it.Raw != nil) {
			r.items = append(r.items, splitItem{op: it.Operation, id: bytes.Clone(it.ID), raw: bytes.Clone(it.Raw),
				ext: bytes.Clone(it.Extensions), pay: bytes.Clone(it.Payload), eph: it.Ephemeral, err: err, index: it.Index})
			it = batch.Item{}
			continue
		}
		r.err = err
		return r
	}
	r.err = errors.New("no end")
	return r
}

// sameSplit compares two split results.
func sameSplit(a, b splitResult) error {
	if (a.err == nil) != (b.err == nil) || (a.err != nil && a.err.Error() != b.err.Error()) {
		return fmt.Errorf("final error %v / %v", a.err, b.err)
	}
	if !bytes.Equal(a.hdr.Raw, b.hdr.Raw) || a.hdr.BatchCount != b.hdr.BatchCount || a.hdr.Major != b.hdr.Major || a.hdr.Minor != b.hdr.Minor {
		return fmt.Errorf("headers differ")
	}
	if len(a.items) != len(b.items) {
		return fmt.Errorf("%d / %d items", len(a.items), len(b.items))
	}
	for i := range a.items {
		x, y := a.items[i], b.items[i]
		if (x.err == nil) != (y.err == nil) || x.op != y.op || x.eph != y.eph || x.index != y.index ||
			!bytes.Equal(x.id, y.id) || !bytes.Equal(x.raw, y.raw) || !bytes.Equal(x.pay, y.pay) || !bytes.Equal(x.ext, y.ext) {
			return fmt.Errorf("item %d differs: %v / %v", i, x.err, y.err)
		}
	}
	return nil
}

// Split checks batch.Splitter against the tree decoder on in, and its
// JSON and streamed forms against its binary form. It reports whether the
// split went through without any error.
func Split(in []byte) (bool, error) {
	if len(in) == 0 || len(in) > MaxInput {
		return false, nil
	}
	opts := batch.Options{Decode: decodeOpts}
	var s batch.Splitter
	r := split(&s, func() (*batch.Header, error) { return s.Reset(in, opts) })
	clean := r.err == io.EOF
	for _, it := range r.items {
		if it.err != nil {
			clean = false
		}
	}

	var v ttlv.Value
	treeErr := ttlv.UnmarshalOptions(in, &v, decodeOpts)
	if treeErr == nil && v.Tag == ttlv.TagRequestMessage && v.Type == ttlv.TypeStructure {
		// Every item the Splitter yields is the BatchItem of that index
		// in the tree; a clean split yields them all.
		var items []*ttlv.Value
		for i := range v.Children {
			if v.Children[i].Tag == ttlv.TagBatchItem {
				items = append(items, &v.Children[i])
			}
		}
		for _, it := range r.items {
			if it.index >= len(items) {
				return clean, fmt.Errorf("item %d beyond the tree's %d BatchItems", it.index, len(items))
			}
			if want := ttlv.AppendValue(nil, items[it.index]); !bytes.Equal(it.raw, want) {
				return clean, fmt.Errorf("item %d: Raw differs from the tree's BatchItem", it.index)
			}
			if it.err != nil {
				continue
			}
			if op := items[it.index].Child(ttlv.TagOperation); op != nil && op.Type == ttlv.TypeEnumeration && uint32(op.Num) != it.op {
				return clean, fmt.Errorf("item %d: Operation %#x, tree %#x", it.index, it.op, op.Num)
			}
			if p := items[it.index].Child(ttlv.TagRequestPayload); p != nil && it.pay != nil && !bytes.Equal(it.pay, ttlv.AppendValue(nil, p)) {
				return clean, fmt.Errorf("item %d: Payload differs from the tree's", it.index)
			}
		}
		if clean && len(r.items) != len(items) {
			return clean, fmt.Errorf("clean split of %d items, tree has %d BatchItems", len(r.items), len(items))
		}
	}
	if clean && treeErr != nil {
		return clean, fmt.Errorf("split accepts every item, tree decoder: %v", treeErr)
	}
	if !clean && r.err != nil && r.err != io.EOF {
		var be *batch.Error
		var te *ttlv.Error
		if !errors.As(r.err, &be) && !errors.As(r.err, &te) {
			return clean, fmt.Errorf("split error %T is neither *batch.Error nor *ttlv.Error: %v", r.err, r.err)
		}
	}

	// The stream form, delivered a byte at a time, in random chunks, or
	// with io.EOF alongside the last bytes, splits alike when the message
	// is whole (a stream may hold several messages: compare only when the
	// slice split reached its end).
	if r.err == io.EOF || clean {
		for _, rd := range []struct {
			name string
			r    io.Reader
		}{
			{"1-byte", iotest.OneByteReader(bytes.NewReader(in))},
			{"random", &chunkReader{in, seedOf(in)}},
			{"data+EOF", iotest.DataErrReader(bytes.NewReader(in))},
		} {
			var ss batch.Splitter
			rs := split(&ss, func() (*batch.Header, error) { return ss.ResetReader(rd.r, opts) })
			if err := sameSplit(r, rs); err != nil {
				return clean, fmt.Errorf("ResetReader (%s reads) vs Reset: %w", rd.name, err)
			}
		}
	}

	// The JSON form of an accepted message splits alike.
	if treeErr == nil {
		js, err := jsonttlv.AppendJSON(nil, in, jsonttlv.EncodeOptions{Decode: decodeOpts})
		if err != nil {
			return clean, fmt.Errorf("AppendJSON of a valid message: %v", err)
		}
		var sj batch.Splitter
		rj := split(&sj, func() (*batch.Header, error) { return sj.ResetJSON(js, opts, jsonttlv.DecodeOptions{}) })
		if err := sameSplit(r, rj); err != nil {
			return clean, fmt.Errorf("ResetJSON vs Reset: %w", err)
		}
	}
	return clean, nil
}

// chunkReader returns reads of pseudo-random sizes from 1 to 64 bytes,
// drawn from seed (xorshift), sometimes with io.EOF alongside the last
// bytes, as real readers may.
type chunkReader struct {
	b    []byte
	seed uint64
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if len(c.b) == 0 {
		return 0, io.EOF
	}
	c.seed ^= c.seed << 13
	c.seed ^= c.seed >> 7
	c.seed ^= c.seed << 17
	n := min(int(c.seed%64)+1, len(p), len(c.b))
	copy(p, c.b[:n])
	c.b = c.b[n:]
	if len(c.b) == 0 && c.seed&1 == 1 {
		return n, io.EOF
	}
	return n, nil
}

// seedOf derives a chunking seed from the input (FNV-1a), so the go-fuzz
// and native targets, which get only bytes, chunk reproducibly.
func seedOf(in []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range in {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h | 1
}

// Chunked checks that a reader-backed Decoder over 1-byte and random-size
// reads yields the items of the byte-slice Decoder over the whole input
// (a sequence of messages), and fails at the same offset with the same
// sentinel. It reports whether the input was accepted.
func Chunked(in []byte) (bool, error) {
	if len(in) == 0 || len(in) > MaxInput {
		return false, nil
	}
	seqOpts := decodeOpts
	seqOpts.Sequence = true
	want, wantErr := walkSeq(ttlv.NewDecoder(in, seqOpts))
	for _, rd := range []struct {
		name string
		r    io.Reader
	}{
		{"1-byte", iotest.OneByteReader(bytes.NewReader(in))},
		{"random", &chunkReader{in, seedOf(in)}},
		{"half", iotest.HalfReader(bytes.NewReader(in))},
	} {
		got, gotErr := walkSeq(ttlv.NewReaderDecoder(rd.r, decodeOpts))
		n := min(len(got), len(want))
		for i := range n {
			if got[i].Tag != want[i].Tag || got[i].Type != want[i].Type ||
				(want[i].Type != ttlv.TypeStructure && !bytes.Equal(got[i].Value, want[i].Value)) {
				return false, fmt.Errorf("%s reads: item %d differs", rd.name, i)
			}
		}
		if (wantErr == nil) != (gotErr == nil) {
			return false, fmt.Errorf("%s reads: %v, whole buffer: %v", rd.name, gotErr, wantErr)
		}
		if wantErr == nil {
			if len(got) != len(want) {
				return false, fmt.Errorf("%s reads: %d items, whole buffer %d", rd.name, len(got), len(want))
			}
			continue
		}
		var we, ge *ttlv.Error
		if !errors.As(wantErr, &we) || !errors.As(gotErr, &ge) {
			return false, fmt.Errorf("%s reads: errors %T / %T: %v / %v", rd.name, gotErr, wantErr, gotErr, wantErr)
		}
		// A stream cut short is truncated where the slice decoder may see
		// a Structure overrun first; compare where both read the same.
		if we.Offset == ge.Offset && sentinel(wantErr) != sentinel(gotErr) &&
			!errors.Is(gotErr, ttlv.ErrTruncated) && !errors.Is(wantErr, ttlv.ErrTruncated) {
			return false, fmt.Errorf("%s reads: %v\nwhole buffer: %v", rd.name, gotErr, wantErr)
		}
	}
	return wantErr == nil, nil
}

// walkSeq walks every message of a Decoder over a sequence, copying each
// item's value (a reader-backed Decoder reuses its buffer).
func walkSeq(d *ttlv.Decoder) ([]ttlv.Item, error) {
	var out []ttlv.Item
	for {
		it, err := d.NextToken()
		if err == io.EOF && d.Depth() == 0 {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if it.Type == ttlv.TypeEnd {
			continue
		}
		it.Value = bytes.Clone(it.Value)
		out = append(out, it)
	}
}

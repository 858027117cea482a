package kmip_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// TestDecodeTTLV reads messages one after another from an io.Reader with a
// ttlv.Decoder, each into the same typed value, and compares them with
// UnmarshalTTLV's.
func TestDecodeTTLV(t *testing.T) {
	var stream []byte
	var msgs [][]byte
	for _, f := range []string{"get.ttlv", "get-batch-100.ttlv", "seed-createkeypair-locate.ttlv"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", f))
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, b)
		stream = append(stream, b...)
	}
	d := ttlv.NewReaderDecoder(bytes.NewReader(stream), ttlv.DecodeOptions{})
	var got kmip.RequestMessage
	for i, b := range msgs {
		if err := got.DecodeTTLV(d); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		var want kmip.RequestMessage
		if err := want.UnmarshalTTLV(b); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(&want, &got, ignoreDecodeState); diff != "" {
			t.Fatalf("message %d (-UnmarshalTTLV +DecodeTTLV):\n%s", i, diff)
		}
		if out := got.AppendTTLV(nil, kmip.V1_4); !bytes.Equal(out, b) {
			t.Fatalf("message %d: re-encoding differs", i)
		}
	}
	if err := got.DecodeTTLV(d); !errors.Is(err, io.EOF) {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
}

// TestDecodeErrors: bad input gives a *kmip.DecodeError with the offset
// inside the input and the tag path, never a panic, for every truncation
// and every single-byte corruption of a message.
func TestDecodeErrors(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", "get.ttlv"))
	if err != nil {
		t.Fatal(err)
	}
	var m kmip.RequestMessage
	for i := 0; i < len(b); i++ {
		err := m.UnmarshalTTLV(b[:i])
		var de *kmip.DecodeError
		if !errors.As(err, &de) || de.Offset < 0 || de.Offset > i {
			t.Fatalf("truncated at %d: %v", i, err)
		}
	}
	for i := range b {
		c := append([]byte(nil), b...)
		c[i] ^= 0xFF
		if err := m.UnmarshalTTLV(c); err != nil {
			var de *kmip.DecodeError
			if !errors.As(err, &de) || de.Offset < 0 || de.Offset > len(c) {
				t.Fatalf("byte %d flipped: %v", i, err)
			}
		} else if out := m.AppendTTLV(nil, kmip.V1_4); !bytes.Equal(out, c) {
			t.Fatalf("byte %d flipped: accepted, but re-encodes differently", i)
		}
	}
	// An Integer whose length is 8: the error names the offset and path.
	bad := append([]byte(nil), b...)
	i := bytes.Index(bad, []byte{0x42, 0x00, 0x0D, 0x02}) // BatchCount Integer
	bad[i+7] = 8
	err = m.UnmarshalTTLV(bad)
	var de *kmip.DecodeError
	if !errors.As(err, &de) || de.Offset != i || !strings.Contains(err.Error(), "RequestMessage/RequestHeader/BatchCount") {
		t.Fatalf("bad BatchCount length: %v (offset %d)", err, i)
	}
	if !errors.Is(err, ttlv.ErrLength) {
		t.Errorf("bad BatchCount length: %v does not wrap ttlv.ErrLength", err)
	}
	// A ResponseMessage is not a RequestMessage.
	var resp kmip.ResponseMessage
	if err := resp.UnmarshalTTLV(b); !errors.Is(err, kmip.ErrWrongItem) {
		t.Errorf("a request as a response: %v, want ErrWrongItem", err)
	}
}

// TestLocateRange: a Locate's two Initial Dates (a range): the field holds
// the first, RangeEnd the second (not an unknown item), and the message
// round-trips.
func TestLocateRange(t *testing.T) {
	from, to := time.Unix(1700000000, 0).UTC(), time.Unix(1800000000, 0).UTC()
	b, mark := ttlv.BeginStructure(nil, ttlv.TagRequestPayload)
	var am int
	b, am = ttlv.BeginStructure(b, ttlv.TagAttributes)
	b = ttlv.AppendDateTime(b, ttlv.TagInitialDate, from.Unix())
	b = ttlv.AppendDateTime(b, ttlv.TagInitialDate, to.Unix())
	ttlv.EndStructure(b, am)
	ttlv.EndStructure(b, mark)
	var p kmip.LocateRequestPayload
	if err := p.UnmarshalTTLV(b); err != nil {
		t.Fatal(err)
	}
	end, ok := p.Attributes.RangeEnd(ttlv.TagInitialDate)
	if !p.Attributes.InitialDate.Value.Equal(from) || !ok || !end.Equal(to) {
		t.Fatalf("range %v – %v (%v)", p.Attributes.InitialDate, end, ok)
	}
	if _, ok := p.Attributes.RangeEnd(ttlv.TagActivationDate); ok {
		t.Error("a range end for an attribute not given")
	}
	if u := p.Unknown(); len(u) != 0 {
		t.Errorf("the range end listed as unknown: %v", u)
	}
	if out := p.AppendTTLV(nil, kmip.V2_1); !bytes.Equal(out, b) {
		t.Error("round trip differs")
	}
}

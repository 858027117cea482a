package ttlv

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf8"
)

// walk visits every item below the current position, entering every
// Structure, and returns the first error.
func walk(d *Decoder) error {
	for {
		it, err := d.Next()
		if err == io.EOF {
			if d.Depth() == 0 {
				return nil
			}
			if err := d.Leave(); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return err
		}
		if it.Type == TypeStructure {
			if err := d.Enter(); err != nil {
				return err
			}
		}
	}
}

func h(s string) []byte {
	b, err := hex.DecodeString(strings.NewReplacer(" ", "", "|", "").Replace(s))
	if err != nil {
		panic(err)
	}
	return b
}

// nested returns n Structures, each the only child of the one before.
func nested(n int) []byte {
	b := make([]byte, 0, 8*n)
	for i := 0; i < n; i++ {
		b = AppendHeader(b, 0x420020, TypeStructure, uint32(8*(n-1-i)))
	}
	return b
}

var malformed = []struct {
	name   string
	in     []byte
	opts   DecodeOptions
	want   error
	offset int64
	path   string
}{
	{"empty header", h(""), DecodeOptions{}, nil, 0, ""},
	{"truncated header", h("420078 01 0000"), DecodeOptions{}, ErrTruncated, 0, "/"},
	{"truncated value", h("420020 02 00000004 0000"), DecodeOptions{}, ErrTruncated, 0, "/CompromiseDate"},
	{"truncated padding", h("420020 02 00000004 00000008"), DecodeOptions{}, ErrTruncated, 0, "/CompromiseDate"},
	{"Integer of length 8", h("42006A 02 00000008 00000000 00000001"), DecodeOptions{}, ErrLength, 0, "/ProtocolVersionMajor"},
	{"LongInteger of length 4", h("420020 03 00000004 00000001 00000000"), DecodeOptions{}, ErrLength, 0, "/CompromiseDate"},
	{"Boolean of length 1", h("420020 06 00000001 01000000 00000000"), DecodeOptions{}, ErrLength, 0, "/CompromiseDate"},
	{"BigInteger of length 12", h("420020 04 0000000C 00000000 00000000 00000001 00000000"), DecodeOptions{}, ErrLength, 0, "/CompromiseDate"},
	{"Structure of length 4", h("420078 01 00000004 00000000"), DecodeOptions{}, ErrLength, 0, "/RequestMessage"},
	{"non-zero padding", h("420020 02 00000004 00000008 00000001"), DecodeOptions{}, ErrPadding, 0, "/CompromiseDate"},
	{"non-zero text padding", h("420020 07 00000001 41000000 0000FF00"), DecodeOptions{}, ErrPadding, 0, "/CompromiseDate"},
	{"Boolean 2", h("420020 06 00000008 00000000 00000002"), DecodeOptions{}, ErrBoolean, 0, "/CompromiseDate"},
	{"invalid UTF-8", h("420020 07 00000002 C328000000000000"), DecodeOptions{}, ErrUTF8, 0, "/CompromiseDate"},
	{"type byte 0x00", h("420020 00 00000000"), DecodeOptions{}, ErrType, 0, "/CompromiseDate"},
	{"type byte 0x0F", h("420020 0F 00000008 00000000 00000000"), DecodeOptions{}, ErrType, 0, "/CompromiseDate"},
	// The KMIP 3.0 draft's text types are checked as Text Strings are.
	{"Identifier", h("420094 0C 00000003 41424300 00000000"), DecodeOptions{}, nil, 0, ""},
	{"empty Reference", h("420094 0D 00000000"), DecodeOptions{}, nil, 0, ""},
	{"Identifier padding", h("420094 0C 00000001 41000000 00000100"), DecodeOptions{}, ErrPadding, 0, "/UniqueIdentifier"},
	{"Reference padding", h("420094 0D 00000001 41000000 00000100"), DecodeOptions{}, ErrPadding, 0, "/UniqueIdentifier"},
	{"Name Reference UTF-8", h("420094 0E 00000002 C328000000000000"), DecodeOptions{}, ErrUTF8, 0, "/UniqueIdentifier"},
	{"Identifier UTF-8", h("420094 0C 00000001 FF00000000000000"), DecodeOptions{}, ErrUTF8, 0, "/UniqueIdentifier"},
	{"lax Identifier UTF-8", h("420094 0C 00000001 FF00000000000000"), DecodeOptions{Lax: LaxUTF8}, nil, 0, ""},
	{"Identifier truncated", h("420094 0C 00000009 4141414141414141"), DecodeOptions{}, ErrTruncated, 0, "/UniqueIdentifier"},
	{"child overruns its Structure", h("420078 01 00000010 | 420077 01 00000008 | 42006A 02 00000004 00000001 00000000"),
		DecodeOptions{}, ErrOverrun, 16, "/RequestMessage/RequestHeader/ProtocolVersionMajor"},
	{"Structure overruns its parent", h("420078 01 00000010 | 420077 01 00000020 | 0000000000000000"),
		DecodeOptions{}, ErrOverrun, 8, "/RequestMessage/RequestHeader"},
	{"length 0xFFFFFFFF at top", h("420020 07 FFFFFFFF 4141414141414141"), DecodeOptions{}, ErrTooLarge, 0, "/CompromiseDate"},
	{"length 0xFFFFFFFF nested", h("420078 01 00000010 | 420020 07 FFFFFFFF 4141414141414141"),
		DecodeOptions{}, ErrOverrun, 8, "/RequestMessage/CompromiseDate"},
	{"message over the size limit", h("420020 07 00000010 41414141414141414141414141414141"),
		DecodeOptions{MaxMessageSize: 16}, ErrTooLarge, 0, "/CompromiseDate"},
	{"depth bomb", nested(100_000), DecodeOptions{}, ErrDepth, 8 * DefaultMaxDepth, ""},
	{"depth over a small limit", nested(5), DecodeOptions{MaxDepth: 4}, ErrDepth, 32, ""},
	{"depth at the limit", nested(4), DecodeOptions{MaxDepth: 4}, nil, 0, ""},
	{"trailing bytes", h("420020 02 00000004 00000008 00000000 | 00"), DecodeOptions{}, ErrTrailing, 16, ""},
	{"trailing item", h("420020 02 00000004 00000008 00000000 | 420020 02 00000004 00000008 00000000"),
		DecodeOptions{}, ErrTrailing, 16, ""},
	{"sequence allowed", h("420020 02 00000004 00000008 00000000 | 420020 02 00000004 00000008 00000000"),
		DecodeOptions{Sequence: true}, nil, 0, ""},
	{"lax padding", h("420020 02 00000004 00000008 00000001"), DecodeOptions{Lax: LaxPadding}, nil, 0, ""},
	{"lax boolean", h("420020 06 00000008 00000000 00000002"), DecodeOptions{Lax: LaxBoolean}, nil, 0, ""},
	{"lax trailing", h("420020 02 00000004 00000008 00000000 | 00"), DecodeOptions{Lax: LaxTrailing}, nil, 0, ""},
}

func TestMalformed(t *testing.T) {
	for _, tc := range malformed {
		t.Run(tc.name, func(t *testing.T) {
			d := NewDecoder(tc.in, tc.opts)
			checkDecodeErr(t, "bytes", walk(d), tc.want, tc.offset, tc.path)
			want := tc.want
			if len(tc.in) == 0 {
				want = ErrTruncated // a message is never empty
			}
			checkDecodeErr(t, "Validate", Validate(tc.in, tc.opts), want, tc.offset, tc.path)
		})
	}
}

// TestMalformedReader feeds the same inputs through a reader-backed
// Decoder, whole and a byte at a time, with and without bufio: the error
// is the same. Trailing bytes are not an error on a stream, where they are
// the start of the next message.
func TestMalformedReader(t *testing.T) {
	readers := map[string]func([]byte) io.Reader{
		"plain":        func(b []byte) io.Reader { return bytes.NewReader(b) },
		"one-byte":     func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) },
		"bufio":        func(b []byte) io.Reader { return bufio.NewReader(bytes.NewReader(b)) },
		"bufio-small":  func(b []byte) io.Reader { return bufio.NewReaderSize(iotest.HalfReader(bytes.NewReader(b)), 16) },
		"data-err-eof": func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) },
	}
	for _, tc := range malformed {
		if tc.want == ErrTrailing || tc.opts.Sequence || tc.opts.Lax&LaxTrailing != 0 {
			continue
		}
		for rname, mk := range readers {
			t.Run(tc.name+"/"+rname, func(t *testing.T) {
				d := NewReaderDecoder(mk(tc.in), tc.opts)
				checkDecodeErr(t, rname, walk(d), tc.want, tc.offset, tc.path)
			})
		}
	}
}

func checkDecodeErr(t *testing.T, how string, err, want error, offset int64, path string) {
	t.Helper()
	if want == nil {
		if err != nil {
			t.Fatalf("%s: unexpected error %v", how, err)
		}
		return
	}
	if !errors.Is(err, want) {
		t.Fatalf("%s: got %v, want %v", how, err, want)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %v is not a *ttlv.Error", how, err)
	}
	if e.Offset != offset {
		t.Errorf("%s: offset %d, want %d (%v)", how, e.Offset, offset, err)
	}
	if path != "" && e.Path.String() != path {
		t.Errorf("%s: path %s, want %s (%v)", how, e.Path, path, err)
	}
	if !strings.Contains(err.Error(), "offset ") {
		t.Errorf("%s: message %q does not give the offset", how, err)
	}
}

// TestHugeLengthNoAllocation: a header announcing 4 GiB costs neither the
// slice decoder nor the reader decoder more than a few bytes of memory.
func TestHugeLengthNoAllocation(t *testing.T) {
	in := h("420078 01 FFFFFFF8 | 420020 02 00000004 00000008 00000000")
	for _, opts := range []DecodeOptions{{}, {MaxMessageSize: 1 << 31}} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		d := NewReaderDecoder(bytes.NewReader(in), opts)
		err := walk(d)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Fatal("no error for a 4 GiB message of 24 bytes")
		}
		if grown := after.TotalAlloc - before.TotalAlloc; grown > 1<<20 {
			t.Errorf("MaxMessageSize %d: allocated %d bytes for a %d-byte input (%v)", opts.MaxMessageSize, grown, len(in), err)
		}
	}
}

// TestUnmarshalMalformed: the tree decoder reports the same errors.
func TestUnmarshalMalformed(t *testing.T) {
	for _, tc := range malformed {
		if tc.want == nil || tc.opts.Sequence {
			continue
		}
		var v Value
		err := UnmarshalOptions(tc.in, &v, tc.opts)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: Unmarshal: got %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestASCIIWords(t *testing.T) {
	for _, s := range []string{"", "a", "abcdefg", "abcdefgh", "1f165d65-cbbd-4bd6-9867-80e0b390acf9",
		"é", "abcdefgé", "ééééééééé", "日本語のテキスト", "abcdefghijklmnopé", "\xff", "abcdefgh\xff", "abcdefghijklmnopqrstuvw\xc3"} {
		// As on the wire: the value, then zero padding to a multiple of 8.
		padded := make([]byte, (len(s)+7)&^7)
		copy(padded, s)
		want := true
		for i := 0; i < len(s); i++ {
			want = want && s[i] < utf8.RuneSelf
		}
		if got := asciiWords(padded); got != want {
			t.Errorf("asciiWords(%q) = %v, want %v", s, got, want)
		}
	}
}

package textform_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"math"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/kmipwire/kmipwire/internal/textform"
	"github.com/kmipwire/kmipwire/ttlv"
)

func TestParseHexText(t *testing.T) {
	for _, c := range []struct {
		in       string
		min, max int
		want     uint64
		ok       bool
	}{
		{"0x0000001b", 8, 8, 27, true},
		{"0X0000001B", 8, 8, 27, true},
		{"0xFFFFFFFFFFFFFFFF", 16, 16, math.MaxUint64, true},
		{"0xaBcDeF01", 8, 8, 0xabcdef01, true},
		{"0x1b", 1, 8, 27, true},
		{"0x1b", 8, 8, 0, false},
		{"0x0000001b0", 8, 8, 0, false},
		{"0x", 0, 8, 0, false},
		{"0x", 1, 8, 0, false},
		{"0x0000001g", 8, 8, 0, false},
		{"0x 000001b", 8, 8, 0, false},
		{"00000001b", 8, 8, 0, false},
		{"x00000001b", 8, 8, 0, false},
		{"", 0, 8, 0, false},
		{"0", 0, 8, 0, false},
		{"-0x0000001b", 8, 8, 0, false},
	} {
		got, ok := textform.ParseHexText([]byte(c.in), c.min, c.max)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseHexText(%q, %d, %d) = %#x %v, want %#x %v", c.in, c.min, c.max, got, ok, c.want, c.ok)
		}
	}
}

func TestParseIntText(t *testing.T) {
	type r struct {
		lo int64
		hi uint64
	}
	i32, i64, u32 := r{math.MinInt32, math.MaxInt32}, r{math.MinInt64, math.MaxInt64}, r{0, math.MaxUint32}
	for _, c := range []struct {
		in   string
		rng  r
		want int64
		ok   bool
	}{
		{"0", i32, 0, true},
		{"-0", i32, 0, true},
		{"2147483647", i32, math.MaxInt32, true},
		{"2147483648", i32, 0, false},
		{"-2147483648", i32, math.MinInt32, true},
		{"-2147483649", i32, 0, false},
		{"9223372036854775807", i64, math.MaxInt64, true},
		{"9223372036854775808", i64, 0, false},
		{"-9223372036854775808", i64, math.MinInt64, true},
		{"-9223372036854775809", i64, 0, false},
		{"18446744073709551615", r{0, math.MaxUint64}, -1, true}, // read as uint64
		{"18446744073709551616", r{0, math.MaxUint64}, 0, false},
		{"99999999999999999999", r{0, math.MaxUint64}, 0, false},
		{"000000000000000000001", i64, 0, false}, // 21 digits
		{"00000000000000000001", i64, 1, true},
		{"4294967295", u32, math.MaxUint32, true},
		{"-1", u32, 0, false},
		{"", i32, 0, false},
		{"-", i32, 0, false},
		{"+1", i32, 0, false},
		{"--1", i32, 0, false},
		{"1.0", i32, 0, false},
		{"1e3", i32, 0, false},
		{" 1", i32, 0, false},
		{"0x10", i32, 0, false},
	} {
		got, ok := textform.ParseIntText([]byte(c.in), c.rng.lo, c.rng.hi)
		if got != c.want || ok != c.ok {
			t.Errorf("ParseIntText(%q, %d, %d) = %d %v, want %d %v", c.in, c.rng.lo, c.rng.hi, got, ok, c.want, c.ok)
		}
	}
	// Differential: every value strconv writes in range parses back.
	for _, n := range []int64{1, 7, 10, 99, 1 << 31, 1<<63 - 1, 123456789012345} {
		for _, v := range []int64{n, -n, n - 1, -(n - 1)} {
			got, ok := textform.ParseIntText([]byte(strconv.FormatInt(v, 10)), math.MinInt64, math.MaxInt64)
			if !ok || got != v {
				t.Errorf("%d: got %d %v", v, got, ok)
			}
		}
	}
}

func TestAppendHexItem(t *testing.T) {
	prefix := []byte("keep")
	for _, c := range []struct {
		typ  ttlv.Type
		hex  string
		want []byte
	}{
		{ttlv.TypeByteString, "C50F77", ttlv.AppendByteString(nil, ttlv.TagMACSignature, []byte{0xC5, 0x0F, 0x77})},
		{ttlv.TypeByteString, "c50f77", ttlv.AppendByteString(nil, ttlv.TagMACSignature, []byte{0xC5, 0x0F, 0x77})},
		{ttlv.TypeByteString, "", ttlv.AppendByteString(nil, ttlv.TagMACSignature, nil)},
		{ttlv.TypeByteString, "0001020304050607", ttlv.AppendByteString(nil, ttlv.TagMACSignature, []byte{0, 1, 2, 3, 4, 5, 6, 7})},
		{ttlv.TypeBigInteger, "FFFFFFFFFFFFFFFE", ttlv.AppendBigIntegerBytes(nil, ttlv.TagMACSignature, []byte{0xFE})},
		{ttlv.TypeByteString, "C50F7", nil},
		{ttlv.TypeByteString, "C50F7G", nil},
		{ttlv.TypeByteString, "0xC50F", nil},
		{ttlv.TypeByteString, "C5 0F", nil},
	} {
		got, ok := textform.AppendHexItem(bytes.Clone(prefix), ttlv.TagMACSignature, c.typ, []byte(c.hex))
		if c.want == nil {
			if ok || !bytes.Equal(got, prefix) {
				t.Errorf("%q: got %x %v, want a rejection leaving dst alone", c.hex, got, ok)
			}
			continue
		}
		if !ok || !bytes.Equal(got, append(bytes.Clone(prefix), c.want...)) {
			t.Errorf("%q: got %x %v, want %x", c.hex, got, ok, c.want)
		}
		if c.typ == ttlv.TypeByteString {
			if err := ttlv.Validate(got[len(prefix):], ttlv.DecodeOptions{}); err != nil {
				t.Errorf("%q: %v", c.hex, err)
			}
		}
	}
}

func TestLineColumn(t *testing.T) {
	src := []byte("ab\ncd\n\nef")
	for _, c := range []struct{ off, line, col int }{
		{0, 1, 1}, {1, 1, 2}, {2, 1, 3}, {3, 2, 1}, {5, 2, 3}, {6, 3, 1}, {7, 4, 1}, {9, 4, 3}, {100, 4, 3},
	} {
		if l, col := textform.LineColumn(src, c.off); l != c.line || col != c.col {
			t.Errorf("offset %d: line %d column %d, want %d %d", c.off, l, col, c.line, c.col)
		}
	}
}

func TestSuggestTagHint(t *testing.T) {
	for _, c := range []struct {
		name   string
		parent ttlv.Tag
		want   string
	}{
		{"Message", 0, `"RequestMessage" or "ResponseMessage"`},
		{"Header", ttlv.TagRequestMessage, `"RequestHeader"`},
		{"Header", ttlv.TagResponseMessage, `"ResponseHeader"`},
		{"Header", 0, `"RequestHeader" or "ResponseHeader"`},
		{"Items", ttlv.TagRequestMessage, `"BatchItem"`},
		{"Batchitem", 0, `"BatchItem"`},
		{"BtachItem", 0, `"BatchItem"`},
		{"CryptographicAlgorithim", 0, `"CryptographicAlgorithm"`},
		{"Zzzzzzzzzzzzzzzzzzzzzzzzzz", 0, ""},
		{"", 0, ""},
	} {
		if got := textform.SuggestTagHint(c.name, c.parent); got != c.want {
			t.Errorf("SuggestTagHint(%q, %v) = %s, want %s", c.name, c.parent, got, c.want)
		}
	}
}

// TestTagNameCache: lookups through the cache agree with the Registry's,
// the first time and from the cache, for built-in, alias, extension and
// unknown names, and for two registries sharing one cache.
func TestTagNameCache(t *testing.T) {
	r := ttlv.NewRegistry()
	if err := r.DefineTag(0x540001, "VendorThing"); err != nil {
		t.Fatal(err)
	}
	names := []string{"", "VendorThing", "NoSuchTag", "X509CertificateIdentifier", "x540001"}
	for tag := ttlv.Tag(0x420000); tag <= 0x420160; tag++ {
		names = append(names, tag.String())
	}
	var c textform.TagNameCache
	for round := range 2 {
		for _, reg := range []*ttlv.Registry{nil, r} {
			for _, n := range names {
				got, gok := c.LookupTag(reg, []byte(n))
				want, wok := reg.LookupTagBytes([]byte(n))
				if got != want || gok != wok {
					t.Fatalf("round %d, registry %v, %q: got %v %v, want %v %v", round, reg != nil, n, got, gok, want, wok)
				}
			}
		}
	}
	name := []byte("CryptographicAlgorithm")
	if n := testing.AllocsPerRun(100, func() {
		if tag, ok := c.LookupTag(r, name); !ok || tag != ttlv.TagCryptographicAlgorithm {
			t.Fatal("miss")
		}
	}); n != 0 {
		t.Errorf("%v allocations per lookup", n)
	}
}

// TestTextZeroAllocs: the parsing helpers do not allocate.
func TestTextZeroAllocs(t *testing.T) {
	hex := []byte("0x0000001b")
	dec := []byte("-2147483648")
	item := []byte("C50F77C50F77C50F77")
	buf := make([]byte, 0, 64)
	if n := testing.AllocsPerRun(100, func() {
		textform.ParseHexText(hex, 8, 8)
		textform.ParseIntText(dec, math.MinInt32, math.MaxInt32)
		buf, _ = textform.AppendHexItem(buf[:0], ttlv.TagMACSignature, ttlv.TypeByteString, item)
		textform.LineColumn(item, 5)
	}); n != 0 {
		t.Errorf("%v allocations per run", n)
	}
}

func BenchmarkAppendHexItem(b *testing.B) {
	h := bytes.Repeat([]byte("0123456789abcdef"), 16)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	b.SetBytes(int64(len(h)))
	for b.Loop() {
		buf, _ = textform.AppendHexItem(buf[:0], ttlv.TagMACSignature, ttlv.TypeByteString, h)
	}
}

func BenchmarkParseIntText(b *testing.B) {
	v := []byte("-9223372036854775808")
	b.ReportAllocs()
	b.SetBytes(int64(len(v)))
	for b.Loop() {
		if _, ok := textform.ParseIntText(v, math.MinInt64, math.MaxInt64); !ok {
			b.Fatal("rejected")
		}
	}
}

// TestReadAll: whole inputs up to the limit come back byte for byte through
// readers that return one byte, data with io.EOF, or an error; one byte
// over the limit is ErrTooLarge without reading the rest.
func TestReadAll(t *testing.T) {
	src := strings.Repeat("0123456789", 100)
	readers := map[string]func(string) io.Reader{
		"plain":   func(s string) io.Reader { return strings.NewReader(s) },
		"onebyte": func(s string) io.Reader { return iotest.OneByteReader(strings.NewReader(s)) },
		"dataerr": func(s string) io.Reader { return iotest.DataErrReader(strings.NewReader(s)) },
		"half":    func(s string) io.Reader { return iotest.HalfReader(strings.NewReader(s)) },
	}
	for name, mk := range readers {
		for _, n := range []int{0, 1, 999, 1000} {
			got, err := textform.ReadAll(make([]byte, 0, 7), mk(src[:n]), 1000)
			if err != nil || string(got) != src[:n] {
				t.Errorf("%s/%d: got %d bytes, %v", name, n, len(got), err)
			}
		}
		r := &countingReader{r: mk(src)}
		got, err := textform.ReadAll(nil, r, 100)
		if err != ttlv.ErrTooLarge || len(got) <= 100 || len(got) > 256 || r.n > 256 {
			t.Errorf("%s over the limit: %d bytes kept, %d read, %v", name, len(got), r.n, err)
		}
	}
	bad := errors.New("disk on fire")
	got, err := textform.ReadAll([]byte("pre"), io.MultiReader(strings.NewReader("ab"), iotest.ErrReader(bad)), 100)
	if !errors.Is(err, bad) || string(got) != "preab" {
		t.Errorf("read error: %q, %v", got, err)
	}
	buf := make([]byte, 0, 4096)
	r := strings.NewReader(src)
	if n := testing.AllocsPerRun(50, func() {
		r.Reset(src)
		buf, _ = textform.ReadAll(buf[:0], r, 4096)
	}); n != 0 {
		t.Errorf("%v allocations per ReadAll into a large enough buffer", n)
	}
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestTextErrorString(t *testing.T) {
	sentinel := errors.New("unknown tag")
	for _, c := range []struct {
		path ttlv.Path
		want string
		out  string
	}{
		{nil, "", "pkg: line 5 column 17: unknown tag"},
		{ttlv.Path{}, "an item", "pkg: line 5 column 17: unknown tag (want an item)"},
		{ttlv.Path{ttlv.TagRequestMessage, 0x540001}, "", "pkg: line 5 column 17 /RequestMessage/0x540001: unknown tag"},
		{ttlv.Path{ttlv.TagRequestMessage}, `"RequestHeader"`, `pkg: line 5 column 17 /RequestMessage: unknown tag (want "RequestHeader")`},
	} {
		if got := textform.TextErrorString("pkg", 5, 17, c.path, sentinel, c.want); got != c.out {
			t.Errorf("got %q, want %q", got, c.out)
		}
	}
}

// TestAppendHex: both alphabets, quoted or not, every length around the
// 4-byte step, and appending after existing bytes, into a slice that
// grows and into one with room to spare (whose bytes past the result
// stay as they were).
func TestAppendHex(t *testing.T) {
	v := make([]byte, 37)
	for i := range v {
		v[i] = byte(i*53 + 7)
	}
	for n := 0; n <= len(v); n++ {
		for _, prefix := range []string{"", "ab"} {
			roomy := func() []byte {
				b := bytes.Repeat([]byte{'#'}, len(prefix)+2*n+8)
				return append(b[:0], prefix...)
			}
			want := prefix + hex.EncodeToString(v[:n])
			wantUp := prefix + strings.ToUpper(want[len(prefix):])
			for k, fresh := range []func() []byte{func() []byte { return []byte(prefix) }, roomy} {
				lo := textform.AppendHexLower(fresh(), v[:n])
				up := textform.AppendHexUpper(fresh(), v[:n])
				if string(lo) != want || string(up) != wantUp {
					t.Fatalf("n=%d: %s / %s, want %s", n, lo, up, want)
				}
				qlo := textform.AppendQuotedHex(fresh(), v[:n], false)
				qup := textform.AppendQuotedHex(fresh(), v[:n], true)
				if q := func(s string) string { return s[:len(prefix)] + `"` + s[len(prefix):] + `"` }; string(qlo) != q(want) || string(qup) != q(wantUp) {
					t.Fatalf("n=%d: %s / %s, want %s quoted", n, qlo, qup, want)
				}
				if spare := qlo[len(qlo):cap(qlo)]; k == 1 && string(spare) != strings.Repeat("#", len(spare)) {
					t.Fatalf("n=%d: wrote past the result: %q", n, spare)
				}
			}
		}
	}
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if got := textform.AppendHexLower(nil, all); string(got) != hex.EncodeToString(all) {
		t.Fatalf("0..255: %s", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = textform.AppendHexUpper(v[:0:0], nil) }); n != 0 {
		t.Errorf("%v allocations for nothing", n)
	}
}

func BenchmarkAppendHex(b *testing.B) {
	v := make([]byte, 512)
	dst := make([]byte, 0, 2*len(v))
	b.SetBytes(int64(len(v)))
	b.ReportAllocs()
	for b.Loop() {
		dst = textform.AppendHexLower(dst[:0], v)
	}
}

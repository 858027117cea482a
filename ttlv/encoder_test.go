package ttlv

import (
	"bytes"
	"errors"
	"math/big"
	"testing"
	"time"
)

func TestEncoderFlush(t *testing.T) {
	var out bytes.Buffer
	e := NewEncoder(&out)
	defer e.Release()
	for i := range 3 {
		e.Begin(0x420078)
		e.Integer(0x42000D, int32(i))
		if err := e.Flush(); err == nil || !errors.Is(err, ErrSyntax) {
			t.Fatalf("Flush inside a Structure: %v, want ErrSyntax", err)
		}
		e.End()
		if err := e.Flush(); err != nil {
			t.Fatal(err)
		}
		if e.Len() != 0 {
			t.Fatalf("Flush left %d bytes", e.Len())
		}
	}
	want := h("420078 01 00000010 42000D 02 00000004 00000000 00000000" +
		"420078 01 00000010 42000D 02 00000004 00000001 00000000" +
		"420078 01 00000010 42000D 02 00000004 00000002 00000000")
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("flushed\n%x\nwant\n%x", out.Bytes(), want)
	}
	// A reader-backed Decoder reads the three messages back.
	d := NewReaderDecoder(&out, DecodeOptions{})
	for i := range 3 {
		var v Value
		if err := d.DecodeValue(&v); err != nil {
			t.Fatal(err)
		}
		if v.Children[0].Num != int64(i) {
			t.Fatalf("message %d holds %d", i, v.Children[0].Num)
		}
	}
}

func TestEncoderMisuse(t *testing.T) {
	e := NewEncoder(nil)
	e.End()
	if !errors.Is(e.Err(), ErrSyntax) {
		t.Fatalf("End without Begin: %v", e.Err())
	}
	if err := e.Flush(); err == nil {
		t.Fatal("Flush after misuse succeeded")
	}
	e.Reset(nil)
	if e.Err() != nil {
		t.Fatalf("Reset kept error %v", e.Err())
	}
}

// TestAppendConsume: every Append has its Consume, and len(Append) ==
// Size, the protowire test pattern.
func TestAppendConsume(t *testing.T) {
	const tag = Tag(0x420020)
	when := time.Date(2026, 11, 23, 1, 2, 3, 456789000, time.UTC)
	neg := big.NewInt(-129)
	cases := []struct {
		name string
		b    []byte
		size int
		back func(b []byte) (any, int)
		want any
	}{
		{"Integer -1", AppendInteger(nil, tag, -1), SizeInteger,
			func(b []byte) (any, int) { _, v, n := ConsumeInteger(b); return v, n }, int32(-1)},
		{"LongInteger min", AppendLongInteger(nil, tag, -1<<63), SizeLongInteger,
			func(b []byte) (any, int) { _, v, n := ConsumeLongInteger(b); return v, n }, int64(-1 << 63)},
		{"Enumeration max", AppendEnumeration(nil, tag, 0xFFFFFFFF), SizeEnumeration,
			func(b []byte) (any, int) { _, v, n := ConsumeEnumeration(b); return v, n }, uint32(0xFFFFFFFF)},
		{"Boolean false", AppendBoolean(nil, tag, false), SizeBoolean,
			func(b []byte) (any, int) { _, v, n := ConsumeBoolean(b); return v, n }, false},
		{"DateTimeExtended", AppendDateTimeExtended(nil, tag, when.UnixMicro()), SizeDateTimeExtended,
			func(b []byte) (any, int) { _, v, n := ConsumeDateTimeExtended(b); return v, n }, when.UnixMicro()},
		{"Interval", AppendInterval(nil, tag, 1), SizeInterval,
			func(b []byte) (any, int) { _, v, n := ConsumeInterval(b); return v, n }, uint32(1)},
		{"TextString 8", AppendTextString(nil, tag, "12345678"), SizeBytes(8),
			func(b []byte) (any, int) { _, v, n := ConsumeTextString(b); return string(v), n }, "12345678"},
		{"Identifier", AppendString(nil, tag, TypeIdentifier, "uid-1"), SizeBytes(5),
			func(b []byte) (any, int) { _, typ, v, n := ConsumeString(b); return typ.String() + " " + string(v), n }, "Identifier uid-1"},
		{"Reference 8", AppendString(nil, tag, TypeReference, "12345678"), SizeBytes(8),
			func(b []byte) (any, int) { _, typ, v, n := ConsumeString(b); return typ.String() + " " + string(v), n }, "Reference 12345678"},
		{"NameReference", AppendString(nil, tag, TypeNameReference, "group é"), SizeBytes(8),
			func(b []byte) (any, int) { _, typ, v, n := ConsumeString(b); return typ.String() + " " + string(v), n }, "NameReference group é"},
		{"ConsumeString of a TextString", AppendTextString(nil, tag, "x"), SizeBytes(1),
			func(b []byte) (any, int) { _, typ, v, n := ConsumeString(b); return typ.String() + " " + string(v), n }, "TextString x"},
		{"ByteString empty", AppendByteString(nil, tag, nil), SizeBytes(0),
			func(b []byte) (any, int) { _, v, n := ConsumeByteString(b); return len(v), n }, 0},
		{"BigInteger -129", AppendBigInteger(nil, tag, neg), SizeBigInteger(neg),
			func(b []byte) (any, int) {
				_, v, n := ConsumeBigInteger(b)
				return BigIntegerValue(new(big.Int), v).String(), n
			}, "-129"},
		{"BigInteger 2^63", AppendBigInteger(nil, tag, new(big.Int).Lsh(big.NewInt(1), 63)), 8 + 16,
			func(b []byte) (any, int) {
				_, v, n := ConsumeBigInteger(b)
				return BigIntegerValue(new(big.Int), v).String(), n
			}, "9223372036854775808"},
		{"BigIntegerBytes sign-extends", AppendBigIntegerBytes(nil, tag, []byte{0xFF, 0x7F}), 16,
			func(b []byte) (any, int) {
				_, v, n := ConsumeBigInteger(b)
				return BigIntegerValue(new(big.Int), v).String(), n
			}, "-129"},
	}
	for _, tc := range cases {
		if len(tc.b) != tc.size {
			t.Errorf("%s: %d bytes, Size says %d", tc.name, len(tc.b), tc.size)
		}
		got, n := tc.back(tc.b)
		if n != len(tc.b) || got != tc.want {
			t.Errorf("%s: Consume = %v (n=%d), want %v (n=%d)", tc.name, got, n, tc.want, len(tc.b))
		}
		if err := Validate(tc.b, DecodeOptions{}); err != nil {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
	// A Consume of the wrong type reports ErrType.
	if _, _, n := ConsumeInteger(AppendEnumeration(nil, tag, 1)); ParseError(n) != ErrType {
		t.Errorf("ConsumeInteger of an Enumeration: %v", ParseError(n))
	}
	if _, _, _, n := ConsumeString(AppendByteString(nil, tag, []byte("x"))); ParseError(n) != ErrType {
		t.Errorf("ConsumeString of a Byte String: %v", ParseError(n))
	}
	if _, _, n := ConsumeTextString(AppendString(nil, tag, TypeIdentifier, "x")); ParseError(n) != ErrType {
		t.Errorf("ConsumeTextString of an Identifier: %v", ParseError(n))
	}
	if _, _, _, n := ConsumeString(AppendString(nil, tag, TypeReference, "\xff")); ParseError(n) != ErrUTF8 {
		t.Errorf("ConsumeString of a Reference in bad UTF-8: %v", ParseError(n))
	}
	if _, _, n := ConsumeInteger(h("4200200200000004")); ParseError(n) != ErrTruncated {
		t.Errorf("ConsumeInteger of a header: %v", ParseError(n))
	}
}

func TestValueTree(t *testing.T) {
	when := time.Date(2008, 3, 14, 11, 56, 40, 0, time.UTC)
	v := Structure(TagRequestMessage,
		Integer(TagBatchCount, 1),
		Enumeration(TagOperation, 0x0A),
		TextString(TagUniqueIdentifier, "id"),
		ByteString(TagUniqueBatchItemID, []byte{1, 2, 3}),
		Boolean(TagEphemeral, true),
		DateTime(TagActivationDate, when),
		DateTimeExtended(TagTimeStamp, when.Add(123456*time.Microsecond)),
		Interval(TagLeaseTime, 3600),
		LongInteger(TagUsageLimitsTotal, 1<<40),
		BigInteger(TagP, big.NewInt(-5)),
		Identifier(TagUniqueIdentifier, "uid"),
		Reference(TagNextLink, "next"),
		NameReference(TagGroupLink, "group"),
	)
	b := Marshal(&v)
	var w Value
	if err := Unmarshal(b, &w); err != nil {
		t.Fatal(err)
	}
	if !v.Equal(&w) {
		t.Fatalf("round trip differs:\n%v\n%v", &v, &w)
	}
	c := w.Clone()
	b[len(b)-1] ^= 0xFF // corrupt the input: the clone must not change
	if !v.Equal(&c) {
		t.Fatal("Clone aliases the input")
	}
	if got := c.Child(TagActivationDate).Time(); !got.Equal(when) {
		t.Errorf("Time() = %v", got)
	}
	if got := c.Child(TagP).BigInt().Int64(); got != -5 {
		t.Errorf("BigInt() = %d", got)
	}
	for _, want := range []string{"Operation Enumeration Get (0x0000000A)", `UniqueIdentifier Identifier "uid"`,
		`NextLink Reference "next"`, `GroupLink NameReference "group"`} {
		if s := v.String(); !bytes.Contains([]byte(s), []byte(want)) {
			t.Errorf("String() lacks %q:\n%s", want, s)
		}
	}
	// Equal compares the text of the 3.0 types, not only their (zero) Num.
	x, y := Identifier(TagUniqueIdentifier, "a"), Identifier(TagUniqueIdentifier, "b")
	if x.Equal(&y) {
		t.Error("Identifier a equals Identifier b")
	}
	if got := c.Child(TagGroupLink).Text(); got != "group" {
		t.Errorf("Text() = %q", got)
	}
}

// TestExtensionTags: 0x54xxxx tags decode anywhere, and a Registry names
// them in a dump; the built-in tables show them as hex.
func TestExtensionTags(t *testing.T) {
	const ext Tag = 0x540001
	msg := Structure(TagRequestMessage,
		Structure(ext, TextString(TagUniqueIdentifier, "x")),
		Enumeration(ext+1, 7))
	b := Marshal(&msg)
	if err := Validate(b, DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	reg := NewRegistry()
	if err := reg.DefineTag(ext, "VendorThing"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DefineTag(ext+1, "VendorMode"); err != nil {
		t.Fatal(err)
	}
	if err := reg.DefineEnum(ext+1, 7, "Turbo"); err != nil {
		t.Fatal(err)
	}
	var named, plain bytes.Buffer
	if err := Dump(&named, b, DumpOptions{Registry: reg, NoOffsets: true}); err != nil {
		t.Fatal(err)
	}
	if err := Dump(&plain, b, DumpOptions{NoOffsets: true}); err != nil {
		t.Fatal(err)
	}
	wantNamed := "RequestMessage Structure (40 bytes)\n  VendorThing Structure (16 bytes)\n" +
		"    UniqueIdentifier TextString \"x\"\n  VendorMode Enumeration Turbo (0x00000007)\n"
	if named.String() != wantNamed {
		t.Errorf("with registry:\n%s\nwant\n%s", named.String(), wantNamed)
	}
	if !bytes.Contains(plain.Bytes(), []byte("0x540001 Structure")) {
		t.Errorf("without registry:\n%s", plain.String())
	}
}

// TestTypes: the names, validity and lengths of every Item Type, the KMIP
// 3.0 draft's three included.
func TestTypes(t *testing.T) {
	cases := []struct {
		typ      Type
		name     string
		fixed    int // 0: variable length
		isString bool
	}{
		{TypeStructure, "Structure", 0, false},
		{TypeInteger, "Integer", 4, false},
		{TypeLongInteger, "LongInteger", 8, false},
		{TypeBigInteger, "BigInteger", 0, false},
		{TypeEnumeration, "Enumeration", 4, false},
		{TypeBoolean, "Boolean", 8, false},
		{TypeTextString, "TextString", 0, true},
		{TypeByteString, "ByteString", 0, false},
		{TypeDateTime, "DateTime", 8, false},
		{TypeInterval, "Interval", 4, false},
		{TypeDateTimeExtended, "DateTimeExtended", 8, false},
		{TypeIdentifier, "Identifier", 0, true},
		{TypeReference, "Reference", 0, true},
		{TypeNameReference, "NameReference", 0, true},
	}
	for i, tc := range cases {
		if tc.typ != Type(i+1) {
			t.Fatalf("%s is 0x%02X, want 0x%02X", tc.name, byte(tc.typ), i+1)
		}
		if !tc.typ.Valid() || tc.typ.String() != tc.name || tc.typ.IsString() != tc.isString {
			t.Errorf("0x%02X: Valid %v, String %q, IsString %v", byte(tc.typ), tc.typ.Valid(), tc.typ.String(), tc.typ.IsString())
		}
		if got, ok := ParseType([]byte(tc.name)); !ok || got != tc.typ {
			t.Errorf("ParseType(%q) = %v, %v", tc.name, got, ok)
		}
		if n, ok := tc.typ.FixedLength(); n != tc.fixed || ok != (tc.fixed != 0) {
			t.Errorf("%s.FixedLength() = %d, %v", tc.name, n, ok)
		}
	}
	for _, bad := range []Type{0, 0x0F, 0x42, 0xFF} {
		if bad.Valid() || bad.IsString() {
			t.Errorf("0x%02X is valid", byte(bad))
		}
	}
	if _, ok := ParseType([]byte("Name Reference")); ok {
		t.Error(`ParseType("Name Reference") succeeded`)
	}
}

// TestEncoderMatchesAppend: each Encoder method writes the bytes of the
// stateless Append function of its type, at every buffer offset modulo 8,
// across the growth of a small buffer, for empty and padded values and a
// tag with bits above 24 (both keep the low 24).
func TestEncoderMatchesAppend(t *testing.T) {
	tags := []Tag{0x420001, 0x540000, 0xFFFFFF, 0x1420002}
	texts := []string{"", "a", "1234567", "12345678", "123456789", "7e3b1a9c-0000-4000-8000-000000000042"}
	at := time.Unix(1700000000, 0)
	for _, tag := range tags {
		for _, s := range texts {
			e := NewEncoder(nil)
			var want []byte
			for lead := range 9 { // grow the buffer from small sizes
				e.Raw(make([]byte, lead*8))
				want = append(want, make([]byte, lead*8)...)
				e.Begin(tag)
				var mark int
				want, mark = BeginStructure(want, tag)
				e.Integer(tag, -7)
				want = AppendInteger(want, tag, -7)
				e.LongInteger(tag, -1<<40)
				want = AppendLongInteger(want, tag, -1<<40)
				e.Enumeration(tag, 0xDEADBEEF)
				want = AppendEnumeration(want, tag, 0xDEADBEEF)
				e.Boolean(tag, true)
				want = AppendBoolean(want, tag, true)
				e.Boolean(tag, false)
				want = AppendBoolean(want, tag, false)
				e.TextString(tag, s)
				want = AppendTextString(want, tag, s)
				e.TextBytes(tag, []byte(s))
				want = AppendTextBytes(want, tag, []byte(s))
				e.Text(tag, TypeIdentifier, s)
				want = AppendString(want, tag, TypeIdentifier, s)
				e.ByteString(tag, []byte(s))
				want = AppendByteString(want, tag, []byte(s))
				e.DateTime(tag, -5)
				want = AppendDateTime(want, tag, -5)
				e.Time(tag, at)
				want = AppendTime(want, tag, at)
				e.Interval(tag, 86400)
				want = AppendInterval(want, tag, 86400)
				e.DateTimeExtended(tag, 1<<50)
				want = AppendDateTimeExtended(want, tag, 1<<50)
				e.End()
				EndStructure(want, mark)
				if err := e.Err(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(e.Bytes(), want) {
					t.Fatalf("tag %#x, text %q, lead %d: Encoder wrote\n% x\nwant\n% x", uint32(tag), s, lead, e.Bytes(), want)
				}
			}
			e.Release()
		}
	}
}

package ttlv

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"
	"time"
)

// The encoding examples of KMIP 1.4 §9.1.2 (identical in KMIP 1.0–1.3; the
// 2.1 text dropped them). All use tag 0x420020, whatever the type.
var specExamples = []struct {
	name string
	hex  string
	enc  func([]byte) []byte
	dec  func(t *testing.T, b []byte)
}{
	{"Integer 8", "42002002000000040000000800000000",
		func(b []byte) []byte { return AppendInteger(b, 0x420020, 8) },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeInteger(b); want(t, v, int32(8)) }},
	{"LongInteger 123456789000000000", "420020030000000801b69b4ba5749200",
		func(b []byte) []byte { return AppendLongInteger(b, 0x420020, 123456789000000000) },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeLongInteger(b); want(t, v, int64(123456789000000000)) }},
	{"BigInteger 1234567890000000000000000000", "42002004000000100000000003fd35eb6bc2df4618080000",
		func(b []byte) []byte { return AppendBigInteger(b, 0x420020, mustBig("1234567890000000000000000000")) },
		func(t *testing.T, b []byte) {
			_, v, _ := ConsumeBigInteger(b)
			want(t, BigIntegerValue(new(big.Int), v).String(), "1234567890000000000000000000")
		}},
	{"Enumeration 255", "4200200500000004000000ff00000000",
		func(b []byte) []byte { return AppendEnumeration(b, 0x420020, 255) },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeEnumeration(b); want(t, v, uint32(255)) }},
	{"Boolean true", "42002006000000080000000000000001",
		func(b []byte) []byte { return AppendBoolean(b, 0x420020, true) },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeBoolean(b); want(t, v, true) }},
	{"TextString Hello World", "420020070000000b48656c6c6f20576f726c640000000000",
		func(b []byte) []byte { return AppendTextString(b, 0x420020, "Hello World") },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeTextString(b); want(t, string(v), "Hello World") }},
	{"ByteString 010203", "42002008000000030102030000000000",
		func(b []byte) []byte { return AppendByteString(b, 0x420020, []byte{1, 2, 3}) },
		func(t *testing.T, b []byte) {
			_, v, _ := ConsumeByteString(b)
			want(t, hex.EncodeToString(v), "010203")
		}},
	{"DateTime 2008-03-14T11:56:40Z", "42002009000000080000000047da67f8",
		func(b []byte) []byte {
			return AppendTime(b, 0x420020, time.Date(2008, 3, 14, 11, 56, 40, 0, time.UTC))
		},
		func(t *testing.T, b []byte) { _, v, _ := ConsumeDateTime(b); want(t, v, int64(1205495800)) }},
	{"Interval 10 days", "4200200a00000004000d2f0000000000",
		func(b []byte) []byte { return AppendInterval(b, 0x420020, 10*24*3600) },
		func(t *testing.T, b []byte) { _, v, _ := ConsumeInterval(b); want(t, v, uint32(864000)) }},
	{"Structure Enumeration 254 Integer 255", "42002001000000204200040500000004000000fe000000004200050200000004000000ff00000000",
		func(b []byte) []byte {
			b, m := BeginStructure(b, 0x420020)
			b = AppendEnumeration(b, 0x420004, 254)
			b = AppendInteger(b, 0x420005, 255)
			EndStructure(b, m)
			return b
		},
		func(t *testing.T, b []byte) {
			_, c, n := ConsumeStructure(b)
			want(t, n, 40)
			_, e, n1 := ConsumeEnumeration(c)
			_, i, _ := ConsumeInteger(c[n1:])
			want(t, e, uint32(254))
			want(t, i, int32(255))
		}},
}

func want[T comparable](t *testing.T, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("got %v, want %v", got, want)
	}
}

func mustBig(s string) *big.Int {
	x, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return x
}

func TestSpecExamples(t *testing.T) {
	for _, tc := range specExamples {
		t.Run(tc.name, func(t *testing.T) {
			wantBytes, _ := hex.DecodeString(tc.hex)
			got := tc.enc(nil)
			if !bytes.Equal(got, wantBytes) {
				t.Fatalf("Append:\n got %x\nwant %x", got, wantBytes)
			}
			tc.dec(t, wantBytes)
			// The streaming decoder and the tree agree, byte for byte.
			var v Value
			if err := Unmarshal(wantBytes, &v); err != nil {
				t.Fatalf("Unmarshal: %v", err)
			}
			if re := Marshal(&v); !bytes.Equal(re, wantBytes) {
				t.Fatalf("Marshal(Unmarshal):\n got %x\nwant %x", re, wantBytes)
			}
		})
	}
}

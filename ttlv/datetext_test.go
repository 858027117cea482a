package ttlv_test

import (
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

const (
	firstISO = -62167219200 // 0000-01-01T00:00:00Z
	pastISO  = 253402300800 // 10000-01-01T00:00:00Z
)

// TestDateTimeTextCalendar: every 13th day of the years 0000–9999 (all
// days of the month and of the week in turn), at a time of day that moves
// with it, is written as the time package writes it and parses back to the
// same second; Date-Time Extended adds the microseconds.
func TestDateTimeTextCalendar(t *testing.T) {
	var got, want []byte
	step := int64(13)
	if testing.Short() {
		step = 131
	}
	for day := int64(firstISO / 86400); day < pastISO/86400; day += step {
		sec := day*86400 + (day*7919%86400+86400)%86400
		tm := time.Unix(sec, 0).UTC()
		want = tm.AppendFormat(want[:0], "2006-01-02T15:04:05Z")
		var ok bool
		got, ok = ttlv.AppendDateTimeText(got[:0], sec)
		if !ok || string(got) != string(want) {
			t.Fatalf("%d: got %q %v, want %q", sec, got, ok, want)
		}
		if s, us, ok := ttlv.ParseDateTimeText(got); !ok || s != sec || us != 0 {
			t.Fatalf("%q: got %d %d %v", got, s, us, ok)
		}
		micros := sec*1e6 + (day%1e6+1e6)%1e6
		want = time.UnixMicro(micros).UTC().AppendFormat(want[:0], "2006-01-02T15:04:05.000000Z")
		got, ok = ttlv.AppendDateTimeExtendedText(got[:0], micros)
		if !ok || string(got) != string(want) {
			t.Fatalf("%d: got %q %v, want %q", micros, got, ok, want)
		}
		if s, us, ok := ttlv.ParseDateTimeText(got); !ok || s*1e6+us != micros {
			t.Fatalf("%q: got %d %d %v", got, s, us, ok)
		}
	}
}

// TestDateTimeTextRange: outside years 0000–9999 nothing is written.
func TestDateTimeTextRange(t *testing.T) {
	dst := []byte("x")
	for _, sec := range []int64{firstISO - 1, pastISO, -1 << 63, 1<<63 - 1} {
		if got, ok := ttlv.AppendDateTimeText(dst, sec); ok || string(got) != "x" {
			t.Errorf("%d: got %q %v", sec, got, ok)
		}
	}
	for _, us := range []int64{firstISO*1e6 - 1, pastISO * 1e6, -1 << 63, 1<<63 - 1} {
		if got, ok := ttlv.AppendDateTimeExtendedText(dst, us); ok || string(got) != "x" {
			t.Errorf("%d µs: got %q %v", us, got, ok)
		}
	}
	for _, c := range []struct {
		sec  int64
		want string
	}{
		{firstISO, "x0000-01-01T00:00:00Z"},
		{pastISO - 1, "x9999-12-31T23:59:59Z"},
		{0, "x1970-01-01T00:00:00Z"},
		{-1, "x1969-12-31T23:59:59Z"},
		{951782400, "x2000-02-29T00:00:00Z"},
	} {
		if got, ok := ttlv.AppendDateTimeText(dst, c.sec); !ok || string(got) != c.want {
			t.Errorf("%d: got %q %v, want %q", c.sec, got, ok, c.want)
		}
	}
	for _, c := range []struct {
		us   int64
		want string
	}{
		{-1, "1969-12-31T23:59:59.999999Z"},
		{-1e6, "1969-12-31T23:59:59.000000Z"},
		{978307200000001, "2001-01-01T00:00:00.000001Z"},
		{firstISO * 1e6, "0000-01-01T00:00:00.000000Z"},
		{pastISO*1e6 - 1, "9999-12-31T23:59:59.999999Z"},
	} {
		if got, ok := ttlv.AppendDateTimeExtendedText(nil, c.us); !ok || string(got) != c.want {
			t.Errorf("%d µs: got %q %v, want %q", c.us, got, ok, c.want)
		}
	}
}

// TestParseDateTimeText: zones, fractions, leap years and every rejection.
func TestParseDateTimeText(t *testing.T) {
	good := []struct {
		in      string
		sec, us int64
	}{
		{"2001-01-01T10:00:00+10:00", 978307200, 0}, // §4.1.6.11's example
		{"2001-01-01T00:00:00Z", 978307200, 0},
		{"2001-01-01T00:00:00", 978307200, 0},
		{"2001-01-01T00:00:00+00:00", 978307200, 0},
		{"2000-12-31T18:30:00-05:30", 978307200, 0},
		{"2001-01-01T23:59:59+23:59", 978307200 + 86399 - 86340, 0},
		{"2001-01-01T00:00:00-23:59", 978307200 + 86340, 0},
		{"1970-01-01T00:00:00.000001Z", 0, 1},
		{"1970-01-01T00:00:00.1", 0, 100000},
		{"1970-01-01T00:00:00.123456789Z", 0, 123456}, // truncated
		{"1970-01-01T00:00:00.999999999+01:00", -3600, 999999},
		{"1969-12-31T23:59:59.5Z", -1, 500000},
		{"2000-02-29T00:00:00Z", 951782400, 0},
		{"2024-02-29T12:00:00Z", 1709208000, 0},
		{"1600-02-29T00:00:00Z", time.Date(1600, 2, 29, 0, 0, 0, 0, time.UTC).Unix(), 0},
		{"0000-02-29T00:00:00Z", time.Date(0, 2, 29, 0, 0, 0, 0, time.UTC).Unix(), 0},
		{"0000-01-01T00:00:00Z", firstISO, 0},
		{"9999-12-31T23:59:59Z", pastISO - 1, 0},
		{"9999-12-31T23:59:59.999999-23:59", pastISO - 1 + 86340, 999999},
		{"-0001-03-01T00:00:00Z", time.Date(-1, 3, 1, 0, 0, 0, 0, time.UTC).Unix(), 0},
		{"-9999-01-01T00:00:00Z", time.Date(-9999, 1, 1, 0, 0, 0, 0, time.UTC).Unix(), 0},
	}
	for _, c := range good {
		sec, us, ok := ttlv.ParseDateTimeText([]byte(c.in))
		if !ok || sec != c.sec || us != c.us {
			t.Errorf("%q: got %d %d %v, want %d %d", c.in, sec, us, ok, c.sec, c.us)
		}
	}
	bad := []string{
		"",
		"-",
		"2001-01-01",
		"2001-01-01T00:00",
		"2001-01-01 00:00:00Z",
		"2001/01/01T00:00:00Z",
		"2001-01-01T00-00-00Z",
		"01-01-01T00:00:00Z",
		"20010-01-01T00:00:00Z",
		"+2001-01-01T00:00:00Z",
		"--2001-01-01T00:00:00Z",
		"2a01-01-01T00:00:00Z",
		"2001-0x-01T00:00:00Z",
		"2001-00-01T00:00:00Z",
		"2001-13-01T00:00:00Z",
		"2001-01-00T00:00:00Z",
		"2001-01-32T00:00:00Z",
		"2001-04-31T00:00:00Z",
		"2001-02-29T00:00:00Z", // not a leap year
		"1900-02-29T00:00:00Z", // divisible by 100
		"2000-02-30T00:00:00Z",
		"2001-01-01T24:00:00Z",
		"2001-01-01T00:60:00Z",
		"2001-01-01T00:00:60Z", // no leap seconds
		"2001-01-01T00:00:00.Z",
		"2001-01-01T00:00:00.",
		"2001-01-01T00:00:00.1.2",
		"2001-01-01T00:00:00z",
		"2001-01-01T00:00:00ZZ",
		"2001-01-01T00:00:00 Z",
		"2001-01-01T00:00:00+1000",
		"2001-01-01T00:00:00+10",
		"2001-01-01T00:00:00+10:0",
		"2001-01-01T00:00:00+10:000",
		"2001-01-01T00:00:00+24:00",
		"2001-01-01T00:00:00+00:60",
		"2001-01-01T00:00:00+0a:00",
		"2001-01-01T00:00:00*10:00",
		"2001-01-01T00:00:00+10-00",
		" 2001-01-01T00:00:00Z",
		"2001-01-01T00:00:00Z ",
	}
	for _, in := range bad {
		if sec, us, ok := ttlv.ParseDateTimeText([]byte(in)); ok || sec != 0 || us != 0 {
			t.Errorf("%q: got %d %d %v, want a rejection", in, sec, us, ok)
		}
	}
}

// TestDateTimeTextZeroAllocs: neither direction allocates.
func TestDateTimeTextZeroAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	in := []byte("2001-01-01T10:00:00.123456+10:00")
	bad := []byte("2001-02-29T00:00:00Z")
	if n := testing.AllocsPerRun(100, func() {
		buf, _ = ttlv.AppendDateTimeText(buf[:0], 978307200)
		buf, _ = ttlv.AppendDateTimeExtendedText(buf[:0], 978307200000001)
		ttlv.ParseDateTimeText(in)
		ttlv.ParseDateTimeText(bad)
	}); n != 0 {
		t.Errorf("%v allocations per run, want 0", n)
	}
}

func BenchmarkAppendDateTimeText(b *testing.B) {
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	b.SetBytes(int64(len("2001-01-01T00:00:00.000001Z")))
	for i := 0; b.Loop(); i++ {
		buf, _ = ttlv.AppendDateTimeExtendedText(buf[:0], 978307200000001+int64(i))
	}
}

func BenchmarkParseDateTimeText(b *testing.B) {
	in := []byte("2001-01-01T10:00:00.123456+10:00")
	b.ReportAllocs()
	b.SetBytes(int64(len(in)))
	for b.Loop() {
		if _, _, ok := ttlv.ParseDateTimeText(in); !ok {
			b.Fatal("rejected")
		}
	}
}

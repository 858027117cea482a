package ttlv

// The text forms of KMIP (Additional Message Encodings v1.0: §4.1.6.11 for
// JSON, §5.1.6.11 for XML, which uses xsd:dateTime) write a Date-Time as an
// ISO 8601 / RFC 3339 date and time. The functions below write and read it
// by hand: the civil-calendar arithmetic is a few integer operations, where
// time.Time formatting costs a location lookup and, for parsing, allocations
// on error.

// Seconds from 1970-01-01T00:00:00Z of the first and past the last instant
// that ISO 8601's four-digit years can write (years 0000 to 9999).
const (
	minTextSeconds = -62167219200
	maxTextSeconds = 253402300800
)

func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && (a < 0) != (b < 0) {
		q--
	}
	return q
}

// civil converts days since 1970-01-01 into a proleptic Gregorian date.
func civil(days int64) (year, month, day int64) {
	z := days + 719468 // days since 0000-03-01
	era := floorDiv(z, 146097)
	doe := z - era*146097                                  // day of the 400-year era
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365 // year of the era
	doy := doe - (365*yoe + yoe/4 - yoe/100)               // day of the March-based year
	mp := (5*doy + 2) / 153
	day = doy - (153*mp+2)/5 + 1
	month = mp + 3
	if month > 12 {
		month -= 12
	}
	year = yoe + era*400
	if month <= 2 {
		year++
	}
	return year, month, day
}

// daysFromCivil is the inverse of civil.
func daysFromCivil(year, month, day int64) int64 {
	if month <= 2 {
		year--
	}
	era := floorDiv(year, 400)
	yoe := year - era*400
	mp := month - 3
	if mp < 0 {
		mp += 12
	}
	doy := (153*mp+2)/5 + day - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

func daysIn(year, month int64) int64 {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// AppendDateTimeText appends the Date-Time unixSeconds in the ISO 8601 form
// of the text encodings (Additional Message Encodings v1.0 §4.1.6.11 JSON,
// §5.1.6.11 XML), in UTC with a "Z" zone: "2001-01-01T00:00:00Z". It returns
// dst unchanged and false outside the years 0000–9999 that the form can
// write; callers then write the hex form ("0x" and 16 digits) instead.
// It does not allocate beyond growing dst.
func AppendDateTimeText(dst []byte, unixSeconds int64) ([]byte, bool) {
	return appendDateTimeText(dst, unixSeconds, 0, false)
}

// AppendDateTimeExtendedText is AppendDateTimeText for a Date-Time Extended
// (KMIP 2.0+), given in microseconds since the epoch: it writes six
// fraction digits, "2001-01-01T00:00:00.000001Z". Negative values round
// toward the past, as the calendar does (-1 is 1969-12-31T23:59:59.999999Z).
func AppendDateTimeExtendedText(dst []byte, unixMicros int64) ([]byte, bool) {
	sec, us := unixMicros/1e6, unixMicros%1e6
	if us < 0 {
		sec, us = sec-1, us+1e6
	}
	return appendDateTimeText(dst, sec, int32(us), true)
}

func appendDateTimeText(dst []byte, sec int64, us int32, micros bool) ([]byte, bool) {
	if sec < minTextSeconds || sec >= maxTextSeconds {
		return dst, false
	}
	days := floorDiv(sec, 86400)
	rem := sec - days*86400
	y, m, d := civil(days)
	hh, mm, ss := rem/3600, rem/60%60, rem%60
	dst = append(dst,
		byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+d/10), byte('0'+d%10), 'T',
		byte('0'+hh/10), byte('0'+hh%10), ':', byte('0'+mm/10), byte('0'+mm%10), ':',
		byte('0'+ss/10), byte('0'+ss%10))
	if micros {
		dst = append(dst, '.')
		for div := int32(100000); div > 0; div /= 10 {
			dst = append(dst, byte('0'+us/div%10))
		}
	}
	return append(dst, 'Z'), true
}

func digits2(s []byte) (int64, bool) {
	if s[0] < '0' || s[0] > '9' || s[1] < '0' || s[1] > '9' {
		return 0, false
	}
	return int64(s[0]-'0')*10 + int64(s[1]-'0'), true
}

// ParseDateTimeText parses the ISO 8601 form of the text encodings
// (Additional Message Encodings v1.0 §4.1.6.11, the lexical form of
// xsd:dateTime that §5.1.6.11 names):
//
//	'-'? yyyy '-' mm '-' dd 'T' hh ':' mm ':' ss ('.' s+)? ((('+' | '-') hh ':' mm) | 'Z')?
//
// A missing zone means UTC. It returns the seconds since the epoch and the
// fraction as microseconds in [0, 1e6) (digits past the sixth are
// truncated, as §4.1.6.11 asks); the years -9999 to 9999 keep
// unixSeconds*1e6+micros, the Date-Time Extended value, far from overflow.
// It returns ok false for any other input: a date not in the proleptic
// Gregorian calendar, an hour past 23, a leap second, an empty fraction, a
// zone offset past 23:59. It does not allocate.
func ParseDateTimeText(b []byte) (unixSeconds, micros int64, ok bool) {
	neg := false
	if len(b) > 0 && b[0] == '-' {
		neg, b = true, b[1:]
	}
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return 0, 0, false
	}
	y1, ok1 := digits2(b[0:2])
	y2, ok2 := digits2(b[2:4])
	mo, ok3 := digits2(b[5:7])
	d, ok4 := digits2(b[8:10])
	hh, ok5 := digits2(b[11:13])
	mi, ok6 := digits2(b[14:16])
	ss, ok7 := digits2(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return 0, 0, false
	}
	y := y1*100 + y2
	if neg {
		y = -y
	}
	if mo < 1 || mo > 12 || d < 1 || d > daysIn(y, mo) || hh > 23 || mi > 59 || ss > 59 {
		return 0, 0, false
	}
	b = b[19:]
	if len(b) > 0 && b[0] == '.' {
		i := 1
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			if i <= 6 {
				micros = micros*10 + int64(b[i]-'0')
			}
			i++
		}
		if i == 1 {
			return 0, 0, false
		}
		for j := i; j <= 6; j++ {
			micros *= 10
		}
		b = b[i:]
	}
	var off int64
	switch {
	case len(b) == 0:
	case len(b) == 1 && b[0] == 'Z':
	case len(b) == 6 && (b[0] == '+' || b[0] == '-') && b[3] == ':':
		oh, okh := digits2(b[1:3])
		om, okm := digits2(b[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, 0, false
		}
		off = oh*3600 + om*60
		if b[0] == '-' {
			off = -off
		}
	default:
		return 0, 0, false
	}
	unixSeconds = daysFromCivil(y, mo, d)*86400 + hh*3600 + mi*60 + ss - off
	return unixSeconds, micros, true
}

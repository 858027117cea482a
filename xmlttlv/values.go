package xmlttlv

// Date-Times are written and read by hand: the civil-calendar arithmetic
// below is a few integer operations, where time.Time formatting costs a
// location lookup and, for parsing, allocations on error.

// Seconds from 1970-01-01T00:00:00Z of the first and past the last instant
// that ISO 8601's four-digit years can write (years 0000 to 9999).
const (
	minISOSeconds = -62167219200
	maxISOSeconds = 253402300800
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

// appendDateTime appends sec (and, with micros, the microseconds us) as
// ISO 8601 in UTC: "2001-01-01T00:00:00Z" or "2001-01-01T00:00:00.000001Z".
// It returns false, leaving dst unchanged, outside years 0000–9999.
func appendDateTime(dst []byte, sec int64, us int32, micros bool) ([]byte, bool) {
	if sec < minISOSeconds || sec >= maxISOSeconds {
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

// parseDateTime parses the ISO 8601 form of §4.1.6.11:
//
//	'-'? yyyy '-' mm '-' dd 'T' hh ':' mm ':' ss ('.' s+)? ((('+' | '-') hh ':' mm) | 'Z')?
//
// A missing zone means UTC. It returns the POSIX seconds and the fraction
// as microseconds (digits past the sixth are truncated).
func parseDateTime(s []byte) (sec int64, us int64, ok bool) {
	neg := false
	if len(s) > 0 && s[0] == '-' {
		neg, s = true, s[1:]
	}
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return 0, 0, false
	}
	y1, ok1 := digits2(s[0:2])
	y2, ok2 := digits2(s[2:4])
	mo, ok3 := digits2(s[5:7])
	d, ok4 := digits2(s[8:10])
	hh, ok5 := digits2(s[11:13])
	mi, ok6 := digits2(s[14:16])
	ss, ok7 := digits2(s[17:19])
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
	s = s[19:]
	if len(s) > 0 && s[0] == '.' {
		i := 1
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			if i <= 6 {
				us = us*10 + int64(s[i]-'0')
			}
			i++
		}
		if i == 1 {
			return 0, 0, false
		}
		for j := i; j <= 6; j++ {
			us *= 10
		}
		s = s[i:]
	}
	var off int64
	switch {
	case len(s) == 0:
	case len(s) == 1 && s[0] == 'Z':
	case len(s) == 6 && (s[0] == '+' || s[0] == '-') && s[3] == ':':
		oh, okh := digits2(s[1:3])
		om, okm := digits2(s[4:6])
		if !okh || !okm || oh > 23 || om > 59 {
			return 0, 0, false
		}
		off = oh*3600 + om*60
		if s[0] == '-' {
			off = -off
		}
	default:
		return 0, 0, false
	}
	sec = daysFromCivil(y, mo, d)*86400 + hh*3600 + mi*60 + ss - off
	return sec, us, true
}

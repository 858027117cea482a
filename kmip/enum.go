package kmip

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/kmipwire/kmipwire/ttlv"
)

// ErrUnknownName is wrapped by the errors of the Parse functions for a name
// the enumeration or mask does not define.
var ErrUnknownName = errors.New("unknown name")

// enumString is the String method of every enumeration type.
func enumString(t ttlv.Tag, v uint32) string {
	if name, ok := ttlv.EnumName(t, v); ok {
		return name
	}
	return hex32(v)
}

func hex32(v uint32) string {
	var b [10]byte
	b[0], b[1] = '0', 'x'
	const digits = "0123456789ABCDEF"
	for i := 9; i >= 2; i-- {
		b[i] = digits[v&0xF]
		v >>= 4
	}
	return string(b[:])
}

// parseEnum is the Parse function of every enumeration type.
func parseEnum(t ttlv.Tag, set, s string) (uint32, error) {
	if v, ok := ttlv.LookupEnum(t, s); ok {
		return v, nil
	}
	if len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && len(s) <= 10 {
		if v, err := strconv.ParseUint(s[2:], 16, 32); err == nil {
			return uint32(v), nil
		}
	}
	return 0, fmt.Errorf("kmip: %q: %w of %s", s, ErrUnknownName, set)
}

// maskString is the String method of every bit-mask type.
func maskString(t ttlv.Tag, v uint32) string { return string(ttlv.AppendMask(nil, t, v)) }

// parseMask is the Parse function of every bit-mask type.
func parseMask(t ttlv.Tag, set, s string) (uint32, error) {
	if v, ok := ttlv.ParseMask(t, []byte(s)); ok {
		return v, nil
	}
	return 0, fmt.Errorf("kmip: %q: %w of %s", s, ErrUnknownName, set)
}

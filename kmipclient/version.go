package kmipclient

import (
	"fmt"
	"strconv"

	"github.com/kmipwire/kmipwire/kmip"
)

// Version is a KMIP protocol version: package kmip's, major<<8 | minor.
type Version = kmip.Version

// The protocol versions the client speaks (KMIP 1.0 to 2.1).
const (
	V1_0 = kmip.V1_0
	V1_1 = kmip.V1_1
	V1_2 = kmip.V1_2
	V1_3 = kmip.V1_3
	V1_4 = kmip.V1_4
	V2_0 = kmip.V2_0
	V2_1 = kmip.V2_1
)

// supported is what DiscoverVersions offers, in order of preference.
var supported = [...]Version{V2_1, V2_0, V1_4, V1_3, V1_2, V1_1, V1_0}

// MakeVersion returns the version major.minor (numbers above 255 do not
// fit and give an unsupported version).
func MakeVersion(major, minor int32) Version {
	if major < 0 || major > 255 || minor < 0 || minor > 255 {
		return 0xFFFF
	}
	return Version(major<<8 | minor)
}

func major(v Version) int32 { return int32(v >> 8) }
func minor(v Version) int32 { return int32(v & 0xFF) }

// ParseVersion reads "1.4" or "2.1".
func ParseVersion(s string) (Version, error) {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			continue
		}
		a, err1 := strconv.ParseUint(s[:i], 10, 8)
		b, err2 := strconv.ParseUint(s[i+1:], 10, 8)
		if err1 == nil && err2 == nil {
			return MakeVersion(int32(a), int32(b)), nil
		}
		break
	}
	return 0, &ConfigError{Field: "Version", Err: fmt.Errorf("%q: want major.minor, such as 1.4 or 2.1", s)}
}

// Supported reports whether the client speaks v (KMIP 1.0 to 2.1).
func Supported(v Version) bool {
	for _, s := range supported {
		if s == v {
			return true
		}
	}
	return false
}

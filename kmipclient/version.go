package kmipclient

import "strconv"

// Version is a KMIP protocol version, Major<<16 | Minor, so that versions
// compare with < and >.
type Version uint32

// The protocol versions the client speaks (KMIP 1.0 to 2.1).
const (
	V1_0 Version = 1 << 16
	V1_1 Version = 1<<16 | 1
	V1_2 Version = 1<<16 | 2
	V1_3 Version = 1<<16 | 3
	V1_4 Version = 1<<16 | 4
	V2_0 Version = 2 << 16
	V2_1 Version = 2<<16 | 1
)

// supported is what DiscoverVersions offers, in order of preference.
var supported = [...]Version{V2_1, V2_0, V1_4, V1_3, V1_2, V1_1, V1_0}

// MakeVersion returns the version major.minor.
func MakeVersion(major, minor int32) Version {
	return Version(uint32(major)<<16 | uint32(minor)&0xFFFF)
}

// Major is the protocol version's major number.
func (v Version) Major() int32 { return int32(v >> 16) }

// Minor is the protocol version's minor number.
func (v Version) Minor() int32 { return int32(v & 0xFFFF) }

// String is "major.minor".
func (v Version) String() string {
	return strconv.Itoa(int(v.Major())) + "." + strconv.Itoa(int(v.Minor()))
}

// ParseVersion reads "1.4" or "2.1".
func ParseVersion(s string) (Version, error) {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' {
			continue
		}
		a, err1 := strconv.ParseUint(s[:i], 10, 15)
		b, err2 := strconv.ParseUint(s[i+1:], 10, 16)
		if err1 == nil && err2 == nil {
			return MakeVersion(int32(a), int32(b)), nil
		}
		break
	}
	return 0, &ConfigError{Field: "Version", Err: errVersionSyntax(s)}
}

type errVersionSyntax string

func (e errVersionSyntax) Error() string {
	return strconv.Quote(string(e)) + ": want major.minor, such as 1.4 or 2.1"
}

// Supported reports whether the client speaks v.
func (v Version) Supported() bool {
	for _, s := range supported {
		if s == v {
			return true
		}
	}
	return false
}

package xmlttlv

import (
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestParseTypeAll: every type name, and nothing else, is recognized.
func TestParseTypeAll(t *testing.T) {
	for typ := ttlv.TypeStructure; typ.Valid(); typ++ {
		got, ok := parseType([]byte(typ.String()))
		if !ok || got != typ {
			t.Errorf("%s: %v %v", typ, got, ok)
		}
		if _, ok := parseType([]byte(typ.String() + "x")); ok {
			t.Errorf("%s+x accepted", typ)
		}
	}
	for _, bad := range []string{"", "Int", "integer", "Bytestring", "BigIntegeR", "Identifie", "Name Reference", "Referencex", "IDentifier"} {
		if _, ok := parseType([]byte(bad)); ok {
			t.Errorf("%q accepted", bad)
		}
	}
}

package kmipserver

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestReKeyDates: the replacement key has new material, the existing key's
// algorithm, length, usage and Name, its own dates, and the two Links;
// the existing key keeps no Name; with an Offset the Activation Date is
// now + Offset; the ID Placeholder names the replacement; only symmetric
// keys are re-keyed, and not destroyed ones.
func TestReKeyDates(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			old := ok(t, &do(t, s, h, createAES(h, 192, name("k"))).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			ok(t, &do(t, s, h, item(opActivate, uid(old))).items[0])
			r := do(t, s, h, item(opReKey, uid(old)), item(opGetAttributes))
			nu := ok(t, &r.items[0]).Child(ttlv.TagUniqueIdentifier).Text()
			if nu == old || nu == "" {
				t.Fatalf("replacement %q of %q", nu, old)
			}
			if got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text(); got != nu {
				t.Errorf("ID Placeholder %q, want the replacement %q", got, nu)
			}
			if bytes.Equal(keyBytes(t, s, h, old), keyBytes(t, s, h, nu)) {
				t.Error("replacement has the existing key material")
			}
			attrs := func(id string) map[ttlv.Tag][]*v {
				m := map[ttlv.Tag][]*v{}
				for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])) {
					m[a.Tag] = append(m[a.Tag], &a)
				}
				return m
			}
			na, oa := attrs(nu), attrs(old)
			if a := na[ttlv.TagCryptographicLength]; len(a) != 1 || a[0].Num != 192 {
				t.Errorf("replacement length %v", a)
			}
			if a := na[ttlv.TagState]; len(a) != 1 || uint32(a[0].Num) != stateActive {
				t.Errorf("replacement state %v (the existing key's Activation Date is copied)", a)
			}
			if a := na[ttlv.TagName]; len(a) != 1 || a[0].Child(ttlv.TagNameValue).Text() != "k" {
				t.Errorf("replacement Name %v", a)
			}
			if a := oa[ttlv.TagName]; len(a) != 0 {
				t.Errorf("existing key kept its Name %v", a)
			}
			link := func(m map[ttlv.Tag][]*v, typ uint32, to string) bool {
				for _, l := range m[ttlv.TagLink] {
					if uint32(l.Child(ttlv.TagLinkType).Num) == typ && l.Child(ttlv.TagLinkedObjectIdentifier).Text() == to {
						return true
					}
				}
				return false
			}
			if !link(oa, linkReplacement, nu) || !link(na, linkReplaced, old) {
				t.Errorf("links: existing %v, replacement %v", oa[ttlv.TagLink], na[ttlv.TagLink])
			}
			// Offset: Activation Date now + Offset, Pre-Active
			p := ok(t, &do(t, s, h, item(opReKey, uid(nu), ttlv.Interval(ttlv.TagOffset, 3600))).items[0])
			third := p.Child(ttlv.TagUniqueIdentifier).Text()
			ta := attrs(third)
			if a := ta[ttlv.TagActivationDate]; len(a) != 1 || a[0].Num != fixedNow.Unix()+3600 {
				t.Errorf("Activation Date %v, want now + 3600", a)
			}
			if a := ta[ttlv.TagState]; len(a) != 1 || uint32(a[0].Num) != statePreActive {
				t.Errorf("state %v, want Pre-Active", a)
			}
			// Pre-Active: Destroy needs no Revoke first (2.1 §5, transition 2).
			ok(t, &do(t, s, h, item(opDestroy, uid(third))).items[0])
			if r := do(t, s, h, item(opReKey, uid(third))); r.items[0].Child(ttlv.TagResultStatus).Num == 0 {
				t.Error("Re-key of a destroyed key succeeded")
			}
			failed(t, &do(t, s, h, item(opReKey, uid("nope"))).items[0], notFoundIn(h))
		})
	}
}

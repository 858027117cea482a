package kmipserver

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestReKeyKeyPair: Re-key Key Pair (1.4 §4.5, 2.1 §6.1.47) makes a new
// pair of the same kind with the existing keys' attributes, takes over
// their Names, links old and new both ways, sets the ID Placeholder, and
// follows an Offset for the Activation Date.
func TestReKeyKeyPair(t *testing.T) {
	for _, h := range []hdr{{major: 1, minor: 1}, {major: 1, minor: 4}, v21} {
		t.Run(fmt.Sprintf("%d.%d", h.major, h.minor), func(t *testing.T) {
			s := newTestServer()
			var create v
			if h.major < 2 {
				create = item(opCreateKeyPair, st(ttlv.TagCommonTemplateAttribute,
					attr1("Cryptographic Algorithm", enum(0, algECDSA)), attr1("Cryptographic Length", integer(0, 384)),
					attr1("Name", name("pair")), attr1("x-app", str(0, "billing"))),
					st(ttlv.TagPrivateKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageSign)))),
					st(ttlv.TagPublicKeyTemplateAttribute, attr1("Cryptographic Usage Mask", integer(0, int32(usageVerify)))))
			} else {
				create = item(opCreateKeyPair, st(ttlv.TagCommonAttributes,
					enum(ttlv.TagCryptographicAlgorithm, algECDSA), integer(ttlv.TagCryptographicLength, 384), name("pair"),
					st(ttlv.TagAttribute, str(ttlv.TagVendorIdentification, "x"), str(ttlv.TagAttributeName, "app"), str(ttlv.TagAttributeValue, "billing"))),
					st(ttlv.TagPrivateKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageSign))),
					st(ttlv.TagPublicKeyAttributes, integer(ttlv.TagCryptographicUsageMask, int32(usageVerify))))
			}
			kp := ok(t, &do(t, s, h, create).items[0])
			oldPriv, oldPub := kp.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), kp.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
			ok(t, &do(t, s, h, item(opActivate, uid(oldPriv))).items[0])
			r := do(t, s, h, item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, oldPriv)), item(opGetAttributes))
			p := ok(t, &r.items[0])
			newPriv, newPub := p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text(), p.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
			if newPriv == "" || newPub == "" || newPriv == oldPriv || newPub == oldPub {
				t.Fatalf("replacements %q %q of %q %q", newPriv, newPub, oldPriv, oldPub)
			}
			if got := ok(t, &r.items[1]).Child(ttlv.TagUniqueIdentifier).Text(); got != newPriv {
				t.Errorf("ID Placeholder %q, want the new private key %q", got, newPriv)
			}
			attrs := func(id string) map[ttlv.Tag][]v {
				m := map[ttlv.Tag][]v{}
				for _, a := range attrsOf(t, h, ok(t, &do(t, s, h, item(opGetAttributes, uid(id))).items[0])) {
					m[a.Tag] = append(m[a.Tag], a)
				}
				return m
			}
			links := func(m map[ttlv.Tag][]v) map[uint32]string {
				out := map[uint32]string{}
				for _, l := range m[ttlv.TagLink] {
					out[uint32(l.Child(ttlv.TagLinkType).Num)] = l.Child(ttlv.TagLinkedObjectIdentifier).Text()
				}
				return out
			}
			for _, k := range []struct {
				old, nu, partner string
				usage            uint32
				partnerLink      uint32
			}{{oldPriv, newPriv, newPub, usageSign, linkPublicKey}, {oldPub, newPub, newPriv, usageVerify, linkPrivateKey}} {
				na, oa := attrs(k.nu), attrs(k.old)
				if a := na[ttlv.TagCryptographicLength]; len(a) != 1 || a[0].Num != 384 {
					t.Errorf("%s: length %v", k.nu, a)
				}
				if a := na[ttlv.TagCryptographicUsageMask]; len(a) != 1 || uint32(a[0].Num) != k.usage {
					t.Errorf("%s: usage %v", k.nu, a)
				}
				if a := na[ttlv.TagName]; len(a) != 1 || a[0].Child(ttlv.TagNameValue).Text() != "pair" || len(oa[ttlv.TagName]) != 0 {
					t.Errorf("%s: Names %v, the existing key's %v", k.nu, a, oa[ttlv.TagName])
				}
				custom := na[0] // 1.x: x-app
				if h.major >= 2 && len(na[ttlv.TagAttribute]) == 1 {
					custom = []v{*na[ttlv.TagAttribute][0].Child(ttlv.TagAttributeValue)}
				}
				if len(custom) != 1 || custom[0].Text() != "billing" {
					t.Errorf("%s: custom attribute %v", k.nu, custom)
				}
				nl, ol := links(na), links(oa)
				if nl[linkReplaced] != k.old || ol[linkReplacement] != k.nu || nl[k.partnerLink] != k.partner {
					t.Errorf("%s: links %v, the existing key's %v", k.nu, nl, ol)
				}
				if d := na[ttlv.TagDigest]; len(d) != 1 || bytes.Equal(d[0].Child(ttlv.TagDigestValue).Bytes, oa[ttlv.TagDigest][0].Child(ttlv.TagDigestValue).Bytes) {
					t.Errorf("%s: Digest %v, not recomputed", k.nu, d)
				}
			}
			// The existing private key's Activation Date copied: Active.
			if a := attrs(newPriv)[ttlv.TagState]; len(a) != 1 || uint32(a[0].Num) != stateActive {
				t.Errorf("state %v, want Active", a)
			}
			// With an Offset: Activation Date now + Offset, Pre-Active.
			p = ok(t, &do(t, s, h, item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, newPriv), ttlv.Interval(ttlv.TagOffset, 600))).items[0])
			third := attrs(p.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text())
			if a := third[ttlv.TagActivationDate]; len(a) != 1 || a[0].Num != fixedNow.Unix()+600 {
				t.Errorf("Activation Date %v, want now + 600", a)
			}
			if a := third[ttlv.TagState]; len(a) != 1 || uint32(a[0].Num) != statePreActive {
				t.Errorf("state %v, want Pre-Active", a)
			}
			// Not a private key; no such object.
			failed(t, &do(t, s, h, item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, oldPub))).items[0], rrInvalidField)
			failed(t, &do(t, s, h, item(opReKeyKeyPair, str(ttlv.TagPrivateKeyUniqueIdentifier, "nope"))).items[0], notFoundIn(h))
		})
	}
	failed(t, &do(t, newTestServer(), hdr{major: 1, minor: 0}, item(opReKeyKeyPair)).items[0], rrOperationNotSupported)
}

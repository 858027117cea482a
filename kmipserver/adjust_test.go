package kmipserver

import (
	"math"
	"math/big"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestAdjustAttribute: Increment, Decrement and Negate of the one
// instance of an attribute (KMIP 2.1 §6.1.3, §11.1), from zero when the
// object lacks it, with the errors the operation defines.
func TestAdjustAttribute(t *testing.T) {
	s := newTestServer()
	id := ok(t, &do(t, s, v21, createAES(v21, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	custom := func(name string) v {
		return st(ttlv.TagAttributeReference, str(ttlv.TagVendorIdentification, "x"), str(ttlv.TagAttributeName, name))
	}
	ref := func(tag ttlv.Tag) v { return enum(ttlv.TagAttributeReference, uint32(tag)) }
	adjust := func(r v, adj uint32, by ...v) v {
		return item(opAdjustAttribute, append([]v{uid(id), r, enum(ttlv.TagAdjustmentType, adj)}, by...)...)
	}
	get := func(r v) *v {
		t.Helper()
		as := attrsOf(t, v21, ok(t, &do(t, s, v21, item(opGetAttributes, uid(id), r)).items[0]))
		if len(as) != 1 {
			t.Fatalf("%d instances", len(as))
		}
		if as[0].Tag == ttlv.TagAttribute {
			return as[0].Child(ttlv.TagAttributeValue)
		}
		return &as[0]
	}
	// A custom Integer: set, incremented by 5, decremented by 1 (the
	// default), negated.
	setCustom := item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, st(ttlv.TagAttribute,
		str(ttlv.TagVendorIdentification, "x"), str(ttlv.TagAttributeName, "count"), integer(ttlv.TagAttributeValue, 10))))
	ok(t, &do(t, s, v21, setCustom).items[0])
	ok(t, &do(t, s, v21, adjust(custom("count"), adjustIncrement, integer(ttlv.TagAdjustmentValue, 5))).items[0])
	ok(t, &do(t, s, v21, adjust(custom("count"), adjustDecrement)).items[0])
	ok(t, &do(t, s, v21, adjust(custom("count"), adjustNegate)).items[0])
	if got := get(custom("count")); got.Type != ttlv.TypeInteger || got.Num != -14 {
		t.Errorf("count: %s, want Integer -14", got.String())
	}
	// Out of an Integer's range: Numeric Range, the value unchanged.
	failed(t, &do(t, s, v21, adjust(custom("count"), adjustDecrement, integer(ttlv.TagAdjustmentValue, math.MaxInt32))).items[0], rrNumericRange)
	if got := get(custom("count")); got.Num != -14 {
		t.Errorf("count after a refused adjustment: %d", got.Num)
	}
	// A custom Big Integer starts from zero.
	ok(t, &do(t, s, v21, adjust(custom("big"), adjustDecrement, ttlv.BigInteger(ttlv.TagAdjustmentValue, big.NewInt(1<<40)))).items[0])
	if got := get(custom("big")); got.Type != ttlv.TypeBigInteger || got.BigInt().Int64() != -(1<<40) {
		t.Errorf("big: %s", got.String())
	}
	// A custom Long Integer from zero, twice.
	for range 2 {
		ok(t, &do(t, s, v21, adjust(custom("long"), adjustIncrement, ttlv.LongInteger(ttlv.TagAdjustmentValue, 1<<33))).items[0])
	}
	if got := get(custom("long")); got.Type != ttlv.TypeLongInteger || got.Num != 1<<34 {
		t.Errorf("long: %s", got.String())
	}
	// A date the key lacks starts from zero; one it has moves by seconds.
	at := fixedNow.Add(time.Hour).Unix()
	ok(t, &do(t, s, v21, adjust(ref(ttlv.TagActivationDate), adjustIncrement, ttlv.LongInteger(ttlv.TagAdjustmentValue, at))).items[0])
	ok(t, &do(t, s, v21, adjust(ref(ttlv.TagActivationDate), adjustIncrement, ttlv.LongInteger(ttlv.TagAdjustmentValue, 60))).items[0])
	if got := get(ref(ttlv.TagActivationDate)); got.Type != ttlv.TypeDateTime || got.Num != at+60 {
		t.Errorf("Activation Date %s, want %d", got.String(), at+60)
	}
	// Negate a Boolean.
	ok(t, &do(t, s, v21, adjust(ref(ttlv.TagSensitive), adjustNegate)).items[0])
	if got := get(ref(ttlv.TagSensitive)); got.Num != 1 {
		t.Errorf("Sensitive %s", got.String())
	}
	// Errors: read-only, several instances, a type Increment does not
	// apply to, an attribute of unknown type the object lacks, KMIP 1.x.
	failed(t, &do(t, s, v21, adjust(ref(ttlv.TagCryptographicLength), adjustIncrement)).items[0], rrAttributeReadOnly)
	failed(t, &do(t, s, v21, adjust(ref(ttlv.TagInitialDate), adjustIncrement)).items[0], rrAttributeReadOnly)
	for _, n := range []string{"a", "b"} {
		ok(t, &do(t, s, v21, item(opAddAttribute, uid(id), st(ttlv.TagNewAttribute, name(n)))).items[0])
	}
	failed(t, &do(t, s, v21, adjust(ref(ttlv.TagName), adjustIncrement)).items[0], rrMultiValuedAttribute)
	// Set Attribute refuses them with the same reason (2.1 §6.1.51).
	failed(t, &do(t, s, v21, item(opSetAttribute, uid(id), st(ttlv.TagNewAttribute, name("c")))).items[0], rrMultiValuedAttribute)
	failed(t, &do(t, s, v21, adjust(ref(ttlv.TagSensitive), adjustIncrement)).items[0], rrInvalidDataType)
	failed(t, &do(t, s, v21, adjust(custom("absent"), adjustNegate)).items[0], rrAttributeNotFound)
	failed(t, &do(t, s, v21, adjust(custom("count"), 9)).items[0], rrInvalidField)
	failed(t, &do(t, s, hdr{major: 1, minor: 4}, adjust(custom("count"), adjustNegate)).items[0], rrOperationNotSupported)
}

// TestSetEndpointRole: the server keeps its role: Server is answered,
// Client refused (KMIP 2.1 §6.1.54).
func TestSetEndpointRole(t *testing.T) {
	s := newTestServer()
	p := ok(t, &do(t, s, v21, item(opSetEndpointRole, enum(ttlv.TagEndpointRole, roleServer))).items[0])
	if r := p.Child(ttlv.TagEndpointRole); r == nil || uint32(r.Num) != roleServer || len(p.Children) != 1 {
		t.Errorf("answer %s", p.String())
	}
	failed(t, &do(t, s, v21, item(opSetEndpointRole, enum(ttlv.TagEndpointRole, roleClient))).items[0], rrFeatureNotSupported)
	failed(t, &do(t, s, v21, item(opSetEndpointRole)).items[0], rrInvalidField)
	failed(t, &do(t, s, hdr{major: 1, minor: 4}, item(opSetEndpointRole, enum(ttlv.TagEndpointRole, roleServer))).items[0], rrOperationNotSupported)
}

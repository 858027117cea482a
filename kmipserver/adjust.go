package kmipserver

import (
	"math"
	"math/big"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Values of Adjust Attribute (KMIP 2.1 §6.1.3).
const (
	adjustIncrement uint32 = 0x01 // Adjustment Type, §11.1
	adjustDecrement uint32 = 0x02
	adjustNegate    uint32 = 0x03

	rrNumericRange         uint32 = 0x1B // Result Reason, §11.46
	rrInvalidDataType      uint32 = 0x1C
	rrMultiValuedAttribute uint32 = 0x1E
)

// adjustAttribute answers Adjust Attribute (KMIP 2.1 §6.1.3, a 2.0
// operation): the one instance of the attribute named by the Attribute
// Reference is incremented or decremented by the Adjustment Value (1 by
// default: one second for a Date-Time, one microsecond for a Date-Time
// Extended), or negated (Integer, Long Integer, Big Integer, Boolean; §11.1).
// An attribute the object lacks counts as 0 or false when its type is
// known: the Date-Time of the client's dates, the Boolean of Sensitive and
// Extractable, the Integer of the Cryptographic Usage Mask, or for a
// custom attribute the type of the Adjustment Value. Several instances fail with
// Multi Valued Attribute, a result out of the type's range with Numeric
// Range, a type the adjustment does not apply to with Invalid Data Type;
// read-only attributes are refused as by Modify Attribute.
func (c *reqCtx) adjustAttribute(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	rv := p.Child(ttlv.TagAttributeReference)
	if rv == nil {
		return b, fail(rrInvalidField, "Adjust Attribute without Attribute Reference")
	}
	ref, ok := refOf(rv)
	if !ok {
		return b, fail(rrInvalidField, "unknown attribute %s", rv.String())
	}
	at := p.Child(ttlv.TagAdjustmentType)
	if at == nil || at.Type != ttlv.TypeEnumeration {
		return b, fail(rrInvalidField, "Adjust Attribute without Adjustment Type")
	}
	adj := uint32(at.Num)
	if adj < adjustIncrement || adj > adjustNegate {
		return b, fail(rrInvalidField, "Adjustment Type %d not supported (Increment, Decrement, Negate)", adj)
	}
	by := p.Child(ttlv.TagAdjustmentValue)
	if by != nil && adj == adjustNegate {
		return b, fail(rrInvalidField, "Negate takes no Adjustment Value")
	}
	if ref.tag != 0 && (readOnly(ref.tag) || immutable(ref.tag) || isField(ref.tag) && ref.tag != ttlv.TagCryptographicUsageMask) {
		return b, fail(rrAttributeReadOnly, "attribute %s is read-only", ref.tag)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if o.archived() {
		return b, fail(rrObjectArchived, "object %s is archived", o.id)
	}
	// The current value: the one instance, or the zero of a known type.
	var cur ttlv.Value
	at0, n := -1, 0
	for i := range o.attrs {
		if ref.matches(&o.attrs[i]) {
			at0, n = i, n+1
		}
	}
	switch {
	case n > 1:
		return b, fail(rrMultiValuedAttribute, "attribute %s has %d instances", ref.tag, n)
	case ref.tag == ttlv.TagCryptographicUsageMask && o.hasUsage:
		cur = ttlv.Integer(ref.tag, int32(o.usage))
	case n == 1:
		if err := ttlv.Unmarshal(o.attrs[at0].enc, &cur); err != nil {
			return b, fail(rrGeneralFailure, "stored attribute: %v", err)
		}
	default:
		typ, known := adjustZeroType(ref.tag)
		if !known && by != nil && ref.tag == 0 {
			typ, known = by.Type, true
		}
		if !known {
			return b, fail(rrAttributeNotFound, "object has no %s to adjust", attrLabel(ref))
		}
		cur = ttlv.Value{Tag: ref.tag, Type: typ}
		if typ == ttlv.TypeBigInteger {
			cur.Bytes = make([]byte, 8)
		}
	}
	next, aerr := adjusted(cur, adj, by)
	if aerr != nil {
		return b, aerr
	}
	prev := o.snapshot()
	in := attrIn{tag: ref.tag, vendor: ref.vendor, name: ref.name, index: -1, val: next}
	if in.tag == 0 && in.vendor == "" {
		in.vendor = defaultVendor
	}
	done, serr := c.setField(o, &in, ref.tag == ttlv.TagCryptographicUsageMask && o.hasUsage)
	if serr != nil {
		return b, serr
	}
	if !done {
		if at0 >= 0 {
			in.vendor = o.attrs[at0].vendor
			o.attrs[at0] = in.encode()
		} else {
			o.attrs = append(o.attrs, in.encode())
		}
	}
	c.recordPrev(o, prev)
	c.touch(o)
	c.refresh(o)
	return appendID(b, o), nil
}

// attrLabel names an attribute reference in a message.
func attrLabel(r attrRef) string {
	if r.tag != 0 {
		return r.tag.String()
	}
	return r.name
}

// adjustZeroType is the type of a standard attribute an object may lack
// and Adjust Attribute may still start from zero: the client-settable
// dates and the export flags.
func adjustZeroType(t ttlv.Tag) (ttlv.Type, bool) {
	switch t {
	case ttlv.TagActivationDate, ttlv.TagProcessStartDate, ttlv.TagProtectStopDate, ttlv.TagDeactivationDate:
		return ttlv.TypeDateTime, true
	case ttlv.TagSensitive, ttlv.TagExtractable:
		return ttlv.TypeBoolean, true
	case ttlv.TagCryptographicUsageMask:
		return ttlv.TypeInteger, true
	}
	return 0, false
}

// adjusted applies an adjustment (KMIP 2.1 §11.1) to v, by the Adjustment
// Value by (nil: the default of 1).
func adjusted(v ttlv.Value, adj uint32, by *ttlv.Value) (ttlv.Value, *opError) {
	if adj == adjustNegate {
		switch v.Type {
		case ttlv.TypeBoolean:
			v.Num = 1 - v.Num
			return v, nil
		case ttlv.TypeInteger:
			if v.Num == math.MinInt32 {
				return v, fail(rrNumericRange, "-%d is out of an Integer's range", v.Num)
			}
			v.Num = -v.Num
			return v, nil
		case ttlv.TypeLongInteger:
			if v.Num == math.MinInt64 {
				return v, fail(rrNumericRange, "-%d is out of a Long Integer's range", v.Num)
			}
			v.Num = -v.Num
			return v, nil
		case ttlv.TypeBigInteger:
			return ttlv.BigInteger(v.Tag, new(big.Int).Neg(v.BigInt())), nil
		}
		return v, fail(rrInvalidDataType, "Negate does not apply to a %s", v.Type)
	}
	step := big.NewInt(1)
	if by != nil {
		switch by.Type {
		case ttlv.TypeInteger, ttlv.TypeLongInteger, ttlv.TypeInterval, ttlv.TypeDateTime, ttlv.TypeDateTimeExtended:
			step.SetInt64(by.Num)
		case ttlv.TypeBigInteger:
			step = by.BigInt()
		default:
			return v, fail(rrInvalidDataType, "Adjustment Value of type %s", by.Type)
		}
	}
	if adj == adjustDecrement {
		step.Neg(step)
	}
	var lo, hi int64
	switch v.Type {
	case ttlv.TypeBigInteger:
		return ttlv.BigInteger(v.Tag, step.Add(step, v.BigInt())), nil
	case ttlv.TypeInteger:
		lo, hi = math.MinInt32, math.MaxInt32
	case ttlv.TypeInterval:
		lo, hi = 0, math.MaxUint32
	case ttlv.TypeLongInteger, ttlv.TypeDateTime, ttlv.TypeDateTimeExtended:
		lo, hi = math.MinInt64, math.MaxInt64
	default:
		return v, fail(rrInvalidDataType, "Increment and Decrement do not apply to a %s", v.Type)
	}
	sum := step.Add(step, big.NewInt(v.Num))
	if !sum.IsInt64() || sum.Int64() < lo || sum.Int64() > hi {
		return v, fail(rrNumericRange, "%s is out of the range of a %s", sum, v.Type)
	}
	v.Num = sum.Int64()
	return v, nil
}

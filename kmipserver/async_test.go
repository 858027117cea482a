package kmipserver

import (
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestPollCancel: nothing is ever pending, so Poll of any Asynchronous
// Correlation Value is Item Not Found and Cancel answers Unavailable;
// both need the value.
func TestPollCancel(t *testing.T) {
	s := newTestServer()
	acv := bstr(ttlv.TagAsynchronousCorrelationValue, []byte{1, 2, 3})
	failed(t, &do(t, s, v21, item(opPoll, acv)).items[0], rrItemNotFound)
	p := ok(t, &do(t, s, v21, item(opCancel, acv)).items[0])
	if r := p.Child(ttlv.TagCancellationResult); r == nil || uint32(r.Num) != cancelUnavailable {
		t.Errorf("Cancellation Result %v, want Unavailable", r)
	}
	if a := p.Child(ttlv.TagAsynchronousCorrelationValue); a == nil || len(a.Bytes) != 3 {
		t.Errorf("Asynchronous Correlation Value %v", a)
	}
	failed(t, &do(t, s, v21, item(opPoll)).items[0], rrInvalidField)
	failed(t, &do(t, s, v21, item(opCancel)).items[0], rrInvalidField)
}

// TestGetUsageAllocation: an allocation comes out of what the Usage
// Limits leave, as Encrypt's use does; more than is left, an object
// without Usage Limits, a non-Active one or no count fail.
func TestGetUsageAllocation(t *testing.T) {
	s := newTestServer()
	lim := st(ttlv.TagUsageLimits, ttlv.LongInteger(ttlv.TagUsageLimitsTotal, 10),
		ttlv.LongInteger(ttlv.TagUsageLimitsCount, 10), enum(ttlv.TagUsageLimitsUnit, usageUnitObject))
	id := ok(t, &do(t, s, v21, createAES(v21, 128, lim)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	alloc := func(n int64) *v {
		return &do(t, s, v21, item(opGetUsageAllocation, uid(id), ttlv.LongInteger(ttlv.TagUsageLimitsCount, n))).items[0]
	}
	failed(t, alloc(1), rrWrongKeyLifecycleState) // Pre-Active
	ok(t, &do(t, s, v21, item(opActivate, uid(id))).items[0])
	if got := ok(t, alloc(8)).Child(ttlv.TagUniqueIdentifier).Text(); got != id {
		t.Errorf("Unique Identifier %q", got)
	}
	failed(t, alloc(3), rrPermissionDenied)
	ok(t, alloc(1))
	enc := item(opEncrypt, uid(id), st(ttlv.TagCryptographicParameters, enum(ttlv.TagBlockCipherMode, modeECB)),
		bstr(ttlv.TagData, make([]byte, 16)))
	ok(t, &do(t, s, v21, enc).items[0])
	failed(t, &do(t, s, v21, enc).items[0], rrPermissionDenied)
	failed(t, alloc(0), rrInvalidField)
	plain := ok(t, &do(t, s, v21, createAES(v21, 128)).items[0]).Child(ttlv.TagUniqueIdentifier).Text()
	ok(t, &do(t, s, v21, item(opActivate, uid(plain))).items[0])
	failed(t, &do(t, s, v21, item(opGetUsageAllocation, uid(plain), ttlv.LongInteger(ttlv.TagUsageLimitsCount, 1))).items[0], rrInvalidField)
}

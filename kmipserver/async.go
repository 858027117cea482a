package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Poll, Cancel and Get Usage Allocation (KMIP 1.4 §4.13, §4.26, §4.27;
// 2.1 §6.1.6, §6.1.25, §6.1.38).
const (
	opGetUsageAllocation uint32 = 0x11 // Operation, 1.4 §9.1.3.2.27
	opCancel             uint32 = 0x19
	opPoll               uint32 = 0x1A

	cancelUnavailable uint32 = 0x05 // Cancellation Result, 1.4 §9.1.3.2.25
)

// kmipd answers every request at once: it never returns Result Status
// Operation Pending (Asynchronous Indicator is a wish a server may ignore,
// 1.4 §6.7), so no Asynchronous Correlation Value it is given names an
// operation in progress.

// poll answers Poll: no pending operation has that Asynchronous
// Correlation Value, Item Not Found.
func (c *reqCtx) poll(p *ttlv.Value, b []byte) ([]byte, *opError) {
	acv := bytesOf(p, ttlv.TagAsynchronousCorrelationValue)
	if acv == nil {
		return b, fail(rrInvalidField, "Poll without Asynchronous Correlation Value")
	}
	return b, fail(rrItemNotFound, "no pending operation %x: the server answers every request at once", acv)
}

// cancel answers Cancel: Cancellation Result Unavailable, the operation
// being unknown (none is ever pending).
func (c *reqCtx) cancel(p *ttlv.Value, b []byte) ([]byte, *opError) {
	acv := bytesOf(p, ttlv.TagAsynchronousCorrelationValue)
	if acv == nil {
		return b, fail(rrInvalidField, "Cancel without Asynchronous Correlation Value")
	}
	b = ttlv.AppendByteString(b, ttlv.TagAsynchronousCorrelationValue, acv)
	return ttlv.AppendEnumeration(b, ttlv.TagCancellationResult, cancelUnavailable), nil
}

// getUsageAllocation answers Get Usage Allocation: Usage Limits Count
// units of an Active object's Usage Limits are set aside for the client
// (taken from what is left, as the operations that use the object take
// theirs); an object without Usage Limits, or a count beyond what is left,
// fails.
func (c *reqCtx) getUsageAllocation(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	n := p.Child(ttlv.TagUsageLimitsCount)
	if n == nil || n.Num <= 0 {
		return b, fail(rrInvalidField, "Get Usage Allocation needs a positive Usage Limits Count")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if o.state != stateActive {
		return b, c.wrongState("object %s is not Active", o.id)
	}
	left, limited := o.usageLeft()
	if !limited {
		return b, fail(rrInvalidField, "object %s has no Usage Limits", o.id)
	}
	if n.Num > left {
		return b, fail(rrPermissionDenied, "%d asked, %d left of the Usage Limits of %s", n.Num, left, o.id)
	}
	o.used.Add(n.Num)
	c.counted(o)
	return appendID(b, o), nil
}

package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Poll, Cancel and Get Usage Allocation (KMIP 1.4 §4.13, §4.26, §4.27;
// 2.1 §6.1.6, §6.1.25, §6.1.38).
const (
	opGetUsageAllocation uint32 = 0x11 // Operation, 1.4 §9.1.3.2.27
	opCancel             uint32 = 0x19
	opPoll               uint32 = 0x1A

	cancelUnavailable uint32 = 0x05 // Cancellation Result, 1.4 §9.1.3.2.25

	// the 2.1 operations of the family (Operation, 2.1 §11.36)
	opQueryAsyncRequests uint32 = 0x39
	opProcess            uint32 = 0x3A
	opPing               uint32 = 0x3B

	rrInvalidAsyncCorrelation uint32 = 0x2B // Invalid Asynchronous Correlation Value, 2.1 §11.46
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

// queryAsyncRequests answers Query Asynchronous Requests (2.1 §6.1.41):
// the outstanding asynchronous requests — with or without the
// Asynchronous Correlation Values and Operations that select among them —
// of which there are none, so the answer holds no Asynchronous Request.
// What selects them must still be what §6.1.41 names, an Asynchronous
// Correlation Values structure of Byte Strings and an Operations structure
// of Operation enumerations, or the request is Invalid Message (the
// reason §6.1.41.1 gives for what the server does not understand; it
// lists no Invalid Field).
func (c *reqCtx) queryAsyncRequests(p *ttlv.Value, b []byte) ([]byte, *opError) {
	for i := range p.Children {
		ch := &p.Children[i]
		var want ttlv.Tag
		var typ ttlv.Type
		switch ch.Tag {
		case ttlv.TagAsynchronousCorrelationValues:
			want, typ = ttlv.TagAsynchronousCorrelationValue, ttlv.TypeByteString
		case ttlv.TagOperations:
			want, typ = ttlv.TagOperation, ttlv.TypeEnumeration
		default:
			return b, fail(rrInvalidMessage, "Query Asynchronous Requests with a %s", ch.Tag)
		}
		if ch.Type != ttlv.TypeStructure {
			return b, fail(rrInvalidMessage, "%s is not a Structure", ch.Tag)
		}
		for j := range ch.Children {
			if g := &ch.Children[j]; g.Tag != want || g.Type != typ {
				return b, fail(rrInvalidMessage, "%s holds a %s", ch.Tag, g.Tag)
			}
		}
	}
	return b, nil
}

// process answers Process (2.1 §6.1.39), which asks that a pending
// request be completed at its next Poll: none is pending, so every
// Asynchronous Correlation Value is Invalid Asynchronous Correlation Value
// (§6.1.39.1).
func (c *reqCtx) process(p *ttlv.Value, b []byte) ([]byte, *opError) {
	acv := bytesOf(p, ttlv.TagAsynchronousCorrelationValue)
	if acv == nil {
		return b, fail(rrInvalidField, "Process without Asynchronous Correlation Value")
	}
	return b, fail(rrInvalidAsyncCorrelation, "no pending operation %x: the server answers every request at once", acv)
}

// ping answers Ping (2.1 §6.1.36): the server is alive. Its request and
// response payloads are empty; what a request holds is not read.
func (c *reqCtx) ping(_ *ttlv.Value, b []byte) ([]byte, *opError) { return b, nil }

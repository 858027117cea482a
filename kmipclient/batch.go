package kmipclient

import (
	"context"
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Batch puts several operations in one RequestMessage (bulk mode, KMIP 2.1
// §8, 1.4 §7) and gives each item's result. An item whose request leaves
// its Unique Identifier unset works on the ID Placeholder: the object the
// last Create, Create Key Pair, Register or Locate of the batch returned,
// so Create, Activate and Get go in one round trip:
//
//	var created kmipclient.Result[kmip.CreateResponsePayload]
//	b := c.NewBatch(kmip.BatchErrorContinuationOptionStop)
//	b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)}, &created)
//	b.Add(&kmip.ActivateRequestPayload{}, nil) // the key just created
//	err := b.Exec(ctx) // created.Payload.UniqueIdentifier, b.Err(1)
//
// A Batch is reusable (Reset) and not safe for concurrent use.
type Batch struct {
	c *Client
	// Continuation is what the server does after a failed item: Stop (the
	// server's default when zero: later items are not run, their Err is
	// ErrNotExecuted), Continue, or Undo (earlier items are reverted;
	// their Err is an *Error of status Operation Undone).
	Continuation kmip.BatchErrorContinuationOption
	// MaximumResponseSize, when positive, asks the server to answer at
	// most this many bytes (Response Too Large otherwise).
	MaximumResponseSize int32
	reqs                []kmip.RequestPayload
	resps               []Response
	errs                []error
}

// NewBatch returns an empty batch with the given continuation option (0:
// the server's default, Stop).
func (c *Client) NewBatch(continuation kmip.BatchErrorContinuationOption) *Batch {
	return &Batch{c: c, Continuation: continuation}
}

// Add appends an item, its request a payload of package kmip, and returns
// its index; resp, when not nil, receives the item's response payload (a
// *Result of the operation's response payload type).
func (b *Batch) Add(req kmip.RequestPayload, resp Response) int {
	b.reqs = append(b.reqs, req)
	b.resps = append(b.resps, resp)
	return len(b.reqs) - 1
}

// Request is item i's request.
func (b *Batch) Request(i int) kmip.RequestPayload { return b.reqs[i] }

// Len is the number of items.
func (b *Batch) Len() int { return len(b.reqs) }

// Reset removes the items, keeping the batch's memory.
func (b *Batch) Reset() {
	clear(b.reqs)
	clear(b.resps)
	b.reqs, b.resps, b.errs = b.reqs[:0], b.resps[:0], b.errs[:0]
}

// Err is item i's result after Exec: nil on success, an *Error when the
// server failed or undid it, ErrNotExecuted when it was not run.
func (b *Batch) Err(i int) error { return b.errs[i] }

// Exec sends the batch in one RequestMessage and decodes each item's
// answer. It returns the message's error (transport, protocol), or else the
// first failed item's (see Err for each).
func (b *Batch) Exec(ctx context.Context) error {
	if len(b.reqs) == 0 {
		return nil
	}
	b.errs = append(b.errs[:0], make([]error, len(b.reqs))...)
	err := b.c.doBatch(ctx, b)
	if err != nil {
		for i := range b.errs {
			b.errs[i] = err
		}
		return err
	}
	for _, e := range b.errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func (c *Client) doBatch(ctx context.Context, bt *Batch) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("kmipclient: %w", err)
	}
	cn, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	v := c.version
	n := len(bt.reqs)
	b, mark := appendRequestHeader(cn.req[:0], msgHeader{version: v, continuation: bt.Continuation, maxResponse: bt.MaximumResponseSize}, n)
	idempotent := true
	for i, req := range bt.reqs {
		id := i
		if n == 1 {
			id = -1
		}
		if b, err = appendItem(b, req, v, id); err != nil {
			cn.req = b
			c.release(cn, true)
			return fmt.Errorf("kmipclient: batch item %d: %w", i, err)
		}
		idempotent = idempotent && Idempotent(req.Operation())
	}
	cn.req = b
	if !ttlv.EndStructure(b, mark) {
		c.release(cn, true)
		return protoErrf("request too large")
	}
	if err := c.roundTrip(ctx, cn, idempotent); err != nil {
		c.release(cn, false)
		return err
	}
	if cap(cn.results) < n {
		cn.results = make([]itemResult, n)
	}
	cn.results = cn.results[:n]
	rv, err := parseResponse(cn.resp, c.opts, cn.results)
	if err != nil {
		c.release(cn, false)
		return err
	}
	for i := range cn.results {
		r := &cn.results[i]
		op := bt.reqs[i].Operation()
		if err := r.err(i, op); err != nil {
			bt.errs[i] = err
			continue
		}
		if r.op != 0 && r.op != op {
			bt.errs[i] = protoErrf("the answer to item %d (%v) is for %v", i, op, r.op)
			continue
		}
		if bt.resps[i] != nil {
			bt.errs[i] = bt.resps[i].DecodePayload(r.payload, rv)
		}
	}
	c.release(cn, true)
	return nil
}

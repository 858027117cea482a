package kmipserver

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// DefaultMaxInflightBytes is the default EndpointConfig.MaxInflightBytes:
// DefaultMaxConns connections each announcing a DefaultMaxMessageSize
// message could otherwise make the server hold 4 GiB.
const DefaultMaxInflightBytes = 256 << 20

// The in-flight budget bounds the bytes an Endpoint holds for messages
// that are still arriving or being answered, across every connection and
// both transports. A message larger than smallMessage reserves its
// announced size before its body is read and keeps it until it is
// answered (the buffer it is read into still grows only as its bytes
// arrive, never past the announced size). When the budget cannot give
// it, the connection stops reading (its bytes wait in the kernel, not in
// the server) until other messages give theirs back, for at most the
// read timeout, after which it is closed; once it has its share, the body
// gets a read timeout of its own. Smaller messages, the usual ones, are
// read at once and draw nothing: a client sending them keeps being served
// however many large messages wait, and MaxConns of them cost at most
// MaxConns × smallMessage.
const smallMessage = readerSize

// errBudget is wrapped by the errors of a message that waited too long
// for the in-flight budget.
var errBudget = errors.New("in-flight budget exhausted")

// budget is the in-flight byte budget of an Endpoint.
type budget struct {
	sem  *semaphore.Weighted
	size int64
	// stop is done once the Endpoint shuts down or closes: it ends every
	// wait.
	stop  context.Context
	hooks *ConnHooks // nil without
	// waits counts the messages that had to wait, timeouts those that
	// waited in vain (for the log).
	waits, timeouts atomic.Uint64
}

// newBudget returns a budget of n bytes, nil (no bound) for n < 0.
func newBudget(n int64, stop context.Context, hooks *ConnHooks) *budget {
	if n < 0 {
		return nil
	}
	return &budget{sem: semaphore.NewWeighted(n), size: n, stop: stop, hooks: hooks}
}

// reserve takes n bytes of the budget for a message of transport,
// waiting for them up to timeout (none when 0), until ctx is done or the
// Endpoint stops.
func (b *budget) reserve(ctx context.Context, n int64, timeout time.Duration, transport string) error {
	if n > b.size {
		return fmt.Errorf("%w: a message of %d bytes exceeds the whole budget of %d", errBudget, n, b.size)
	}
	if b.sem.TryAcquire(n) {
		return nil
	}
	b.waits.Add(1)
	if b.hooks != nil && b.hooks.Waiting != nil {
		b.hooks.Waiting(transport)
	}
	var cancel context.CancelFunc
	if timeout > 0 {
		ctx, cancel = context.WithTimeout(ctx, timeout)
	} else {
		ctx, cancel = context.WithCancel(ctx)
	}
	defer cancel()
	defer context.AfterFunc(b.stop, cancel)() // an HTTP request's ctx is not the stop's
	start := time.Now()
	err := b.sem.Acquire(ctx, n)
	took := time.Since(start)
	if b.hooks != nil && b.hooks.Waited != nil {
		b.hooks.Waited(transport, took, err)
	}
	if err != nil {
		return fmt.Errorf("%w: a message of %d bytes waited %v for the budget of %d: %w", errBudget, n,
			took.Round(time.Millisecond), b.size, err)
	}
	return nil
}

func (b *budget) release(n int64) { b.sem.Release(n) }

package kmipserver

import (
	"context"
	"crypto/x509"
	"errors"
	"log/slog"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Item is one batch item on its way to the operation that answers it, as
// the Middleware chain sees it. The chain may read it and change Payload;
// an Item and what it points to are only valid during the call.
type Item struct {
	// Operation is the item's Operation (an Operation enumeration value,
	// KMIP 2.1 §11.40: Create is 1, Get is 10, …).
	Operation uint32
	// ID is the Unique Batch Item ID, nil when the request has none.
	ID []byte
	// Payload is the Request Payload, the whole TTLV Structure, nil when
	// the item has none.
	Payload []byte
	// Major and Minor are the protocol version of the message.
	Major, Minor int32
	// Peer is the client: its address and TLS state. Zero when the message
	// was served in process (ServeTTLV without a transport's context).
	Peer Peer
	// Identity is who the client is, as Config.Identify names it (by
	// default DefaultIdentity: a bearer token's identity or the verified
	// client certificate's subject), or the identity of the Login ticket
	// the message authenticated with; empty for an anonymous client.
	Identity string

	c *reqCtx
}

// ItemFunc answers one batch item: it appends the Response Payload (a TTLV
// Structure tagged ResponsePayload, or nothing for an answer without
// payload) to dst, or fails the item. A failure that is an *Error gives the
// item its Result Reason and Message; any other error is a General
// Failure with the error's text.
type ItemFunc func(ctx context.Context, it *Item, dst []byte) ([]byte, error)

// Middleware wraps the answering of batch items: it returns an ItemFunc
// that may look at the item, refuse it (return an *Error without calling
// next), change it, call next, and look at what next appended. The chain
// of Config.Middleware is built once, in New; the first one is the
// outermost. A Middleware runs concurrently for items of different
// messages and, in an unordered batch, of the same message.
type Middleware func(next ItemFunc) ItemFunc

// Error is the failure of a batch item: the Result Reason (KMIP 2.1 §11.46)
// and Result Message the client gets.
type Error struct {
	Reason  uint32
	Message string
}

// Error returns the Result Message.
func (e *Error) Error() string { return e.Message }

// Result Reasons middleware commonly answer with (KMIP 2.1 §11.46).
const (
	ReasonItemNotFound          uint32 = rrItemNotFound
	ReasonObjectNotFound        uint32 = rrObjectNotFound // KMIP 2.0 and later
	ReasonResponseTooLarge      uint32 = rrResponseTooLarge
	ReasonOperationNotSupported uint32 = rrOperationNotSupported
	ReasonInvalidField          uint32 = rrInvalidField
	ReasonPermissionDenied      uint32 = rrPermissionDenied
	ReasonGeneralFailure        uint32 = rrGeneralFailure
)

// DefaultIdentity is the default Config.Identify: the identity the
// transport authenticated (Peer.Identity: an HTTP bearer token's), else
// CertificateIdentity.
func DefaultIdentity(p Peer) string {
	if p.Identity != "" {
		return p.Identity
	}
	return CertificateIdentity(p)
}

// CertificateIdentity is the Common Name of the verified client
// certificate (mutual TLS), or its whole Subject when it has no Common
// Name; empty without a verified certificate.
func CertificateIdentity(p Peer) string {
	if p.TLS == nil || len(p.TLS.VerifiedChains) == 0 || len(p.TLS.VerifiedChains[0]) == 0 {
		return ""
	}
	return subjectName(p.TLS.VerifiedChains[0][0])
}

func subjectName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

// LogItems is a Middleware that logs every batch item at level Debug (its
// operation, the caller, how long it took, the result) and failed ones at
// Info.
func LogItems(log *slog.Logger) Middleware {
	return func(next ItemFunc) ItemFunc {
		return func(ctx context.Context, it *Item, dst []byte) ([]byte, error) {
			start := time.Now()
			out, err := next(ctx, it, dst)
			if err == nil && !log.Enabled(ctx, slog.LevelDebug) {
				return out, err
			}
			op, ok := ttlv.EnumName(ttlv.TagOperation, it.Operation)
			if !ok {
				op = "unknown"
			}
			attrs := []slog.Attr{slog.String("op", op), slog.String("identity", it.Identity),
				slog.Duration("took", time.Since(start))}
			if it.Peer.RemoteAddr != nil {
				attrs = append(attrs, slog.String("remote", it.Peer.RemoteAddr.String()))
			}
			if err != nil {
				attrs = append(attrs, slog.String("err", err.Error()))
				log.LogAttrs(ctx, slog.LevelInfo, "batch item failed", attrs...)
			} else {
				log.LogAttrs(ctx, slog.LevelDebug, "batch item", attrs...)
			}
			return out, err
		}
	}
}

// answer is the innermost ItemFunc: the operation itself.
func answer(ctx context.Context, it *Item, dst []byte) ([]byte, error) {
	out, oerr := it.c.answer(it.Operation, it.Payload, dst)
	if oerr != nil {
		return out, oerr
	}
	return out, nil
}

// chain builds the ItemFunc of the middleware, nil when there is none.
func chain(mw []Middleware) ItemFunc {
	if len(mw) == 0 {
		return nil
	}
	h := ItemFunc(answer)
	for i := len(mw) - 1; i >= 0; i-- {
		h = mw[i](h)
	}
	return h
}

// ResultReason returns the Result Reason (KMIP 2.1 §11.46) a batch item
// gets for err, the error an ItemFunc returned: 0 for nil (success), the
// Reason of an *Error or of an operation's failure, ReasonGeneralFailure
// otherwise. Middleware that count results use it.
func ResultReason(err error) uint32 {
	if err == nil {
		return 0
	}
	return itemError(err).reason
}

// itemError turns the error of a middleware into a Result Reason and
// Message.
func itemError(err error) *opError {
	var oe *opError
	if errors.As(err, &oe) {
		return oe
	}
	var e *Error
	if errors.As(err, &e) {
		return &opError{reason: e.Reason, msg: e.Message}
	}
	return &opError{reason: rrGeneralFailure, msg: err.Error()}
}

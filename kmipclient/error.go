package kmipclient

import (
	"errors"
	"fmt"

	"github.com/kmipwire/kmipwire/kmip"
)

// Error is a batch item that the server answered with a failure: its Result
// Status (Operation Failed, Operation Pending or Operation Undone), Result
// Reason and Result Message (KMIP 2.1 §6.2, §11.29; 1.4 §6.9–§6.11).
//
//	var e *kmipclient.Error
//	if errors.As(err, &e) && e.Reason == kmip.ResultReasonItemNotFound { … }
type Error struct {
	// Operation is the operation the item asked for.
	Operation kmip.Operation
	// Index is the item's position in its RequestMessage (0 outside a batch).
	Index   int
	Status  kmip.ResultStatus
	Reason  kmip.ResultReason
	Message string
}

// Error reads "kmip: Operation: Status: Reason: Message".
func (e *Error) Error() string {
	s := "kmip: " + e.Operation.String() + ": " + e.Status.String()
	if e.Reason != 0 {
		s += ": " + e.Reason.String()
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// Is lets errors.Is match an *Error by its Reason: errors.Is(err,
// &kmipclient.Error{Reason: kmip.ResultReasonItemNotFound}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Reason == e.Reason && (t.Status == 0 || t.Status == e.Status)
}

// ReasonOf returns the Result Reason of a failed item in err's chain, or 0.
func ReasonOf(err error) kmip.ResultReason {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return 0
}

// Sentinels for errors.Is.
var (
	// ErrClosed: the client was closed.
	ErrClosed = errors.New("kmipclient: client closed")
	// ErrNotExecuted: a batch item got no answer, because an earlier item
	// failed and the batch's error continuation option is Stop.
	ErrNotExecuted = errors.New("kmipclient: batch item not executed (an earlier item failed)")
	// ErrProtocol: the server's answer is not a valid ResponseMessage for
	// the request (malformed TTLV, missing items, a wrong operation).
	ErrProtocol = errors.New("kmipclient: protocol error")
	// ErrVersion: the operation or field does not exist in the protocol
	// version in use, or no version is common to client and server.
	ErrVersion = errors.New("kmipclient: not in this protocol version")
)

// ProtocolError is an answer the client could not use, with the reason and,
// for malformed TTLV, the codec's *ttlv.Error in its chain.
type ProtocolError struct {
	What string
	Err  error
}

// Error says what was wrong with the answer.
func (e *ProtocolError) Error() string {
	if e.Err != nil {
		return "kmipclient: bad response: " + e.What + ": " + e.Err.Error()
	}
	return "kmipclient: bad response: " + e.What
}

// Unwrap returns the cause.
func (e *ProtocolError) Unwrap() error { return e.Err }

// Is matches ErrProtocol.
func (e *ProtocolError) Is(target error) bool { return target == ErrProtocol }

func protoErr(what string, err error) error { return &ProtocolError{What: what, Err: err} }

func protoErrf(format string, args ...any) error {
	return &ProtocolError{What: fmt.Sprintf(format, args...)}
}

// ConfigError is an invalid Config field.
type ConfigError struct {
	Field string
	Err   error
}

// Error names the field and the fault.
func (e *ConfigError) Error() string { return "kmipclient: Config." + e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

func errVersionOp(op kmip.Operation, v Version) error {
	return fmt.Errorf("kmipclient: %v in KMIP %v: %w", op, v, ErrVersion)
}

package batch

import (
	"encoding/binary"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Result Status values (KMIP 2.1 §9.19, §11.47).
const (
	StatusSuccess uint32 = 0x00
	StatusFailed  uint32 = 0x01
	StatusPending uint32 = 0x02
	StatusUndone  uint32 = 0x03
)

// Assembler writes a ResponseMessage (KMIP 2.1 §8.4–8.6) item by item
// into a caller's buffer: ResponseHeader first with a BatchCount patched
// by Finish (none for KMIP 3.0, whose committee draft reserves the Batch
// Count tag), then one BatchItem per result. It allocates nothing beyond
// the buffer's growth. The zero value is ready for Begin.
type Assembler struct {
	buf      []byte
	msgMark  int
	countPos int // offset of the BatchCount value
	items    int32
}

// Begin starts a ResponseMessage in dst (appending) for protocol version
// major.minor with the given TimeStamp (POSIX seconds). Echo the request's
// version: a server answers in the version it was asked in.
func (a *Assembler) Begin(dst []byte, major, minor int32, timeStamp int64) {
	b, m := ttlv.BeginStructure(dst, ttlv.TagResponseMessage)
	b, h := ttlv.BeginStructure(b, ttlv.TagResponseHeader)
	b, v := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, major)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, minor)
	ttlv.EndStructure(b, v)
	b = ttlv.AppendDateTime(b, ttlv.TagTimeStamp, timeStamp)
	a.countPos = -1
	if major < 3 {
		a.countPos = len(b) + ttlv.HeaderSize
		b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 0)
	}
	ttlv.EndStructure(b, h)
	a.buf, a.msgMark, a.items = b, m, 0
}

// Success appends a successful result. op is echoed unless 0 (the request
// item had none), id unless nil; payload is the encoded ResponsePayload
// Structure, or nil for operations without one.
func (a *Assembler) Success(op uint32, id, payload []byte) {
	m := a.beginItem(op, id, StatusSuccess)
	a.buf = append(a.buf, payload...)
	ttlv.EndStructure(a.buf, m)
}

// Failure appends a failed result with its Result Reason (KMIP 2.1
// §9.18) and an optional Result Message (§9.17).
func (a *Assembler) Failure(op uint32, id []byte, reason uint32, message string) {
	a.result(op, id, StatusFailed, reason, message)
}

// Undone appends the result of an item whose effect an Undo batch error
// continuation option reverted (KMIP 2.1 §9.6, §9.19).
func (a *Assembler) Undone(op uint32, id []byte) {
	m := a.beginItem(op, id, StatusUndone)
	ttlv.EndStructure(a.buf, m)
}

// UndonePayload is Undone with the item's encoded ResponsePayload as it
// was before the undo: under Undo, "batch items that had been processed
// have been undone and their responses are returned with Undone result
// status" (KMIP 2.1 §11.4, Table 434; 1.4 §9.1.3.2.30).
func (a *Assembler) UndonePayload(op uint32, id, payload []byte) {
	m := a.beginItem(op, id, StatusUndone)
	a.buf = append(a.buf, payload...)
	ttlv.EndStructure(a.buf, m)
}

func (a *Assembler) result(op uint32, id []byte, status, reason uint32, message string) {
	m := a.beginItem(op, id, status)
	a.buf = ttlv.AppendEnumeration(a.buf, ttlv.TagResultReason, reason)
	if message != "" {
		a.buf = ttlv.AppendTextString(a.buf, ttlv.TagResultMessage, message)
	}
	ttlv.EndStructure(a.buf, m)
}

// BeginSuccess starts a successful result whose payload the caller
// appends in place to the returned buffer (with ttlv.BeginStructure and
// the Append functions), then hands back with EndSuccess: no copy.
func (a *Assembler) BeginSuccess(op uint32, id []byte) (buf []byte, mark int) {
	m := a.beginItem(op, id, StatusSuccess)
	return a.buf, m
}

// EndSuccess closes the item BeginSuccess opened; buf is the buffer with
// the payload appended.
func (a *Assembler) EndSuccess(buf []byte, mark int) {
	a.buf = buf
	ttlv.EndStructure(a.buf, mark)
}

func (a *Assembler) beginItem(op uint32, id []byte, status uint32) int {
	b, m := ttlv.BeginStructure(a.buf, ttlv.TagBatchItem)
	if op != 0 {
		b = ttlv.AppendEnumeration(b, ttlv.TagOperation, op)
	}
	if id != nil {
		b = ttlv.AppendByteString(b, ttlv.TagUniqueBatchItemID, id)
	}
	b = ttlv.AppendEnumeration(b, ttlv.TagResultStatus, status)
	a.buf = b
	a.items++
	return m
}

// Len returns the size of the message so far, as encoded; compare it with
// the request's MaximumResponseSize (which is measured on the TTLV form).
func (a *Assembler) Len() int { return len(a.buf) - a.msgMark }

// Items returns the number of results appended.
func (a *Assembler) Items() int { return int(a.items) }

// Finish patches the BatchCount and the message length and returns the
// buffer: dst as given to Begin, with the message appended.
func (a *Assembler) Finish() []byte {
	if a.countPos >= 0 {
		binary.BigEndian.PutUint32(a.buf[a.countPos:], uint32(a.items))
	}
	ttlv.EndStructure(a.buf, a.msgMark)
	return a.buf
}

package batch

import (
	"errors"
	"fmt"
	"io"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Enumeration values this package acts on (KMIP 2.1 §11).
const (
	// BatchErrorContinuationOption values, §11.5; Stop is the default.
	Continue uint32 = 0x01
	Stop     uint32 = 0x02
	Undo     uint32 = 0x03

	asyncMandatory = 0x01 // Asynchronous Indicator, §11.3
	asyncOptional  = 0x02
)

// DefaultMaxItems bounds the batch items of one message unless
// Options.MaxItems says otherwise.
const DefaultMaxItems = 10_000

// Options configures a Splitter.
type Options struct {
	// Decode configures the TTLV decoder (limits, leniency).
	Decode ttlv.DecodeOptions
	// MaxItems bounds the batch items of one message; zero means
	// DefaultMaxItems.
	MaxItems int
	// NoItemCheck skips the strict validation of each BatchItem's contents,
	// payload included, for callers that decode payloads strictly anyway.
	// Without the check a malformed item ends the split; with it, the
	// item alone fails.
	NoItemCheck bool
}

// Header holds the RequestHeader fields (KMIP 2.1 §8.2, Table 395). Byte
// slices alias the message.
type Header struct {
	// Major and Minor are the ProtocolVersion.
	Major, Minor int32
	// MaximumResponseSize is 0 when absent.
	MaximumResponseSize int32
	// BatchCount as announced; the Splitter checks it against the items.
	// -1 when the header has none, as in KMIP 3.0 (the committee draft
	// reserves the Batch Count tag): the items are then counted only
	// against Options.MaxItems.
	BatchCount int32
	// ErrorContinuation is Continue, Stop or Undo; Stop when absent.
	ErrorContinuation uint32
	// Ordered is the BatchOrderOption; true when absent.
	Ordered bool
	// Asynchronous reports an AsynchronousIndicator that allows
	// asynchronous answers: Boolean true (KMIP 1.x) or Mandatory/Optional
	// (KMIP 2.x).
	Asynchronous bool
	// TimeStamp is the client's, in POSIX seconds; 0 when absent.
	TimeStamp int64
	// ClientCorrelation and ServerCorrelation are the correlation values
	// (KMIP 1.4+), nil when absent.
	ClientCorrelation, ServerCorrelation []byte
	// Authentication is the encoded Authentication Structure, header
	// included, nil when absent.
	Authentication []byte
	// Raw is the whole encoded RequestHeader.
	Raw []byte
}

// Item is one request batch item (KMIP 2.1 §8.3, Table 396). Byte slices
// alias the message.
type Item struct {
	// Index counts the items from 0.
	Index int
	// Operation is the Operation enumeration value.
	Operation uint32
	// ID is the UniqueBatchItemID, nil when absent.
	ID []byte
	// Ephemeral is the Ephemeral flag (KMIP 2.0+).
	Ephemeral bool
	// Payload is the encoded RequestPayload, header included.
	Payload []byte
	// Extensions holds the encoded MessageExtension items, if any.
	Extensions []byte
	// Raw is the whole encoded BatchItem.
	Raw []byte
}

// Splitter reads a RequestMessage. The zero value is ready for Reset.
type Splitter struct {
	d        ttlv.Decoder
	msg      []byte
	bin      []byte // ResetJSON's binary form, reused
	opts     Options
	maxItems int
	hdr      Header
	items    int
	err      error // fatal, sticky

	// Stream mode (ResetReader); r is nil in buffer mode.
	r         io.Reader
	left      int64              // bytes of the RequestMessage not yet read
	off       int64              // message offset of the next piece
	base      int64              // message offset of msg[0]
	hbuf      []byte             // the RequestHeader piece; Header aliases it
	ibuf      []byte             // the current BatchItem piece
	pieceOpts ttlv.DecodeOptions // for a piece decoded on its own
}

// start clears the state of the previous message.
func (s *Splitter) start(msg []byte, opts Options) {
	s.msg, s.opts, s.items, s.err = msg, opts, 0, nil
	s.r, s.left, s.off, s.base = nil, 0, 0, 0
	s.maxItems = opts.MaxItems
	if s.maxItems <= 0 {
		s.maxItems = DefaultMaxItems
	}
	s.hdr = Header{ErrorContinuation: Stop, Ordered: true}
	// A BatchItem (or, in stream mode, the RequestHeader) decoded on its
	// own sits one level below the RequestMessage: one level less to nest.
	s.pieceOpts = opts.Decode
	if s.pieceOpts.MaxDepth <= 0 {
		s.pieceOpts.MaxDepth = ttlv.DefaultMaxDepth
	}
	s.pieceOpts.MaxDepth--
	s.pieceOpts.Sequence = false
}

// Reset starts splitting msg and returns its header. The Header stays
// valid until the next Reset.
func (s *Splitter) Reset(msg []byte, opts Options) (*Header, error) {
	s.start(msg, opts)
	s.d.Reset(msg, opts.Decode)
	it, err := s.d.Next()
	if err == io.EOF {
		err = &ttlv.Error{Err: fmt.Errorf("%w: empty message", ttlv.ErrTruncated)}
	}
	if err != nil {
		return nil, s.fatal(err)
	}
	if it.Tag != ttlv.TagRequestMessage || it.Type != ttlv.TypeStructure {
		return nil, s.fatal(s.errAt(-1, ErrNotRequest, "top-level %v %v", it.Tag, it.Type))
	}
	s.d.Enter()
	it, err = s.d.Next()
	if err == io.EOF {
		return nil, s.fatal(s.errAt(-1, ErrMissing, "RequestHeader"))
	}
	if err != nil {
		return nil, s.fatal(err)
	}
	if it.Tag != ttlv.TagRequestHeader || it.Type != ttlv.TypeStructure {
		return nil, s.fatal(s.errAt(-1, ErrMissing, "RequestHeader first, found %v", it.Tag))
	}
	if err := s.header(); err != nil {
		return nil, s.fatal(err)
	}
	return &s.hdr, nil
}

// ResetJSON starts splitting a RequestMessage in the JSON form (KMIP
// Additional Message Encodings §4, as POSTed to /kmip): it converts msg to
// binary TTLV in a buffer the Splitter keeps and reuses, then splits that.
// Item and Header slices alias the binary form, and error offsets count in
// it; a JSON syntax error is a *jsonttlv.Error with line and column.
func (s *Splitter) ResetJSON(msg []byte, opts Options, jopts jsonttlv.DecodeOptions) (*Header, error) {
	bin, err := jsonttlv.AppendBinary(s.bin[:0], msg, jopts)
	s.bin = bin
	if err != nil {
		s.err = &Error{Item: -1, Offset: -1, Err: err}
		return nil, s.err
	}
	return s.Reset(bin, opts)
}

// header reads the RequestHeader that Next just returned.
func (s *Splitter) header() error {
	h := &s.hdr
	h.Raw = s.raw()
	if !s.opts.NoItemCheck {
		// Validate the header as a whole, as each item is: the fields
		// left raw (Authentication) and those skipped are checked too.
		if err := ttlv.Validate(h.Raw, s.pieceOpts); err != nil {
			return s.shift(err, s.d.ItemOffset())
		}
	}
	s.d.Enter()
	var haveVersion, haveCount bool
	for {
		it, err := s.d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch {
		case it.Tag == ttlv.TagProtocolVersion && it.Type == ttlv.TypeStructure:
			if h.Major, h.Minor, err = s.version(); err != nil {
				return err
			}
			haveVersion = true
		case it.Tag == ttlv.TagMaximumResponseSize && it.Type == ttlv.TypeInteger:
			h.MaximumResponseSize = it.Int()
		case it.Tag == ttlv.TagBatchCount && it.Type == ttlv.TypeInteger:
			h.BatchCount = it.Int()
			haveCount = true
		case it.Tag == ttlv.TagBatchErrorContinuationOption && it.Type == ttlv.TypeEnumeration:
			h.ErrorContinuation = it.Enum()
			if h.ErrorContinuation < Continue || h.ErrorContinuation > Undo {
				return s.errAt(-1, ErrField, "BatchErrorContinuationOption 0x%08X", h.ErrorContinuation)
			}
		case it.Tag == ttlv.TagBatchOrderOption && it.Type == ttlv.TypeBoolean:
			h.Ordered = it.Bool()
		case it.Tag == ttlv.TagAsynchronousIndicator && it.Type == ttlv.TypeBoolean:
			h.Asynchronous = it.Bool()
		case it.Tag == ttlv.TagAsynchronousIndicator && it.Type == ttlv.TypeEnumeration:
			h.Asynchronous = it.Enum() == asyncMandatory || it.Enum() == asyncOptional
		case it.Tag == ttlv.TagTimeStamp && it.Type == ttlv.TypeDateTime:
			h.TimeStamp = it.Long()
		case it.Tag == ttlv.TagClientCorrelationValue && it.Type == ttlv.TypeTextString:
			h.ClientCorrelation = it.Value
		case it.Tag == ttlv.TagServerCorrelationValue && it.Type == ttlv.TypeTextString:
			h.ServerCorrelation = it.Value
		case it.Tag == ttlv.TagAuthentication && it.Type == ttlv.TypeStructure:
			h.Authentication = s.raw()
		case isHeaderField(it.Tag):
			return s.errAt(-1, ErrField, "%v of type %v", it.Tag, it.Type)
		}
	}
	if err := s.d.Leave(); err != nil {
		return err
	}
	if !haveVersion {
		return s.errAt(-1, ErrMissing, "ProtocolVersion in RequestHeader")
	}
	if !haveCount {
		if h.Major < 3 {
			return s.errAt(-1, ErrMissing, "BatchCount in RequestHeader")
		}
		h.BatchCount = -1
	}
	if h.BatchCount < -1 || haveCount && h.BatchCount < 0 || int(h.BatchCount) > s.maxItems {
		return s.errAt(-1, ErrTooManyItems, "BatchCount %d, limit %d", h.BatchCount, s.maxItems)
	}
	return nil
}

// isHeaderField reports the header tags whose type header() checks.
func isHeaderField(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagProtocolVersion, ttlv.TagMaximumResponseSize, ttlv.TagBatchCount,
		ttlv.TagBatchErrorContinuationOption, ttlv.TagBatchOrderOption, ttlv.TagAsynchronousIndicator,
		ttlv.TagTimeStamp, ttlv.TagClientCorrelationValue, ttlv.TagServerCorrelationValue, ttlv.TagAuthentication:
		return true
	}
	return false
}

// version reads the ProtocolVersion Structure that Next just returned.
func (s *Splitter) version() (major, minor int32, err error) {
	s.d.Enter()
	var n int
	for ; ; n++ {
		it, err := s.d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		switch {
		case it.Tag == ttlv.TagProtocolVersionMajor && it.Type == ttlv.TypeInteger:
			major = it.Int()
		case it.Tag == ttlv.TagProtocolVersionMinor && it.Type == ttlv.TypeInteger:
			minor = it.Int()
		default:
			return 0, 0, s.errAt(-1, ErrField, "%v %v in ProtocolVersion", it.Tag, it.Type)
		}
	}
	if n != 2 {
		return 0, 0, s.errAt(-1, ErrMissing, "ProtocolVersionMajor and ProtocolVersionMinor")
	}
	return major, minor, s.d.Leave()
}

// Next fills it with the next batch item. It returns io.EOF after the last
// item — or ErrBatchCount if their number differs from the header's
// BatchCount. An *Error whose Item is it.Index concerns that item only:
// Next may be called again. Any other error ends the split.
func (s *Splitter) Next(it *Item) error {
	if s.err != nil {
		return s.err
	}
	var tok ttlv.Item
	var err error
	if s.r != nil {
		tok, err = s.nextPiece()
	} else {
		tok, err = s.d.Next()
	}
	if err == io.EOF {
		s.err = io.EOF
		if s.r == nil && !s.opts.Decode.Sequence {
			// A byte slice holds one message: nothing may follow it,
			// as ttlv.Unmarshal requires.
			if err := s.d.Leave(); err != nil {
				return s.fatal(err)
			}
			if _, err := s.d.Next(); err != io.EOF {
				return s.fatal(err)
			}
		}
		switch {
		case s.hdr.BatchCount >= 0 && s.items != int(s.hdr.BatchCount):
			s.err = s.errAt(-1, ErrBatchCount, "BatchCount %d, %d BatchItems", s.hdr.BatchCount, s.items)
		case s.items == 0:
			// A message holds at least one Batch Item (1.4 §7.1, 2.1
			// §8.1: Batch Item required) — without a BatchCount to say
			// so (KMIP 3), a message of none would be answered by none.
			s.err = s.errAt(-1, ErrMissing, "BatchItem: a message holds at least one")
		}
		return s.err
	}
	if err != nil {
		return s.fatal(err)
	}
	if tok.Tag != ttlv.TagBatchItem || tok.Type != ttlv.TypeStructure {
		return s.fatal(s.errAt(-1, ErrField, "%v %v among the BatchItems", tok.Tag, tok.Type))
	}
	if s.items >= s.maxItems {
		return s.fatal(s.errAt(-1, ErrTooManyItems, "more than %d BatchItems", s.maxItems))
	}
	*it = Item{Index: s.items, Raw: s.raw()}
	s.items++
	if !s.opts.NoItemCheck {
		// Validate the item as a whole first, so that a malformed field
		// fails this item only; the Decoder then steps over it.
		if err := ttlv.Validate(it.Raw, s.pieceOpts); err != nil {
			return s.itemError(it.Index, s.shift(err, s.d.ItemOffset()))
		}
	}
	s.d.Enter()
	itemErr := s.item(it)
	if err := s.d.Leave(); err != nil {
		return s.fatal(err)
	}
	return itemErr
}

// item reads the fields of the BatchItem just entered.
func (s *Splitter) item(it *Item) error {
	var haveOp, haveID, haveEph bool
	var extStart, extEnd int
	for {
		tok, err := s.d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err // only with NoItemCheck: the Decoder's error is sticky
		}
		// Operation, Unique Batch Item ID, Ephemeral and Request Payload
		// occur once in a Batch Item (KMIP 1.4 §7.1 Table 283, 2.1 §8.3 Table
		// 396; only Message Extension MAY be repeated): a second
		// one is refused rather than let one copy silently win.
		switch {
		case (tok.Tag == ttlv.TagOperation && haveOp) || (tok.Tag == ttlv.TagUniqueBatchItemID && haveID) ||
			(tok.Tag == ttlv.TagEphemeral && haveEph) || (tok.Tag == ttlv.TagRequestPayload && it.Payload != nil):
			return s.errAt(it.Index, ErrField, "%v repeated in BatchItem", tok.Tag)
		case tok.Tag == ttlv.TagOperation && tok.Type == ttlv.TypeEnumeration:
			it.Operation, haveOp = tok.Enum(), true
		case tok.Tag == ttlv.TagUniqueBatchItemID && tok.Type == ttlv.TypeByteString:
			it.ID, haveID = tok.Value, true
		case tok.Tag == ttlv.TagEphemeral && tok.Type == ttlv.TypeBoolean:
			it.Ephemeral, haveEph = tok.Bool(), true
		case tok.Tag == ttlv.TagRequestPayload && tok.Type == ttlv.TypeStructure:
			it.Payload = s.raw()
		case tok.Tag == ttlv.TagMessageExtension && tok.Type == ttlv.TypeStructure:
			off := int(s.d.ItemOffset())
			if extStart == 0 {
				extStart = off
			}
			extEnd = off + len(s.raw())
		case tok.Tag == ttlv.TagOperation || tok.Tag == ttlv.TagUniqueBatchItemID ||
			tok.Tag == ttlv.TagEphemeral || tok.Tag == ttlv.TagRequestPayload:
			return s.errAt(it.Index, ErrField, "%v of type %v", tok.Tag, tok.Type)
		}
	}
	if extStart != 0 {
		it.Extensions = s.msg[extStart:extEnd]
	}
	if !haveOp {
		return s.errAt(it.Index, ErrMissing, "Operation in BatchItem")
	}
	return nil
}

// raw returns the encoded item that Next returned last, header and padding
// included.
func (s *Splitter) raw() []byte {
	off := int(s.d.ItemOffset())
	n := int(uint32(s.msg[off+4])<<24 | uint32(s.msg[off+5])<<16 | uint32(s.msg[off+6])<<8 | uint32(s.msg[off+7]))
	return s.msg[off : off+ttlv.HeaderSize+(n+7)&^7]
}

// shift makes a payload validation error's offset relative to the message.
func (s *Splitter) shift(err error, base int64) error {
	var te *ttlv.Error
	if errors.As(err, &te) {
		c := *te
		c.Offset += base
		path := make(ttlv.Path, 0, s.d.Depth()+len(te.Path))
		path = s.d.AppendPath(path)
		c.Path = append(path[:len(path)-1], te.Path...)
		return &c
	}
	return err
}

func (s *Splitter) fatal(err error) error {
	if _, ok := err.(*Error); !ok {
		err = s.inFrame(err)
		err = &Error{Item: -1, Offset: offsetOf(err), Err: err}
	}
	s.err = err
	return err
}

func (s *Splitter) itemError(index int, err error) error {
	err = s.inFrame(err)
	return &Error{Item: index, Offset: offsetOf(err), Err: err}
}

// errAt builds an error at the item Next returned last.
func (s *Splitter) errAt(index int, sentinel error, format string, args ...any) error {
	var path ttlv.Path
	if s.r != nil {
		path = append(path, ttlv.TagRequestMessage)
	}
	path = s.d.AppendPath(path)
	return &Error{Item: index, Offset: s.base + s.d.ItemOffset(), Path: path,
		Err: fmt.Errorf("%w: %s", sentinel, fmt.Sprintf(format, args...))}
}

func offsetOf(err error) int64 {
	var te *ttlv.Error
	if errors.As(err, &te) {
		return te.Offset
	}
	return -1
}

package batch

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Stream mode: the Splitter reads a RequestMessage from an io.Reader one
// piece at a time — the RequestHeader, then each BatchItem as it arrives —
// so a server can run item 0 while item 1 is still on the wire. Each piece
// is read whole into a buffer the Splitter reuses and decoded there as a
// top-level item; offsets and paths are then moved back into the message's
// frame (base, and the RequestMessage tag in front of the path).

// readChunk bounds how far a piece's buffer grows ahead of the bytes that
// have arrived: a header announcing 16 MiB costs at most this much memory
// until the bytes follow.
const readChunk = 64 << 10

// ResetReader starts splitting the RequestMessage that r delivers next and
// returns its header once the RequestHeader has arrived. Items are then read
// by Next as they arrive; their slices alias a buffer that the following
// Next reuses, while the Header stays valid until the next Reset. Call Next
// until io.EOF (or an error that ends the split) to consume the message: r
// is then positioned at the next one, so one Splitter serves a connection
// message after message. When r has nothing at all, ResetReader returns
// io.EOF itself, unwrapped: the peer closed the stream between messages.
func (s *Splitter) ResetReader(r io.Reader, opts Options) (*Header, error) {
	s.start(nil, opts)
	s.r = r
	head, err := s.readHead(s.hbuf[:0])
	s.hbuf = head
	if err != nil {
		if err == io.EOF {
			s.err = io.EOF
			return nil, io.EOF
		}
		return nil, s.fatal(s.readError(err, 0))
	}
	h := binary.BigEndian.Uint64(head)
	tag, typ, length := ttlv.Tag(h>>40), ttlv.Type(h>>32), uint32(h)
	if tag != ttlv.TagRequestMessage || typ != ttlv.TypeStructure {
		return nil, s.fatal(&Error{Item: -1, Offset: 0, Path: ttlv.Path{tag},
			Err: fmt.Errorf("%w: top-level %v %v", ErrNotRequest, tag, typ)})
	}
	max := opts.Decode.MaxMessageSize
	if max <= 0 {
		max = ttlv.DefaultMaxMessageSize
	}
	if length%8 != 0 || int64(length)+ttlv.HeaderSize > int64(max) {
		sentinel := ttlv.ErrTooLarge
		if length%8 != 0 {
			sentinel = ttlv.ErrLength
		}
		return nil, s.fatal(&Error{Item: -1, Offset: 0, Path: ttlv.Path{tag},
			Err: fmt.Errorf("%w: RequestMessage of %d bytes, limit %d", sentinel, int64(length)+ttlv.HeaderSize, max)})
	}
	s.left, s.off = int64(length), ttlv.HeaderSize

	if s.left == 0 {
		return nil, s.fatal(&Error{Item: -1, Offset: 0, Path: ttlv.Path{tag},
			Err: fmt.Errorf("%w: RequestHeader", ErrMissing)})
	}
	piece, err := s.readPiece(s.hbuf[:0])
	s.hbuf = piece
	if err != nil {
		return nil, s.fatal(err)
	}
	it, err := s.d.Next()
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

// ResetJSONReader starts splitting a RequestMessage in the JSON form read
// from r up to its end (an HTTP request body, say), bounded by
// jopts.MaxSize. The JSON form has no length prefix to frame items by, so
// the whole message is converted first; the items are then split as
// ResetJSON does.
func (s *Splitter) ResetJSONReader(r io.Reader, opts Options, jopts jsonttlv.DecodeOptions) (*Header, error) {
	bin, err := jsonttlv.ReadBinary(s.bin[:0], r, jopts)
	s.bin = bin
	if err != nil {
		s.start(nil, opts)
		s.err = &Error{Item: -1, Offset: -1, Err: err}
		return nil, s.err
	}
	return s.Reset(bin, opts)
}

// nextPiece reads the next BatchItem of a stream and positions the Decoder
// on it, as Next does in a buffer. At the end of the message it returns
// io.EOF.
func (s *Splitter) nextPiece() (ttlv.Item, error) {
	if s.left == 0 {
		return ttlv.Item{}, io.EOF
	}
	piece, err := s.readPiece(s.ibuf[:0])
	s.ibuf = piece
	if err != nil {
		return ttlv.Item{}, err
	}
	return s.d.Next()
}

// readPiece reads one item of the RequestMessage, header and padded value,
// into buf and resets the Decoder on it.
func (s *Splitter) readPiece(buf []byte) ([]byte, error) {
	at := s.off
	if s.left < ttlv.HeaderSize {
		return buf, &Error{Item: -1, Offset: at, Path: ttlv.Path{ttlv.TagRequestMessage},
			Err: fmt.Errorf("%w: %d bytes left in the RequestMessage, an item header takes 8", ttlv.ErrOverrun, s.left)}
	}
	buf, err := s.readHead(buf)
	if err != nil {
		return buf, s.readError(err, at)
	}
	length := binary.BigEndian.Uint32(buf[4:])
	total := int64(ttlv.HeaderSize) + (int64(length)+7)&^7
	if total > s.left {
		return buf, &Error{Item: -1, Offset: at, Path: ttlv.Path{ttlv.TagRequestMessage, ttlv.Tag(binary.BigEndian.Uint32(buf) >> 8)},
			Err: fmt.Errorf("%w: item of %d bytes, %d left in the RequestMessage", ttlv.ErrOverrun, total, s.left)}
	}
	for int64(len(buf)) < total {
		n := int(min(total-int64(len(buf)), readChunk))
		if cap(buf)-len(buf) < n {
			buf = append(buf, make([]byte, n)...)[:len(buf)]
		}
		k, err := io.ReadFull(s.r, buf[len(buf):len(buf)+n])
		buf = buf[:len(buf)+k]
		if err != nil {
			return buf, s.readError(err, at+int64(len(buf)))
		}
	}
	s.left -= total
	s.off += total
	s.base = at
	s.msg = buf
	s.d.Reset(buf, s.pieceOpts)
	return buf, nil
}

// readHead reads an item header into buf[:8]. The bytes go into the
// caller's (heap) buffer: reading into an array inside the Splitter would
// make every Splitter escape to the heap.
func (s *Splitter) readHead(buf []byte) ([]byte, error) {
	buf = append(buf[:0], make([]byte, ttlv.HeaderSize)...)
	_, err := io.ReadFull(s.r, buf)
	return buf, err
}

// readError reports a failed read at message offset at: the end of the
// stream inside a message is ErrTruncated.
func (s *Splitter) readError(err error, at int64) error {
	if err == io.EOF || err == io.ErrUnexpectedEOF {
		return &Error{Item: -1, Offset: at, Path: ttlv.Path{ttlv.TagRequestMessage},
			Err: fmt.Errorf("%w: stream ended inside the RequestMessage", ttlv.ErrTruncated)}
	}
	return &Error{Item: -1, Offset: at, Err: fmt.Errorf("batch: reading the request: %w", err)}
}

// inFrame moves an error of the piece Decoder into the message's frame:
// offsets from the piece's start, and the RequestMessage tag in front of
// the path. Buffer mode decodes the message itself and needs nothing.
func (s *Splitter) inFrame(err error) error {
	if s.r == nil {
		return err
	}
	var te *ttlv.Error
	if errors.As(err, &te) {
		c := *te
		if c.Offset >= 0 {
			c.Offset += s.base
		}
		c.Path = append(ttlv.Path{ttlv.TagRequestMessage}, te.Path...)
		return &c
	}
	return err
}

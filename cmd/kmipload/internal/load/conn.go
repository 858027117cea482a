package load

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// Transport is how requests reach the server.
type Transport int

// The transports.
const (
	// Plain is binary TTLV over TCP, as kmipd -plaintext serves it.
	Plain Transport = iota
	// TLS is binary TTLV over TLS, the KMIP standard (port 5696).
	TLS
	// HTTPJSON is the JSON form POSTed to /kmip.
	HTTPJSON
)

// conn is one client connection: it sends a binary RequestMessage and
// returns the binary ResponseMessage, valid until the next call.
type conn interface {
	roundTrip(req []byte) ([]byte, error)
	Close() error
}

// binConn speaks binary TTLV on a stream, one message after the other.
type binConn struct {
	c    net.Conn
	r    *bufio.Reader
	buf  []byte
	max  int
	head [ttlv.HeaderSize]byte
}

func dialBinary(ctx context.Context, addr string, tlsConf *tls.Config, maxSize int) (*binConn, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	if tlsConf != nil {
		tc := tls.Client(c, tlsConf)
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, fmt.Errorf("TLS handshake with %s: %w", addr, err)
		}
		c = tc
	}
	return &binConn{c: c, r: bufio.NewReaderSize(c, 64<<10), max: maxSize}, nil
}

func (b *binConn) roundTrip(req []byte) ([]byte, error) {
	if _, err := b.c.Write(req); err != nil {
		return nil, err
	}
	if _, err := io.ReadFull(b.r, b.head[:]); err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	h := binary.BigEndian.Uint64(b.head[:])
	tag, typ, n := ttlv.Tag(h>>40), ttlv.Type(h>>32), int64(uint32(h))
	if tag != ttlv.TagResponseMessage || typ != ttlv.TypeStructure {
		return nil, fmt.Errorf("response is %v %v, not a ResponseMessage", tag, typ)
	}
	if n+ttlv.HeaderSize > int64(b.max) {
		return nil, fmt.Errorf("response of %d bytes exceeds the %d-byte limit", n+ttlv.HeaderSize, b.max)
	}
	b.buf = append(append(b.buf[:0], b.head[:]...), make([]byte, n)...)
	if _, err := io.ReadFull(b.r, b.buf[ttlv.HeaderSize:]); err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	return b.buf, nil
}

func (b *binConn) Close() error { return b.c.Close() }

// httpConn POSTs the JSON form to /kmip on a kept-alive connection.
type httpConn struct {
	client *http.Client
	url    string
	max    int
	json   []byte
	bin    []byte
	body   bytes.Buffer
}

func newHTTPConn(url string, tlsConf *tls.Config, maxSize int) *httpConn {
	tr := &http.Transport{TLSClientConfig: tlsConf, MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}
	return &httpConn{client: &http.Client{Transport: tr}, url: url, max: maxSize}
}

func (h *httpConn) roundTrip(req []byte) ([]byte, error) {
	js, err := jsonttlv.AppendJSON(h.json[:0], req, jsonttlv.EncodeOptions{})
	h.json = js
	if err != nil {
		return nil, err
	}
	resp, err := h.client.Post(h.url, "application/json", bytes.NewReader(js))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	h.body.Reset()
	if _, err := h.body.ReadFrom(io.LimitReader(resp.Body, int64(h.max)+1)); err != nil {
		return nil, fmt.Errorf("reading the response: %w", err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("HTTP %s: %.200s", resp.Status, h.body.Bytes())
	}
	if h.body.Len() > h.max {
		return nil, fmt.Errorf("response exceeds the %d-byte limit", h.max)
	}
	bin, err := jsonttlv.AppendBinary(h.bin[:0], h.body.Bytes(), jsonttlv.DecodeOptions{})
	h.bin = bin
	return bin, err
}

func (h *httpConn) Close() error {
	h.client.CloseIdleConnections()
	return nil
}

// itemResult is what the generator keeps of one response batch item.
type itemResult struct {
	status, reason uint32
	message        []byte // ResultMessage, on failure
	id             []byte // UniqueIdentifier in the payload, if any
}

// errNotResponse: the server answered something else than a ResponseMessage.
var errNotResponse = errors.New("not a ResponseMessage")

// parseResponse validates a ResponseMessage and calls fn for each batch
// item, in order. Slices alias msg.
func parseResponse(msg []byte, fn func(i int, r itemResult)) (int, error) {
	if err := ttlv.Validate(msg, ttlv.DecodeOptions{}); err != nil {
		return 0, err
	}
	tag, body, _ := ttlv.ConsumeStructure(msg)
	if tag != ttlv.TagResponseMessage {
		return 0, fmt.Errorf("%w: %v", errNotResponse, tag)
	}
	n := 0
	for len(body) > 0 {
		tag, typ, v, k := ttlv.ConsumeValue(body)
		body = body[k:]
		if tag != ttlv.TagBatchItem || typ != ttlv.TypeStructure {
			continue
		}
		var r itemResult
		for len(v) > 0 {
			t, ty, fv, k := ttlv.ConsumeValue(v)
			v = v[k:]
			switch {
			case t == ttlv.TagResultStatus && ty == ttlv.TypeEnumeration:
				r.status = binary.BigEndian.Uint32(fv)
			case t == ttlv.TagResultReason && ty == ttlv.TypeEnumeration:
				r.reason = binary.BigEndian.Uint32(fv)
			case t == ttlv.TagResultMessage && ty == ttlv.TypeTextString:
				r.message = fv
			case t == ttlv.TagResponsePayload && ty == ttlv.TypeStructure:
				for len(fv) > 0 {
					pt, pty, pv, pk := ttlv.ConsumeValue(fv)
					fv = fv[pk:]
					if pt == ttlv.TagUniqueIdentifier && pty == ttlv.TypeTextString {
						r.id = pv
					}
				}
			}
		}
		fn(n, r)
		n++
	}
	return n, nil
}

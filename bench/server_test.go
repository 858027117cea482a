package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/kmipwire/kmipwire/bench/corpus"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The server's paths: the in-process KMIP server (kmipserver) answering
// RequestMessages, binary (path=server, ServeTTLV) and JSON
// (path=server-json, ServeJSON), with the response written into a reused
// buffer. The corpus requests name objects the server does not hold, so
// these paths run their own requests against an AES-256 key created and
// activated first: one Get, a batch of 100 Gets, and a 1 MiB AES-GCM
// Encrypt. b.SetBytes is the request's size.

// KMIP 2.1 §11 values the requests use.
const (
	opCreate   = 0x01
	opGet      = 0x0A
	opActivate = 0x12
	opEncrypt  = 0x1F

	objSymmetricKey = 0x02
	algAES          = 0x03
	modeGCM         = 0x09
	usageEncDec     = 0x04 | 0x08
)

// request builds a KMIP 1.4 RequestMessage of n items, each written by
// item(e, i).
func request(n int, item func(e *ttlv.Encoder, i int)) []byte {
	e := ttlv.NewEncoder(nil)
	defer e.Release()
	e.Begin(ttlv.TagRequestMessage)
	e.Begin(ttlv.TagRequestHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 1)
	e.Integer(ttlv.TagProtocolVersionMinor, 4)
	e.End()
	e.Integer(ttlv.TagBatchCount, int32(n))
	e.End()
	for i := range n {
		e.Begin(ttlv.TagBatchItem)
		item(e, i)
		e.End()
	}
	e.End()
	return append([]byte(nil), e.Bytes()...)
}

// checkResponse checks that resp is a ResponseMessage of n successful
// items, and returns the first item's UniqueIdentifier, if any.
func checkResponse(resp []byte, n int) (string, error) {
	var v ttlv.Value
	if err := ttlv.Unmarshal(resp, &v); err != nil {
		return "", fmt.Errorf("response: %w", err)
	}
	var id string
	items := 0
	for i := range v.Children {
		c := &v.Children[i]
		if c.Tag != ttlv.TagBatchItem {
			continue
		}
		if st := c.Child(ttlv.TagResultStatus); st == nil || st.Num != 0 {
			msg := c.Child(ttlv.TagResultMessage)
			if msg != nil {
				return "", fmt.Errorf("item %d failed: %s", items, msg.Text())
			}
			return "", fmt.Errorf("item %d failed", items)
		}
		if items == 0 {
			if p := c.Child(ttlv.TagResponsePayload); p != nil {
				if u := p.Child(ttlv.TagUniqueIdentifier); u != nil {
					id = u.Text()
				}
			}
		}
		items++
	}
	if items != n {
		return "", fmt.Errorf("%d items answered, want %d", items, n)
	}
	return id, nil
}

// serverPaths starts a server, creates and activates the key, and returns
// the two server paths over their requests.
func serverPaths(tb testing.TB) []path {
	tb.Helper()
	s := kmipserver.New(kmipserver.Config{})
	ctx := context.Background()
	create := request(2, func(e *ttlv.Encoder, i int) {
		if i == 1 { // Activate the key just created (ID placeholder)
			e.Enumeration(ttlv.TagOperation, opActivate)
			e.Begin(ttlv.TagRequestPayload)
			e.End()
			return
		}
		e.Enumeration(ttlv.TagOperation, opCreate)
		e.Begin(ttlv.TagRequestPayload)
		e.Enumeration(ttlv.TagObjectType, objSymmetricKey)
		e.Begin(ttlv.TagTemplateAttribute)
		for _, a := range []struct {
			name string
			enum bool
			v    int32
		}{{"Cryptographic Algorithm", true, algAES}, {"Cryptographic Length", false, 256}, {"Cryptographic Usage Mask", false, usageEncDec}} {
			e.Begin(ttlv.TagAttribute)
			e.TextString(ttlv.TagAttributeName, a.name)
			if a.enum {
				e.Enumeration(ttlv.TagAttributeValue, uint32(a.v))
			} else {
				e.Integer(ttlv.TagAttributeValue, a.v)
			}
			e.End()
		}
		e.End()
		e.End()
	})
	id, err := checkResponse(s.ServeTTLV(ctx, nil, create), 2)
	if err != nil || id == "" {
		tb.Fatalf("server: Create and Activate: %v (id %q)", err, id)
	}
	get := func(e *ttlv.Encoder, _ int) {
		e.Enumeration(ttlv.TagOperation, opGet)
		e.Begin(ttlv.TagRequestPayload)
		e.TextString(ttlv.TagUniqueIdentifier, id)
		e.End()
	}
	data := make([]byte, corpus.EncryptDataSize)
	for i := range data {
		data[i] = byte(i * 7)
	}
	encrypt := func(e *ttlv.Encoder, _ int) {
		e.Enumeration(ttlv.TagOperation, opEncrypt)
		e.Begin(ttlv.TagRequestPayload)
		e.TextString(ttlv.TagUniqueIdentifier, id)
		e.Begin(ttlv.TagCryptographicParameters)
		e.Enumeration(ttlv.TagBlockCipherMode, modeGCM)
		e.End()
		e.ByteString(ttlv.TagData, data)
		e.ByteString(ttlv.TagIVCounterNonce, make([]byte, 12))
		e.End()
	}
	var own []message
	for _, r := range []struct {
		name  string
		items int
		item  func(*ttlv.Encoder, int)
	}{{"get", 1, get}, {"get-batch-100", 100, get}, {"encrypt-1mib", 1, encrypt}} {
		bin := request(r.items, r.item)
		js, err := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{})
		if err != nil {
			tb.Fatal(err)
		}
		own = append(own, message{Message: corpus.Message{Name: r.name, Kind: "RequestMessage", Major: 1, Minor: 4}, bin: bin, json: js})
	}
	items := map[string]int{"get": 1, "get-batch-100": 100, "encrypt-1mib": 1}
	return []path{
		{name: "server", allocates: true, own: own, prepare: func(m *message) (func() error, int) {
			resp := s.ServeTTLV(ctx, nil, m.bin)
			if _, err := checkResponse(resp, items[m.Name]); err != nil {
				return func() error { return err }, len(m.bin)
			}
			return func() error {
				resp = s.ServeTTLV(ctx, resp[:0], m.bin)
				return nil
			}, len(m.bin)
		}},
		{name: "server-json", allocates: true, own: own, prepare: func(m *message) (func() error, int) {
			resp := s.ServeJSON(ctx, nil, m.json)
			bin, err := jsonttlv.AppendBinary(nil, resp, jsonttlv.DecodeOptions{})
			if err == nil {
				_, err = checkResponse(bin, items[m.Name])
			}
			if err != nil {
				return func() error { return err }, len(m.json)
			}
			return func() error {
				resp = s.ServeJSON(ctx, resp[:0], m.json)
				return nil
			}, len(m.json)
		}},
	}
}

package peers

import (
	"bytes"
	"fmt"

	kmip "github.com/gemalto/kmip-go"
	"github.com/gemalto/kmip-go/kmip14"
	"github.com/gemalto/kmip-go/kmip20"
	gem "github.com/gemalto/kmip-go/ttlv"
)

// gemalto's typed layer: kmip.RequestMessage and kmip.ResponseMessage
// hold their payloads as interface{}, which the Decoder leaves as raw
// TTLV; its client then decodes each payload into the operation's struct
// (KMIP 1.4 ones in package kmip, 2.0 ones in kmip20). These paths do the
// same: the message, then every payload, typed. An operation without a
// payload struct for the message's version makes the path n/a.
func init() {
	typedPaths["gemalto"] = map[string]impl{
		"typed-unmarshal": {prepare: gemTypedUnmarshal},
		"typed-marshal":   {prepare: gemTypedMarshal},
	}
}

// gemPayload returns a new payload struct for the operation, in a request
// or a response of the given major version, or nil when gemalto has none.
func gemPayload(major int, op kmip14.Operation, request bool) any {
	type key struct {
		v2      bool
		op      kmip14.Operation
		request bool
	}
	switch (key{major >= 2, op, request}) {
	case key{false, kmip14.OperationGet, true}:
		return new(kmip.GetRequestPayload)
	case key{false, kmip14.OperationGet, false}:
		return new(kmip.GetResponsePayload)
	case key{false, kmip14.OperationCreate, true}:
		return new(kmip.CreateRequestPayload)
	case key{false, kmip14.OperationCreateKeyPair, true}:
		return new(kmip.CreateKeyPairRequestPayload)
	case key{true, kmip14.OperationCreateKeyPair, true}:
		return new(kmip20.CreateKeyPairRequestPayload)
	case key{true, kmip14.OperationLocate, true}:
		return new(kmip20.LocateRequestPayload)
	case key{true, kmip14.OperationGet, true}:
		return new(kmip20.GetRequestPayload)
	}
	return nil
}

// gemUnmarshal decodes m into a typed message, payloads included.
func gemUnmarshal(d *gem.Decoder, m *message) (any, error) {
	switch m.kind {
	case "RequestMessage":
		var v kmip.RequestMessage
		if err := d.DecodeValue(&v, gem.TTLV(m.bin)); err != nil {
			return nil, err
		}
		major := v.RequestHeader.ProtocolVersion.ProtocolVersionMajor
		for i := range v.BatchItem {
			it := &v.BatchItem[i]
			p := gemPayload(major, it.Operation, true)
			if p == nil {
				return nil, fmt.Errorf("no %s request payload type for KMIP %d", it.Operation, major)
			}
			if err := d.DecodeValue(p, it.RequestPayload.(gem.TTLV)); err != nil {
				return nil, err
			}
			it.RequestPayload = p
		}
		return &v, nil
	case "ResponseMessage":
		var v kmip.ResponseMessage
		if err := d.DecodeValue(&v, gem.TTLV(m.bin)); err != nil {
			return nil, err
		}
		major := v.ResponseHeader.ProtocolVersion.ProtocolVersionMajor
		for i := range v.BatchItem {
			it := &v.BatchItem[i]
			p := gemPayload(major, it.Operation, false)
			if p == nil {
				return nil, fmt.Errorf("no %s response payload type for KMIP %d", it.Operation, major)
			}
			if err := d.DecodeValue(p, it.ResponsePayload.(gem.TTLV)); err != nil {
				return nil, err
			}
			it.ResponsePayload = p
		}
		return &v, nil
	}
	return nil, fmt.Errorf("no typed message for a %s", m.kind)
}

func gemTypedUnmarshal(m *message) (func() error, error) {
	d := gem.NewDecoder(bytes.NewReader(nil))
	v, err := gemUnmarshal(d, m)
	if err != nil {
		return nil, err
	}
	out, err := newGemEncoder().encode(v)
	if err != nil {
		return nil, fmt.Errorf("typed-unmarshal: the message does not re-encode: %w", err)
	}
	return func() error {
		_, err := gemUnmarshal(d, m)
		return err
	}, sameTree(m, out)
}

func gemTypedMarshal(m *message) (func() error, error) {
	v, err := gemUnmarshal(gem.NewDecoder(bytes.NewReader(nil)), m)
	if err != nil {
		return nil, err
	}
	g := newGemEncoder()
	out, err := g.encode(v)
	if err == nil {
		err = sameTree(m, out)
	}
	return warm(func() error {
		_, err := g.encode(v)
		return err
	}, err)
}

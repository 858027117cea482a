package kmip_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kmipwire/kmipwire/batch"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// TestSplitterAssembler: the 100-item Get batch split by batch.Splitter,
// each item's payload typed (no allocation once warm), answered with typed
// Get responses through batch.Assembler; the assembled message decodes to
// those payloads.
func TestSplitterAssembler(t *testing.T) {
	bin, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", "get-batch-100.ttlv"))
	if err != nil {
		t.Fatal(err)
	}
	var s batch.Splitter
	var it batch.Item
	var p kmip.RequestPayload
	var a batch.Assembler
	var out []byte
	var want []kmip.ResponsePayload
	serve := func(record bool) {
		h, err := s.Reset(bin, batch.Options{})
		if err != nil {
			t.Fatal(err)
		}
		a.Begin(out[:0], h.Major, h.Minor, 1733500000)
		for {
			if err := s.Next(&it); err != nil {
				break
			}
			if p, err = kmip.DecodeRequestPayload(&it, p); err != nil {
				t.Fatal(err)
			}
			get, ok := p.(*kmip.GetRequestPayload)
			if !ok || !get.UniqueIdentifier.Set {
				t.Fatalf("item %d: payload %T %+v", it.Index, p, p)
			}
			resp := &kmip.GetResponsePayload{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifier: get.UniqueIdentifier.Value}
			if record {
				want = append(want, resp.Clone())
			}
			kmip.AppendSuccess(&a, kmip.OperationGet, it.ID, resp, kmip.V1_4)
		}
		out = a.Finish()
	}
	serve(true)
	if len(want) != 100 {
		t.Fatalf("%d items", len(want))
	}
	var got kmip.ResponseMessage
	if err := got.UnmarshalTTLV(out); err != nil {
		t.Fatal(err)
	}
	var gotPayloads []kmip.ResponsePayload
	for _, bi := range got.BatchItem {
		gotPayloads = append(gotPayloads, bi.ResponsePayload)
	}
	if diff := cmp.Diff(want, gotPayloads, ignoreDecodeState); diff != "" {
		t.Fatalf("assembled payloads differ (-want +got):\n%s", diff)
	}
	// Splitting, typing each payload and assembling: no allocation once
	// warm (the responses built here escape to the heap: not counted).
	var req kmip.GetRequestPayload
	if n := testing.AllocsPerRun(20, func() {
		h, _ := s.Reset(bin, batch.Options{})
		_ = h
		for s.Next(&it) == nil {
			if _, err := kmip.DecodeRequestPayload(&it, &req); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Errorf("split and typed decode of 100 items: %v allocs, want 0", n)
	}
}

// TestForms: a typed message through the JSON and XML forms and back.
func TestForms(t *testing.T) {
	want := encryptRequest()
	js, err := kmip.AppendJSON(nil, want, kmip.V2_1, jsonttlv.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fromJSON kmip.RequestMessage
	if err := kmip.UnmarshalJSON(js, &fromJSON, jsonttlv.DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, &fromJSON, ignoreDecodeState); diff != "" {
		t.Errorf("JSON round trip (-want +got):\n%s", diff)
	}
	x, err := kmip.AppendXML(nil, want, kmip.V2_1, xmlttlv.EncodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var fromXML kmip.RequestMessage
	if err := kmip.UnmarshalXML(x, &fromXML, xmlttlv.DecodeOptions{}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, &fromXML, ignoreDecodeState); diff != "" {
		t.Errorf("XML round trip (-want +got):\n%s", diff)
	}
}

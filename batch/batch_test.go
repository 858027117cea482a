package batch

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

type message struct {
	name string
	bin  []byte
}

// requests returns the corpus requests and the PyKMIP-encoded ones.
func requests(t testing.TB) []message {
	t.Helper()
	var out []message
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, message{filepath.Base(f), b})
	}
	data, err := os.ReadFile("../testdata/pykmip/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var m struct{ Name, Kind, Hex string }
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		if m.Kind != "RequestMessage" {
			continue
		}
		b, _ := hex.DecodeString(m.Hex)
		out = append(out, message{"pykmip/" + m.Name, b})
	}
	if len(out) < 20 {
		t.Fatalf("only %d request messages", len(out))
	}
	return out
}

// TestSplitAgreesWithTree: for every request, the Splitter's header and
// items equal what the tree decoder sees.
func TestSplitAgreesWithTree(t *testing.T) {
	var s Splitter
	for _, m := range requests(t) {
		var v ttlv.Value
		if err := ttlv.Unmarshal(m.bin, &v); err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		h, err := s.Reset(m.bin, Options{})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		rh := v.Child(ttlv.TagRequestHeader)
		pv := rh.Child(ttlv.TagProtocolVersion)
		if h.Major != int32(pv.Children[0].Num) || h.Minor != int32(pv.Children[1].Num) {
			t.Errorf("%s: version %d.%d", m.name, h.Major, h.Minor)
		}
		if h.BatchCount != int32(rh.Child(ttlv.TagBatchCount).Num) {
			t.Errorf("%s: BatchCount %d", m.name, h.BatchCount)
		}
		if c := rh.Child(ttlv.TagBatchErrorContinuationOption); c != nil && h.ErrorContinuation != uint32(c.Num) {
			t.Errorf("%s: ErrorContinuation %d, tree %d", m.name, h.ErrorContinuation, c.Num)
		}
		if c := rh.Child(ttlv.TagMaximumResponseSize); c != nil && h.MaximumResponseSize != int32(c.Num) {
			t.Errorf("%s: MaximumResponseSize %d", m.name, h.MaximumResponseSize)
		}
		if c := rh.Child(ttlv.TagAuthentication); (c != nil) != (h.Authentication != nil) {
			t.Errorf("%s: Authentication %x", m.name, h.Authentication)
		}
		var want []*ttlv.Value
		for i := range v.Children {
			if v.Children[i].Tag == ttlv.TagBatchItem {
				want = append(want, &v.Children[i])
			}
		}
		var it Item
		n := 0
		for ; ; n++ {
			err := s.Next(&it)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s item %d: %v", m.name, n, err)
			}
			w := want[n]
			if it.Index != n || it.Operation != uint32(w.Child(ttlv.TagOperation).Num) {
				t.Errorf("%s item %d: index %d operation %d", m.name, n, it.Index, it.Operation)
			}
			if id := w.Child(ttlv.TagUniqueBatchItemID); (id == nil) != (it.ID == nil) || (id != nil && !bytes.Equal(id.Bytes, it.ID)) {
				t.Errorf("%s item %d: ID %x", m.name, n, it.ID)
			}
			if p := w.Child(ttlv.TagRequestPayload); !bytes.Equal(ttlv.Marshal(p), it.Payload) {
				t.Errorf("%s item %d: payload differs", m.name, n)
			}
			if !bytes.Equal(ttlv.Marshal(w), it.Raw) {
				t.Errorf("%s item %d: raw item differs", m.name, n)
			}
		}
		if n != len(want) {
			t.Errorf("%s: %d items, tree has %d", m.name, n, len(want))
		}
	}
}

// request builds a RequestMessage with the given header count and items.
func request(count int32, items ...func(e *ttlv.Encoder)) []byte {
	e := ttlv.NewEncoder(nil)
	e.Begin(ttlv.TagRequestMessage)
	e.Begin(ttlv.TagRequestHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 2)
	e.Integer(ttlv.TagProtocolVersionMinor, 1)
	e.End()
	e.Integer(ttlv.TagBatchCount, count)
	e.End()
	for _, f := range items {
		e.Begin(ttlv.TagBatchItem)
		f(e)
		e.End()
	}
	e.End()
	return append([]byte(nil), e.Bytes()...)
}

func getItem(e *ttlv.Encoder) {
	e.Enumeration(ttlv.TagOperation, 0x0A)
	e.Begin(ttlv.TagRequestPayload)
	e.TextString(ttlv.TagUniqueIdentifier, "1")
	e.End()
}

func TestSplitErrors(t *testing.T) {
	noOp := func(e *ttlv.Encoder) {
		e.Begin(ttlv.TagRequestPayload)
		e.End()
	}
	badPayload := func(e *ttlv.Encoder) {
		e.Enumeration(ttlv.TagOperation, 0x0A)
		e.Begin(ttlv.TagRequestPayload)
		e.Raw([]byte{0x42, 0x00, 0x94, 0x06, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 2}) // Boolean 2
		e.End()
	}
	var s Splitter
	var it Item

	// Item-level faults: that item fails, the others are read.
	msg := request(3, getItem, noOp, badPayload)
	if _, err := s.Reset(msg, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Next(&it); err != nil {
		t.Fatalf("item 0: %v", err)
	}
	err := s.Next(&it)
	var be *Error
	if !errors.Is(err, ErrMissing) || !errors.As(err, &be) || be.Item != 1 {
		t.Fatalf("item 1: %v, want ErrMissing for item 1", err)
	}
	err = s.Next(&it)
	if !errors.Is(err, ttlv.ErrBoolean) || !errors.As(err, &be) || be.Item != 2 {
		t.Fatalf("item 2: %v, want ttlv.ErrBoolean for item 2", err)
	}
	var te *ttlv.Error
	if !errors.As(err, &te) || te.Path.String() != "/RequestMessage/BatchItem/RequestPayload/0x420094" && !strings.HasSuffix(te.Path.String(), "/RequestPayload/"+ttlv.Tag(0x420094).String()) {
		t.Errorf("item 2 path: %v", err)
	}
	if want := int64(len(msg) - 16); te.Offset != want {
		t.Errorf("item 2 offset %d, want %d (%v)", te.Offset, want, err)
	}
	if err := s.Next(&it); err != io.EOF {
		t.Fatalf("after 3 items: %v, want io.EOF", err)
	}

	// BatchCount mismatch: reported after the last item.
	if _, err := s.Reset(request(2, getItem), Options{}); err != nil {
		t.Fatal(err)
	}
	s.Next(&it)
	if err := s.Next(&it); !errors.Is(err, ErrBatchCount) {
		t.Fatalf("count 2, 1 item: %v", err)
	}

	// Too many items.
	if _, err := s.Reset(request(3, getItem, getItem, getItem), Options{MaxItems: 2}); !errors.Is(err, ErrTooManyItems) {
		t.Fatalf("MaxItems 2: %v", err)
	}

	// Not a request.
	resp := ttlv.AppendInteger(nil, ttlv.TagResponseMessage, 1)
	if _, err := s.Reset(resp, Options{}); !errors.Is(err, ErrNotRequest) {
		t.Fatalf("response: %v", err)
	}

	// Framing fault: a BatchItem overrunning the message ends the split.
	bad := request(2, getItem, getItem)
	bad[len(bad)-request1Len()+7] += 8 // grow the last BatchItem's length
	if _, err := s.Reset(bad, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Next(&it); err != nil {
		t.Fatal(err)
	}
	if err := s.Next(&it); !errors.Is(err, ttlv.ErrOverrun) {
		t.Fatalf("overrunning item: %v", err)
	}
	if err2 := s.Next(&it); err2 == nil || err2 == io.EOF {
		t.Fatalf("after a framing error: %v", err2)
	}
}

// TestSplitRepeatedField: a Batch Item field that occurs once (KMIP 2.1
// §8.3) repeated fails that item with ErrField; before, the last copy won
// while the tree's first did (FuzzSplit/a5261ad77aed6ce0).
func TestSplitRepeatedField(t *testing.T) {
	for name, item := range map[string]func(e *ttlv.Encoder){
		"Operation": func(e *ttlv.Encoder) { getItem(e); e.Enumeration(ttlv.TagOperation, 0x0A) },
		"ID": func(e *ttlv.Encoder) {
			e.ByteString(ttlv.TagUniqueBatchItemID, []byte{1})
			getItem(e)
			e.ByteString(ttlv.TagUniqueBatchItemID, []byte{2})
		},
		"Ephemeral": func(e *ttlv.Encoder) {
			e.Boolean(ttlv.TagEphemeral, true)
			getItem(e)
			e.Boolean(ttlv.TagEphemeral, false)
		},
		"RequestPayload": func(e *ttlv.Encoder) {
			getItem(e)
			e.Begin(ttlv.TagRequestPayload)
			e.TextString(ttlv.TagUniqueIdentifier, "2")
			e.End()
		},
	} {
		var s Splitter
		var it Item
		if _, err := s.Reset(request(2, item, getItem), Options{}); err != nil {
			t.Fatal(name, err)
		}
		err := s.Next(&it)
		var be *Error
		if !errors.Is(err, ErrField) || !errors.As(err, &be) || be.Item != 0 || !strings.Contains(err.Error(), "repeated") {
			t.Errorf("%s repeated: %v, want ErrField for item 0", name, err)
		}
		if err := s.Next(&it); err != nil {
			t.Errorf("%s: the next item: %v", name, err)
		}
		if err := s.Next(&it); err != io.EOF {
			t.Errorf("%s: end: %v", name, err)
		}
	}
}

// request1Len is the encoded size of one getItem BatchItem.
func request1Len() int { return len(request(1, getItem)) - len(request(0)) }

// TestAssembleDecodes: an assembled response decodes strictly, echoes
// operations and IDs, and carries the right BatchCount.
func TestAssembleDecodes(t *testing.T) {
	var a Assembler
	a.Begin(nil, 1, 4, 1_700_000_000)
	payload := ttlv.AppendTextString(nil, ttlv.TagUniqueIdentifier, "1")
	payload = append(ttlv.AppendHeader(nil, ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(payload))), payload...)
	a.Success(0x0A, []byte{1}, payload)
	a.Failure(0x0A, []byte{2}, 0x01, "no such object")
	a.Undone(0x14, nil)
	undone := ttlv.AppendTextString(nil, ttlv.TagUniqueIdentifier, "undone-1")
	undone = append(ttlv.AppendHeader(nil, ttlv.TagResponsePayload, ttlv.TypeStructure, uint32(len(undone))), undone...)
	a.UndonePayload(0x12, nil, undone)
	b, m := a.BeginSuccess(0x08, []byte{3})
	b, pm := ttlv.BeginStructure(b, ttlv.TagResponsePayload)
	b = ttlv.AppendInteger(b, ttlv.TagLocatedItems, 0)
	ttlv.EndStructure(b, pm)
	a.EndSuccess(b, m)
	out := a.Finish()
	if a.Len() != len(out) {
		t.Errorf("Len %d, message %d", a.Len(), len(out))
	}
	var v ttlv.Value
	if err := ttlv.Unmarshal(out, &v); err != nil {
		t.Fatal(err)
	}
	if n := v.Child(ttlv.TagResponseHeader).Child(ttlv.TagBatchCount).Num; n != 5 {
		t.Errorf("BatchCount %d, want 5", n)
	}
	if it := v.Children[4]; it.Child(ttlv.TagResultStatus).Num != int64(StatusUndone) ||
		it.Child(ttlv.TagResponsePayload).Child(ttlv.TagUniqueIdentifier).Text() != "undone-1" {
		t.Errorf("UndonePayload item: %s", it.String())
	}
	dump := v.String()
	for _, want := range []string{"ResultStatus Enumeration OperationFailed", "ResultReason Enumeration ItemNotFound",
		"ResultMessage TextString \"no such object\"", "ResultStatus Enumeration OperationUndone", "LocatedItems Integer 0"} {
		if !strings.Contains(dump, want) {
			t.Errorf("response lacks %q:\n%s", want, dump)
		}
	}
}

// TestAssemblePyKMIP: PyKMIP decodes the response to the 100-item Get
// batch, byte for byte.
func TestAssemblePyKMIP(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import kmip").Run(); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required: %v", err)
		}
		t.Skipf("SKIP: PyKMIP not installed: %v", err)
	}
	req, err := os.ReadFile("../testdata/corpus/get-batch-100.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	resp := respond(t, req, nil)
	cmd := exec.Command(py, "../testdata/pykmip/decode.py")
	cmd.Stdin = strings.NewReader("ResponseMessage " + hex.EncodeToString(resp) + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var r map[string]any
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatal(err)
	}
	if r["ok"] != true || r["hex"] != hex.EncodeToString(resp) || r["warning"] != nil {
		t.Fatalf("PyKMIP: %v", r)
	}
	if s, _ := r["summary"].(string); !strings.Contains(s, "batch_count=100") {
		t.Errorf("PyKMIP summary: %v", s)
	}
}

// respond answers every Get of req with a payload echoing its identifier,
// failing odd items: the shape of a server's loop.
func respond(t testing.TB, req, dst []byte) []byte {
	var s Splitter
	var a Assembler
	h, err := s.Reset(req, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a.Begin(dst[:0], h.Major, h.Minor, 1_700_000_000)
	var it Item
	for {
		err := s.Next(&it)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if it.Index%2 == 1 {
			a.Failure(it.Operation, it.ID, 0x01, "")
			continue
		}
		// A Get response payload (KMIP 2.1 §6.1.26): ObjectType,
		// UniqueIdentifier, the object — here a 128-bit AES key.
		b, m := a.BeginSuccess(it.Operation, it.ID)
		b, pm := ttlv.BeginStructure(b, ttlv.TagResponsePayload)
		_, uid, _ := ttlv.ConsumeTextString(it.Payload[ttlv.HeaderSize:])
		b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, 0x02) // SymmetricKey
		b = ttlv.AppendTextBytes(b, ttlv.TagUniqueIdentifier, uid)
		b, km := ttlv.BeginStructure(b, ttlv.TagSymmetricKey)
		b, bm := ttlv.BeginStructure(b, ttlv.TagKeyBlock)
		b = ttlv.AppendEnumeration(b, ttlv.TagKeyFormatType, 0x01) // Raw
		b, vm := ttlv.BeginStructure(b, ttlv.TagKeyValue)
		b = ttlv.AppendByteString(b, ttlv.TagKeyMaterial, aesKey[:])
		ttlv.EndStructure(b, vm)
		b = ttlv.AppendEnumeration(b, ttlv.TagCryptographicAlgorithm, 0x03) // AES
		b = ttlv.AppendInteger(b, ttlv.TagCryptographicLength, 128)
		ttlv.EndStructure(b, bm)
		ttlv.EndStructure(b, km)
		ttlv.EndStructure(b, pm)
		a.EndSuccess(b, m)
	}
	return a.Finish()
}

var aesKey = [16]byte{0: 0x2b, 1: 0x7e, 15: 0x3c}

func TestZeroAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("SKIP: allocation counts are meaningless under -cover")
	}
	var s Splitter
	var it Item
	for _, m := range requests(t) {
		n := testing.AllocsPerRun(50, func() {
			if _, err := s.Reset(m.bin, Options{}); err != nil {
				t.Fatal(err)
			}
			for s.Next(&it) == nil {
			}
		})
		if n != 0 {
			t.Errorf("Split %s: %v allocations, want 0", m.name, n)
		}
		js, _ := jsonttlv.AppendJSON(nil, m.bin, jsonttlv.EncodeOptions{})
		n = testing.AllocsPerRun(50, func() {
			if _, err := s.ResetJSON(js, Options{}, jsonttlv.DecodeOptions{}); err != nil {
				t.Fatal(err)
			}
			for s.Next(&it) == nil {
			}
		})
		if n != 0 {
			t.Errorf("SplitJSON %s: %v allocations, want 0", m.name, n)
		}
	}
	req, _ := os.ReadFile("../testdata/corpus/get-batch-100.ttlv")
	buf := respond(t, req, nil)
	if n := testing.AllocsPerRun(50, func() { buf = respond(t, req, buf) }); n != 0 {
		t.Errorf("Split+Assemble get-batch-100: %v allocations, want 0", n)
	}
}

func BenchmarkSplit(b *testing.B) {
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, f := range files {
		msg, _ := os.ReadFile(f)
		b.Run(strings.TrimSuffix(filepath.Base(f), ".ttlv"), func(b *testing.B) {
			var s Splitter
			var it Item
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Reset(msg, Options{}); err != nil {
					b.Fatal(err)
				}
				for s.Next(&it) == nil {
				}
			}
		})
	}
}

// TestSplitJSON: the JSON form of every request splits exactly like the
// binary form, and a JSON fault is reported with its line and column.
func TestSplitJSON(t *testing.T) {
	var sb, sj Splitter
	var ib, ij Item
	for _, m := range requests(t) {
		js, err := jsonttlv.AppendJSON(nil, m.bin, jsonttlv.EncodeOptions{Indent: " "})
		if err != nil {
			t.Fatalf("%s: %v", m.name, err)
		}
		hb, err1 := sb.Reset(m.bin, Options{})
		hj, err2 := sj.ResetJSON(js, Options{}, jsonttlv.DecodeOptions{})
		if err1 != nil || err2 != nil {
			t.Fatalf("%s: %v / %v", m.name, err1, err2)
		}
		if hb.BatchCount != hj.BatchCount || hb.Major != hj.Major || !bytes.Equal(hb.Raw, hj.Raw) {
			t.Errorf("%s: headers differ", m.name)
		}
		for {
			e1, e2 := sb.Next(&ib), sj.Next(&ij)
			if e1 != e2 {
				t.Fatalf("%s: %v / %v", m.name, e1, e2)
			}
			if e1 != nil {
				break
			}
			if !bytes.Equal(ib.Raw, ij.Raw) {
				t.Errorf("%s item %d differs", m.name, ib.Index)
			}
		}
	}
	_, err := sj.ResetJSON([]byte("{\"tag\": \"RequestMessage\",\n \"value\": [,]}"), Options{}, jsonttlv.DecodeOptions{})
	var je *jsonttlv.Error
	if !errors.As(err, &je) || je.Line != 2 {
		t.Errorf("bad JSON: %v", err)
	}
}

func BenchmarkSplitJSON(b *testing.B) {
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, f := range files {
		bin, _ := os.ReadFile(f)
		msg, err := jsonttlv.AppendJSON(nil, bin, jsonttlv.EncodeOptions{})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(strings.TrimSuffix(filepath.Base(f), ".ttlv"), func(b *testing.B) {
			var s Splitter
			var it Item
			split := func() {
				if _, err := s.ResetJSON(msg, Options{}, jsonttlv.DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
				for s.Next(&it) == nil {
				}
			}
			split() // warm-up: the first split grows the splitter's buffers
			b.SetBytes(int64(len(msg)))
			b.ReportAllocs()
			for b.Loop() {
				split()
			}
		})
	}
}

func BenchmarkSplitAssemble(b *testing.B) {
	req, _ := os.ReadFile("../testdata/corpus/get-batch-100.ttlv")
	buf := respond(b, req, nil)
	b.SetBytes(int64(len(req)))
	b.ReportAllocs()
	for b.Loop() {
		buf = respond(b, req, buf)
	}
}

// TestTrailingBytes: a byte slice holds one message; bytes after it end
// the split with ttlv.ErrTrailing after the last item, as ttlv.Unmarshal
// refuses them (found by fuzz.FuzzSplit). With Decode.Sequence they are
// left alone.
func TestTrailingBytes(t *testing.T) {
	msg, err := os.ReadFile("../testdata/corpus/get.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	in := append(append([]byte(nil), msg...), 0)
	var s Splitter
	var it Item
	if _, err := s.Reset(in, Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Next(&it); err != nil {
		t.Fatalf("item 0: %v", err)
	}
	err = s.Next(&it)
	var be *Error
	if !errors.Is(err, ttlv.ErrTrailing) || !errors.As(err, &be) || be.Item != -1 || be.Offset != int64(len(msg)) {
		t.Errorf("after the last item: %v, want ErrTrailing at offset %d", err, len(msg))
	}
	if _, err := s.Reset(msg, Options{}); err != nil {
		t.Fatal(err)
	}
	for s.Next(&it) == nil {
	}
	if err := s.Next(&it); err != io.EOF {
		t.Errorf("whole message: %v, want io.EOF", err)
	}
}

// TestHeaderValidated: the RequestHeader is validated as a whole, fields
// left raw included: a malformed Authentication fails Reset and
// ResetReader (found by fuzz.FuzzSplit), unless NoItemCheck.
func TestHeaderValidated(t *testing.T) {
	b, m := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	b, h := ttlv.BeginStructure(b, ttlv.TagRequestHeader)
	b, pv := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, 1)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, 4)
	ttlv.EndStructure(b, pv)
	b, a := ttlv.BeginStructure(b, ttlv.TagAuthentication)
	b, c := ttlv.BeginStructure(b, ttlv.TagCredential)
	bad := len(b)
	b = ttlv.AppendBoolean(b, ttlv.TagCredentialValue, true)
	b[bad+ttlv.HeaderSize+7] = 2 // a Boolean of 2
	ttlv.EndStructure(b, c)
	ttlv.EndStructure(b, a)
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(b, h)
	b, it := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	b = ttlv.AppendEnumeration(b, ttlv.TagOperation, 0x0A)
	b, p := ttlv.BeginStructure(b, ttlv.TagRequestPayload)
	ttlv.EndStructure(b, p)
	ttlv.EndStructure(b, it)
	ttlv.EndStructure(b, m)

	var s Splitter
	_, err := s.Reset(b, Options{})
	var be *Error
	if !errors.Is(err, ttlv.ErrBoolean) || !errors.As(err, &be) || be.Item != -1 || be.Offset != int64(bad) ||
		!strings.Contains(err.Error(), "/RequestMessage/RequestHeader/Authentication/Credential/CredentialValue") {
		t.Errorf("Reset: %v, want ErrBoolean at offset %d with the tag path", err, bad)
	}
	_, err = s.ResetReader(bytes.NewReader(b), Options{})
	if !errors.Is(err, ttlv.ErrBoolean) {
		t.Errorf("ResetReader: %v, want ErrBoolean", err)
	}
	if _, err := s.Reset(b, Options{NoItemCheck: true}); err != nil {
		t.Errorf("Reset with NoItemCheck: %v", err)
	}
}

// request30 encodes a KMIP 3.0 RequestMessage: no Batch Count, which the
// committee draft reserves.
func request30(items ...func(e *ttlv.Encoder)) []byte {
	e := ttlv.NewEncoder(nil)
	e.Begin(ttlv.TagRequestMessage)
	e.Begin(ttlv.TagRequestHeader)
	e.Begin(ttlv.TagProtocolVersion)
	e.Integer(ttlv.TagProtocolVersionMajor, 3)
	e.Integer(ttlv.TagProtocolVersionMinor, 0)
	e.End()
	e.End()
	for _, f := range items {
		e.Begin(ttlv.TagBatchItem)
		f(e)
		e.End()
	}
	e.End()
	return append([]byte(nil), e.Bytes()...)
}

// TestKMIP30: a 3.0 header without Batch Count splits, its items counted
// against MaxItems only; a 2.1 header without one is refused; a 3.0
// response has no Batch Count.
func TestKMIP30(t *testing.T) {
	var s Splitter
	var it Item
	h, err := s.Reset(request30(getItem, getItem), Options{})
	if err != nil || h.Major != 3 || h.BatchCount != -1 {
		t.Fatalf("3.0 header: %+v, %v", h, err)
	}
	n := 0
	for {
		if err := s.Next(&it); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Fatalf("%d items", n)
	}
	if _, err := s.Reset(request30(getItem, getItem, getItem), Options{MaxItems: 2}); err != nil {
		t.Fatal(err)
	}
	s.Next(&it)
	s.Next(&it)
	if err := s.Next(&it); !errors.Is(err, ErrTooManyItems) {
		t.Fatalf("3 items, MaxItems 2: %v", err)
	}
	// 2.1 without Batch Count: the 2.1 rule stands.
	msg := request30(getItem)
	msg[35] = 2 // ProtocolVersionMajor 3 → 2: the last byte of its value, after 4 headers
	if _, err := s.Reset(msg, Options{}); !errors.Is(err, ErrMissing) {
		t.Fatalf("2.1 without BatchCount: %v", err)
	}
	var a Assembler
	a.Begin(nil, 3, 0, 1_700_000_000)
	a.Success(0x0A, nil, nil)
	var v ttlv.Value
	if err := ttlv.Unmarshal(a.Finish(), &v); err != nil {
		t.Fatal(err)
	}
	if hd := v.Child(ttlv.TagResponseHeader); hd.Child(ttlv.TagBatchCount) != nil || len(hd.Children) != 2 {
		t.Errorf("3.0 response header: %v", hd)
	}
}

// TestSplitNoBatchItem: a message holds at least one Batch Item (2.1 §8.1,
// Table 394). Without a BatchCount (KMIP 3) an empty message would
// otherwise split into nothing, and a server answer it with no item; a
// 2.x BatchCount of 0 is refused the same way.
func TestSplitNoBatchItem(t *testing.T) {
	var s Splitter
	var it Item
	if _, err := s.Reset(request30(), Options{}); err != nil {
		t.Fatal(err)
	}
	var be *Error
	if err := s.Next(&it); !errors.Is(err, ErrMissing) || !errors.As(err, &be) || be.Item != -1 {
		t.Fatalf("3.0 with no BatchItem: %v, want ErrMissing for the message", err)
	}
	if _, err := s.Reset(request(0), Options{}); err != nil {
		t.Fatal(err)
	}
	if err := s.Next(&it); !errors.Is(err, ErrMissing) {
		t.Fatalf("2.1 with BatchCount 0: %v, want ErrMissing", err)
	}
}

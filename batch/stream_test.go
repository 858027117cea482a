package batch

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// outcome is everything a split reports, in a comparable form: the header
// and, per call of Next, the item or the error (item index, offset,
// sentinel).
func outcome(h *Header, herr error, s *Splitter) string {
	var b bytes.Buffer
	if herr != nil {
		fmt.Fprintf(&b, "reset: %s\n", errKey(herr))
		return b.String()
	}
	fmt.Fprintf(&b, "header %d.%d count %d cont %d ordered %v async %v ts %d mrs %d auth %x cc %q sc %q raw %x\n",
		h.Major, h.Minor, h.BatchCount, h.ErrorContinuation, h.Ordered, h.Asynchronous, h.TimeStamp,
		h.MaximumResponseSize, h.Authentication, h.ClientCorrelation, h.ServerCorrelation, h.Raw)
	var it Item
	for n := 0; n < 20_000; n++ {
		err := s.Next(&it)
		if err == io.EOF {
			b.WriteString("EOF\n")
			break
		}
		var be *Error
		if err != nil {
			fmt.Fprintf(&b, "next: %s\n", errKey(err))
			if !errors.As(err, &be) || be.Item < 0 {
				break
			}
			continue
		}
		fmt.Fprintf(&b, "item %d op %d id %x eph %v payload %x ext %x raw %x\n",
			it.Index, it.Operation, it.ID, it.Ephemeral, it.Payload, it.Extensions, it.Raw)
	}
	return b.String()
}

// errKey is what must agree between the modes: item, offset and sentinel.
// (The wording may differ: a stream checks framing before a buffer does.)
func errKey(err error) string {
	var be *Error
	if !errors.As(err, &be) {
		return "not *Error: " + err.Error()
	}
	for _, s := range []error{ErrNotRequest, ErrMissing, ErrField, ErrBatchCount, ErrTooManyItems,
		ttlv.ErrTruncated, ttlv.ErrType, ttlv.ErrLength, ttlv.ErrPadding, ttlv.ErrBoolean, ttlv.ErrUTF8,
		ttlv.ErrOverrun, ttlv.ErrDepth, ttlv.ErrTooLarge, ttlv.ErrTrailing, ttlv.ErrSyntax} {
		if errors.Is(err, s) {
			return fmt.Sprintf("item %d offset %d: %v", be.Item, be.Offset, s)
		}
	}
	return "no sentinel: " + err.Error()
}

// readers returns the ways a stream may deliver msg.
func readers(msg []byte) map[string]io.Reader {
	return map[string]io.Reader{
		"bytes":   bytes.NewReader(msg),
		"onebyte": iotest.OneByteReader(bytes.NewReader(msg)),
		"half":    iotest.HalfReader(bytes.NewReader(msg)),
		"bufio16": bufio.NewReaderSize(bytes.NewReader(msg), 16),
	}
}

// TestStreamAgreesWithBuffer: splitting from a stream, however the bytes
// arrive, gives exactly what splitting the whole buffer gives, for every
// request of the corpus and of PyKMIP.
func TestStreamAgreesWithBuffer(t *testing.T) {
	var buf, str Splitter
	for _, m := range requests(t) {
		h, err := buf.Reset(m.bin, Options{})
		want := outcome(h, err, &buf)
		if err != nil || !bytes.HasSuffix([]byte(want), []byte("EOF\n")) {
			t.Fatalf("%s: buffer split failed:\n%s", m.name, want)
		}
		for rname, r := range readers(m.bin) {
			h, err := str.ResetReader(r, Options{})
			if got := outcome(h, err, &str); got != want {
				t.Errorf("%s via %s:\ngot  %.300s\nwant %.300s", m.name, rname, got, want)
			}
		}
	}
}

// TestStreamMutations: the two modes agree on damaged messages too — the
// item at fault, the offset in the message and the sentinel. Framing is the
// exception: a buffer knows the message's true size at once (a truncated
// message fails at Reset), a stream learns it as bytes come; both modes
// must then both end in a fatal error, and agree on every item before.
func TestStreamMutations(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var buf, str Splitter
	msgs := requests(t)
	const rounds = 3000
	same := 0
	for round := 0; round < rounds; round++ {
		m := msgs[rng.IntN(len(msgs))]
		b := bytes.Clone(m.bin)
		for k := rng.IntN(3) + 1; k > 0; k-- {
			b[rng.IntN(len(b))] ^= byte(1 << rng.IntN(8))
		}
		if rng.IntN(4) == 0 {
			b = b[:rng.IntN(len(b))]
		}
		h, err := buf.Reset(b, Options{})
		want := outcome(h, err, &buf)
		h, err = str.ResetReader(iotest.HalfReader(bytes.NewReader(b)), Options{})
		got := outcome(h, err, &str)
		if got == want {
			same++
			continue
		}
		gl := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
		wl := strings.Split(strings.TrimSuffix(want, "\n"), "\n")
		fatal := func(l string) bool { return strings.HasPrefix(l, "reset:") || strings.HasPrefix(l, "next: item -1 ") }
		g, w := gl[len(gl)-1], wl[len(wl)-1]
		ok := fatal(g) && fatal(w)
		for i := 0; ok && i < min(len(gl), len(wl))-1; i++ {
			if gl[i] != wl[i] && !fatal(wl[i]) && !fatal(gl[i]) {
				ok = false
			}
		}
		if !ok {
			t.Fatalf("round %d (%s, %d bytes): modes disagree:\nstream %.2000s\nbuffer %.2000s", round, m.name, len(b), got, want)
		}
	}
	if same < rounds/2 {
		t.Fatalf("only %d of %d damaged messages split identically", same, rounds)
	}
	t.Logf("%d of %d damaged messages split identically; the rest failed on framing in both modes", same, rounds)
}

// TestStreamItemsAsTheyArrive: Next returns item 0 while item 1 has not
// been sent yet — the stream is not read to its end first.
func TestStreamItemsAsTheyArrive(t *testing.T) {
	msg := request(2, getItem, getItem)
	cut := len(msg) - request1Len()
	pr, pw := io.Pipe()
	go func() {
		pw.Write(msg[:cut])
		pw.Write(msg[cut:])
		pw.Close()
	}()
	var s Splitter
	done := make(chan error, 1)
	var it Item
	go func() {
		if _, err := s.ResetReader(pr, Options{}); err != nil {
			done <- err
			return
		}
		done <- s.Next(&it)
	}()
	select {
	case err := <-done:
		if err != nil || it.Operation != 0x0A {
			t.Fatalf("item 0: %v, operation %d", err, it.Operation)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("item 0 not returned before the rest of the message arrived")
	}
	if err := s.Next(&it); err != nil || it.Index != 1 {
		t.Fatalf("item 1: %v", err)
	}
	if err := s.Next(&it); err != io.EOF {
		t.Fatalf("end: %v", err)
	}
}

// TestStreamSequence: one Splitter reads message after message from one
// connection, then reports the clean end of the stream as io.EOF.
func TestStreamSequence(t *testing.T) {
	a, b := request(1, getItem), request(3, getItem, getItem, getItem)
	r := bufio.NewReader(bytes.NewReader(append(append(bytes.Clone(a), b...), a...)))
	var s Splitter
	var it Item
	for i, want := range []int{1, 3, 1} {
		if _, err := s.ResetReader(r, Options{}); err != nil {
			t.Fatalf("message %d: %v", i, err)
		}
		n := 0
		for ; s.Next(&it) == nil; n++ {
		}
		if n != want {
			t.Fatalf("message %d: %d items, want %d", i, n, want)
		}
	}
	if _, err := s.ResetReader(r, Options{}); err != io.EOF {
		t.Fatalf("after the last message: %v, want io.EOF", err)
	}
}

// TestStreamErrors: framing faults a stream detects itself.
func TestStreamErrors(t *testing.T) {
	ok := request(2, getItem, getItem)
	header := func(tag ttlv.Tag, typ ttlv.Type, n uint32) []byte {
		return ttlv.AppendHeader(nil, tag, typ, n)
	}
	overrun := bytes.Clone(ok)
	// The second BatchItem's length grows past the message's end.
	second := len(ok) - request1Len()
	overrun[second+7] += 8
	for _, tc := range []struct {
		name   string
		in     []byte
		want   error
		offset int64
	}{
		{"not a request", header(ttlv.TagResponseMessage, ttlv.TypeStructure, 0), ErrNotRequest, 0},
		{"odd length", header(ttlv.TagRequestMessage, ttlv.TypeStructure, 12), ttlv.ErrLength, 0},
		{"too large", header(ttlv.TagRequestMessage, ttlv.TypeStructure, 0xFFFFFFF8), ttlv.ErrTooLarge, 0},
		{"empty", header(ttlv.TagRequestMessage, ttlv.TypeStructure, 0), ErrMissing, 0},
		{"truncated header", ok[:5], ttlv.ErrTruncated, 0},
		{"truncated item", ok[:len(ok)-3], ttlv.ErrTruncated, int64(len(ok) - 3)},
		{"item overruns", overrun, ttlv.ErrOverrun, int64(second)},
	} {
		var s Splitter
		_, err := s.ResetReader(bytes.NewReader(tc.in), Options{})
		var it Item
		for err == nil {
			err = s.Next(&it)
		}
		var be *Error
		if !errors.Is(err, tc.want) || !errors.As(err, &be) || be.Offset != tc.offset {
			t.Errorf("%s: %v (offset %v), want %v at %d", tc.name, err, be, tc.want, tc.offset)
		}
	}
}

// TestStreamNoAllocationFromLength: a header announcing a 16 MiB message
// and a 16 MiB item, followed by nothing, costs kilobytes, not megabytes.
func TestStreamNoAllocationFromLength(t *testing.T) {
	msg := ttlv.AppendHeader(nil, ttlv.TagRequestMessage, ttlv.TypeStructure, 16<<20-8)
	msg = append(msg, request(0)[8:]...) // a RequestHeader
	msg = ttlv.AppendHeader(msg, ttlv.TagBatchItem, ttlv.TypeStructure, 16<<20-256)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	var s Splitter
	_, err := s.ResetReader(bytes.NewReader(msg), Options{})
	var it Item
	if err == nil {
		err = s.Next(&it)
	}
	runtime.ReadMemStats(&after)
	if !errors.Is(err, ttlv.ErrTruncated) {
		t.Fatalf("err %v, want ErrTruncated", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4*readChunk {
		t.Fatalf("allocated %d bytes for a message that never came", n)
	}
}

// TestStreamZeroAllocs: a Splitter reused over a stream allocates nothing
// per message once its buffers have grown.
func TestStreamZeroAllocs(t *testing.T) {
	msg, err := os.ReadFile("../testdata/corpus/get-batch-100.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	var s Splitter
	var r bytes.Reader
	var it Item
	split := func() {
		r.Reset(msg)
		if _, err := s.ResetReader(&r, Options{}); err != nil {
			t.Fatal(err)
		}
		for s.Next(&it) == nil {
		}
	}
	split()
	if n := testing.AllocsPerRun(100, split); n != 0 {
		t.Fatalf("%v allocations per message, want 0", n)
	}
}

func BenchmarkSplitStream(b *testing.B) {
	files, _ := filepath.Glob("../testdata/corpus/*.ttlv")
	for _, f := range files {
		msg, _ := os.ReadFile(f)
		b.Run(strings.TrimSuffix(filepath.Base(f), ".ttlv"), func(b *testing.B) {
			var s Splitter
			var r bytes.Reader
			var it Item
			split := func() {
				r.Reset(msg)
				if _, err := s.ResetReader(&r, Options{}); err != nil {
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

package ttlv_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kmipwire/kmipwire/bench/corpus"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The hot paths — walking with full validation, encoding, decoding into a
// reused tree — each measured by a benchmark per corpus message and held to
// zero allocations by a test. One function per path serves both.

type corpusEntry struct {
	corpus.Message
	bin []byte
}

func loadCorpus(tb testing.TB) []corpusEntry {
	tb.Helper()
	var out []corpusEntry
	for _, m := range corpus.Messages() {
		b, err := os.ReadFile(filepath.Join("..", "testdata", "corpus", m.Name+".ttlv"))
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, corpusEntry{m, b})
	}
	return out
}

// walkAll reads one message token by token: every item, every Structure
// entered — the complete strict validation of a message. On a byte-slice
// Decoder it also checks that nothing follows the message.
func walkAll(d *ttlv.Decoder) (items int, err error) {
	for {
		it, err := d.NextToken()
		if err != nil {
			return items, err
		}
		if it.Type == ttlv.TypeEnd {
			if d.Depth() == 0 {
				return items, nil
			}
			continue
		}
		items++
		if it.Type != ttlv.TypeStructure && d.Depth() == 0 {
			return items, nil // a primitive message
		}
	}
}

func BenchmarkWalk(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.Name, func(b *testing.B) {
			d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset(c.bin, ttlv.DecodeOptions{})
				if _, err := walkAll(d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkValidate(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.Name, func(b *testing.B) {
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			for b.Loop() {
				if err := ttlv.Validate(c.bin, ttlv.DecodeOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkEncode(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.Name, func(b *testing.B) {
			e := ttlv.NewEncoder(nil)
			defer e.Release()
			c.Build(e) // warm-up: the first build grows the buffer
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			for b.Loop() {
				e.Reset(nil)
				c.Build(e)
			}
		})
	}
}

func BenchmarkDecodeTree(b *testing.B) {
	for _, c := range loadCorpus(b) {
		b.Run(c.Name, func(b *testing.B) {
			d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
			var v ttlv.Value
			// Warm-up: the first decode grows the reused tree.
			d.Reset(c.bin, ttlv.DecodeOptions{})
			if err := d.DecodeValue(&v); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(len(c.bin)))
			b.ReportAllocs()
			for b.Loop() {
				d.Reset(c.bin, ttlv.DecodeOptions{})
				if err := d.DecodeValue(&v); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// skipAllocsUnderCover: coverage instrumentation allocates.
func skipAllocsUnderCover(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("SKIP: allocation counts are meaningless under -cover")
	}
}

func TestZeroAllocs(t *testing.T) {
	skipAllocsUnderCover(t)
	for _, c := range loadCorpus(t) {
		d := ttlv.NewDecoder(nil, ttlv.DecodeOptions{})
		e := ttlv.NewEncoder(nil)
		var v ttlv.Value
		paths := map[string]func(){
			"Walk": func() {
				d.Reset(c.bin, ttlv.DecodeOptions{})
				if _, err := walkAll(d); err != nil {
					t.Fatal(err)
				}
			},
			"Validate": func() {
				if err := ttlv.Validate(c.bin, ttlv.DecodeOptions{}); err != nil {
					t.Fatal(err)
				}
			},
			"Encode": func() {
				e.Reset(nil)
				c.Build(e)
			},
			"DecodeTree": func() {
				d.Reset(c.bin, ttlv.DecodeOptions{})
				if err := d.DecodeValue(&v); err != nil {
					t.Fatal(err)
				}
			},
			"AppendValue": func() {
				out := ttlv.AppendValue(e.Bytes()[:0], &v)
				if !bytes.Equal(out, c.bin) {
					t.Fatal("AppendValue differs")
				}
			},
			"Unmarshal": func() {
				if err := ttlv.Unmarshal(c.bin, &v); err != nil {
					t.Fatal(err)
				}
			},
		}
		for _, name := range []string{"Walk", "Validate", "Encode", "DecodeTree", "AppendValue", "Unmarshal"} {
			if n := testing.AllocsPerRun(100, paths[name]); n != 0 {
				t.Errorf("%s %s: %v allocations per run, want 0", name, c.Name, n)
			}
		}
		e.Release()
	}
}

// TestReaderDecoderNoCopy: reading messages from a *bufio.Reader whose
// buffer holds them allocates nothing in steady state.
func TestReaderDecoderZeroAllocs(t *testing.T) {
	skipAllocsUnderCover(t)
	var stream []byte
	for _, c := range loadCorpus(t) {
		stream = append(stream, c.bin...)
	}
	src := bytes.NewReader(stream)
	br := newBufioReader(src, 64<<10)
	d := ttlv.NewReaderDecoder(br, ttlv.DecodeOptions{})
	n := testing.AllocsPerRun(50, func() {
		src.Reset(stream)
		br.Reset(src)
		d.ResetReader(br, ttlv.DecodeOptions{})
		for range 4 {
			if _, err := walkAll(d); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := d.Next(); err != io.EOF {
			t.Fatalf("after 4 messages: %v, want io.EOF", err)
		}
	})
	if n != 0 {
		t.Errorf("%v allocations per stream of 4 messages, want 0", n)
	}
}

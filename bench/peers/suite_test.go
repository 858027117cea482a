package peers

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/bench/corpus"
	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
	"github.com/kmipwire/kmipwire/xmlttlv"
)

// A message is one corpus message in every form a path reads.
type message struct {
	name  string
	kind  string // top-level tag name
	bin   []byte
	json  []byte // kmipwire's compact JSON (the KMIP JSON profile)
	xml   []byte // kmipwire's XML (the KMIP XML profile)
	items int    // items in a full walk, Structures included
	// frames is framedCount copies of bin, back to back: the input of
	// the frame path.
	frames []byte
}

// framedCount is how many messages the frame path reads from one reader.
const framedCount = 64

func loadMessages(tb testing.TB) []*message {
	tb.Helper()
	var out []*message
	for _, c := range corpus.PeerMessages() {
		m := &message{name: c.Name, kind: c.Kind, bin: corpus.Encode(c)}
		var err error
		if m.json, err = jsonttlv.AppendJSON(nil, m.bin, jsonttlv.EncodeOptions{}); err != nil {
			tb.Fatalf("%s: %v", m.name, err)
		}
		if m.xml, err = xmlttlv.AppendXML(nil, m.bin, xmlttlv.EncodeOptions{}); err != nil {
			tb.Fatalf("%s: %v", m.name, err)
		}
		d := ttlv.NewDecoder(m.bin, ttlv.DecodeOptions{})
		for {
			it, err := d.NextToken()
			if err != nil {
				break
			}
			if it.Type != ttlv.TypeEnd {
				m.items++
			}
		}
		m.frames = bytes.Repeat(m.bin, framedCount)
		out = append(out, m)
	}
	return out
}

// The paths, in the table's order. Every path's throughput counts the
// bytes of the binary message, whatever it reads or writes.
var pathNames = []string{
	"walk",         // every item visited, every Structure entered
	"decode-tree",  // binary to the library's generic tree
	"encode-value", // the generic tree to binary
	"to-json",      // binary to JSON
	"from-json",    // the codec's own JSON to binary
	"to-xml",       // binary to XML
	"from-xml",     // the codec's own XML to binary
	"frame",        // 64 messages read one by one from an io.Reader
	// The typed layer: binary to the library's typed message (Request or
	// Response Message, payloads included) and back. kmipwire's rows
	// slot in with package kmip (see typedPaths).
	"typed-unmarshal",
	"typed-marshal",
}

// typedPaths holds each codec's typed-unmarshal and typed-marshal impls,
// by codec name: a file of its own per codec adds them (the kmipwire one
// once package kmip has typed messages).
var typedPaths = map[string]map[string]impl{}

// path returns c's impl of p.
func (c *codec) path(p string) (impl, bool) {
	if im, ok := c.paths[p]; ok {
		return im, true
	}
	im, ok := typedPaths[c.name][p]
	return im, ok
}

// typed reports whether p is a path of the typed layer.
func typed(p string) bool { return strings.HasPrefix(p, "typed-") }

// An impl is one codec's way through one path.
type impl struct {
	// via is "tree" when the codec can only take the path through its
	// generic tree (decode to it, then encode from it).
	via string
	// prepare readies the path for m: the operation to time, with its
	// reusable state warmed up, after it has checked once that the
	// output is equivalent to kmipwire's (see TestEquivalence). An error
	// means the codec cannot take this path for m: the benchmark is
	// skipped and the table says n/a.
	prepare func(m *message) (op func() error, err error)
}

// A codec is one library under comparison.
type codec struct {
	name  string // as in the benchmark name: kmipwire, ovh, gemalto
	about string // the library and version, for the table's legend
	paths map[string]impl
	// forms holds, for "json" and "xml", how the codec reads the text form
	// into binary and writes it from binary: TestInterop crosses them
	// with kmipwire's.
	forms map[string]form
}

// A form is a codec's reader and writer of one text form.
type form struct {
	read  func(text []byte) (bin []byte, err error)
	write func(bin []byte) (text []byte, err error)
}

// codecs lists the libraries, kmipwire first; each file *_codec_test.go
// adds one.
var codecs []*codec

func register(c *codec) {
	codecs = append(codecs, c)
	sort.SliceStable(codecs, func(i, j int) bool { return codecs[i].name == "kmipwire" && codecs[j].name != "kmipwire" })
}

// errNA marks a path a codec does not have at all.
var errNA = errors.New("the library has no such path")

// BenchmarkPeers runs every path over every message for every codec, as
// BenchmarkPeers/path=P/msg=M/codec=C: the codecs innermost, so that they
// alternate within each round and a slow spell of the machine hits them
// alike.
func BenchmarkPeers(b *testing.B) {
	msgs := loadMessages(b)
	for _, p := range pathNames {
		b.Run("path="+p, func(b *testing.B) {
			for _, m := range msgs {
				b.Run("msg="+m.name, func(b *testing.B) {
					for _, c := range codecs {
						b.Run("codec="+c.name, func(b *testing.B) {
							im, ok := c.path(p)
							if !ok {
								b.Skip(errNA)
							}
							op, err := im.prepare(m)
							if err != nil {
								b.Skip(err)
							}
							n := int64(len(m.bin))
							if p == "frame" {
								n = int64(len(m.frames))
							}
							b.SetBytes(n)
							b.ReportAllocs()
							for b.Loop() {
								if err := op(); err != nil {
									b.Fatal(err)
								}
							}
						})
					}
				})
			}
		})
	}
}

// expectedNA is every (codec, path, message) that a peer gets wrong, with
// a word of the error it gives: TestEquivalence fails when one of them
// starts to work (update the list, the table will show the new row) or
// another breaks.
var expectedNA = map[string]string{
	// gemalto has payload structs for a few operations only; KMIP 1.4's
	// Locate is not one of them.
	"gemalto typed-unmarshal locate-attrs": "no Locate request payload type for KMIP 1",
	"gemalto typed-marshal locate-attrs":   "no Locate request payload type for KMIP 1",
	// ovh's CreateKeyPair payload has no place for KMIP 2.x's Common
	// Attributes: decoding drops them, and the Locate's empty Attributes,
	// without an error.
	"ovh typed-unmarshal seed-createkeypair-locate": "items lost without an error: Attributes×1 CommonAttributes×1",
	"ovh typed-marshal seed-createkeypair-locate":   "items lost without an error: Attributes×1 CommonAttributes×1",
}

func key(codec, path, msg string) string { return codec + " " + path + " " + msg }

// TestEquivalence: every path that the benchmark times does the work
// kmipwire's does, for every message — checked by each impl's prepare —
// and the paths a peer gets wrong are exactly those of expectedNA. What
// it finds is logged for the table (see bench/internal/benchreport.Findings):
// "codec: NAME LIBRARY", "route: CODEC PATH tree" for a path taken
// through the generic tree, "n/a: CODEC PATH [MSG]: WHY".
func TestEquivalence(t *testing.T) {
	msgs := loadMessages(t)
	seen := map[string]bool{}
	for _, c := range codecs {
		t.Logf("codec: %s %s", c.name, c.about)
		for _, p := range pathNames {
			im, ok := c.path(p)
			if !ok {
				why := errNA.Error()
				switch {
				case c.name == "kmipwire" && typed(p):
					why = "package kmip has no typed messages yet (the rows slot in with a file that fills typedPaths[\"kmipwire\"])"
				case c.name == "kmipwire":
					t.Errorf("kmipwire has no %s path", p)
				}
				t.Logf("n/a: %s %s: %s", c.name, p, why)
				continue
			}
			if im.via != "" {
				t.Logf("route: %s %s %s", c.name, p, im.via)
			}
			for _, m := range msgs {
				k := key(c.name, p, m.name)
				_, err := im.prepare(m)
				want, expected := expectedNA[k]
				switch {
				case err == nil && expected:
					t.Errorf("%s: now equivalent; remove it from expectedNA", k)
				case err != nil && !expected:
					t.Errorf("%s: %v", k, err)
				case err != nil && !strings.Contains(err.Error(), want):
					t.Errorf("%s: %v, want an error containing %q", k, err, want)
				case err != nil:
					seen[k] = true
					t.Logf("n/a: %s: %v", k, err)
				}
			}
		}
	}
	for k := range expectedNA {
		if !seen[k] && !t.Failed() {
			t.Errorf("%s: listed in expectedNA but not run", k)
		}
	}
}

// sameBytes reports how got differs from the message's binary form.
func sameBytes(m *message, what string, got []byte) error {
	if bytes.Equal(got, m.bin) {
		return nil
	}
	i := 0
	for i < len(got) && i < len(m.bin) && got[i] == m.bin[i] {
		i++
	}
	return fmt.Errorf("%s: %d bytes where the message has %d, first difference at byte %d", what, len(got), len(m.bin), i)
}

// expectedInterop is what TestInterop sees go wrong between kmipwire's
// JSON and XML and a peer's, keyed "CODEC reads|is-read FORM MSG", with a
// word of the failure.
var expectedInterop = map[string]string{
	// ovh knows an Enumeration's names by its tag only: an Attribute
	// Value holding one (KMIP 1.x attributes) must be a number.
	"ovh reads-kmipwire json create-aes256": `Unknown enum value "AES"`,
	"ovh reads-kmipwire json locate-attrs":  `Unknown enum value "SymmetricKey"`,
	"ovh reads-kmipwire xml create-aes256":  `Unknown enum value "AES"`,
	"ovh reads-kmipwire xml locate-attrs":   `Unknown enum value "SymmetricKey"`,
	// ovh's JSON reader drops, without an error, the items of a
	// Structure it does not expect: the KMIP 2.1 CreateKeyPair's
	// Common Attributes (and all in it) and the Locate's empty Attributes.
	"ovh reads-kmipwire json seed-createkeypair-locate": "items lost without an error: Attributes×1 CommonAttributes×1",
	// ovh reads a mask only as a number, not as the KMIP XML profile's
	// space-separated names.
	"ovh reads-kmipwire xml seed-createkeypair-locate": `parsing "Encrypt Decrypt WrapKey UnwrapKey KeyAgreement"`,
}

// TestInterop crosses the text forms: each peer reads kmipwire's JSON and
// XML of every message, and kmipwire reads the peer's; either must give
// the message's binary form back. Failures are findings (logged as
// "finding:" lines for the table) and must be exactly expectedInterop.
func TestInterop(t *testing.T) {
	msgs := loadMessages(t)
	kw := codecs[0]
	seen := map[string]bool{}
	check := func(k string, err error) {
		want, expected := expectedInterop[k]
		switch {
		case err == nil && expected:
			t.Errorf("%s: now works; remove it from expectedInterop", k)
		case err != nil && !expected:
			t.Errorf("%s: %v", k, err)
		case err != nil && !strings.Contains(err.Error(), want):
			t.Errorf("%s: %v, want an error containing %q", k, err, want)
		case err != nil:
			seen[k] = true
			t.Logf("finding: %s: %v", k, err)
		}
	}
	for _, c := range codecs[1:] {
		for _, f := range []string{"json", "xml"} {
			peer, ok := c.forms[f]
			if !ok {
				continue
			}
			for _, m := range msgs {
				ours, err := kw.forms[f].write(m.bin)
				if err != nil {
					t.Fatal(err)
				}
				bin, err := peer.read(ours)
				if err == nil {
					err = sameTree(m, bin)
				}
				check(fmt.Sprintf("%s reads-kmipwire %s %s", c.name, f, m.name), err)
				theirs, err := peer.write(m.bin)
				if err == nil {
					bin, err = kw.forms[f].read(theirs)
				}
				if err == nil {
					err = sameTree(m, bin)
				}
				check(fmt.Sprintf("kmipwire reads-%s %s %s", c.name, f, m.name), err)
			}
		}
	}
	for k := range expectedInterop {
		if !seen[k] && !t.Failed() {
			t.Errorf("%s: listed in expectedInterop but not seen", k)
		}
	}
}

// sameTree is sameBytes, and when the bytes differ, says which items are
// missing or extra, by tag name.
func sameTree(m *message, got []byte) error {
	err := sameBytes(m, "binary", got)
	if err == nil {
		return nil
	}
	count := func(b []byte) map[string]int {
		n := map[string]int{}
		d := ttlv.NewDecoder(b, ttlv.DecodeOptions{Lax: ^ttlv.Lax(0)})
		for {
			it, err := d.NextToken()
			if err != nil {
				return n
			}
			if it.Type != ttlv.TypeEnd {
				n[it.Tag.String()]++
			}
		}
	}
	want, have := count(m.bin), count(got)
	var lost, extra []string
	for tag, w := range want {
		if h := have[tag]; h < w {
			lost = append(lost, fmt.Sprintf("%s×%d", tag, w-h))
		}
	}
	for tag, h := range have {
		if w := want[tag]; h > w {
			extra = append(extra, fmt.Sprintf("%s×%d", tag, h-w))
		}
	}
	sort.Strings(lost)
	sort.Strings(extra)
	if len(lost) > 0 {
		err = fmt.Errorf("%w; items lost without an error: %s", err, strings.Join(lost, " "))
	}
	if len(extra) > 0 {
		err = fmt.Errorf("%w; items added: %s", err, strings.Join(extra, " "))
	}
	return err
}

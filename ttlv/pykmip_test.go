package ttlv

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The differential test against PyKMIP 0.10 (Debian python3-pykmip), an
// independent KMIP implementation: what PyKMIP encodes decodes here and
// re-encodes byte-identically, and what this package encodes PyKMIP decodes
// and re-encodes to the same bytes. See testdata/pykmip/README.md.

const pyKMIPDir = "../testdata/pykmip"

type pyMessage struct {
	Name    string `json:"name"`
	Kind    string `json:"kind"`
	Version string `json:"version"`
	Hex     string `json:"hex"`
	bin     []byte
}

// pyKMIP returns the interpreter that has PyKMIP, or skips the test; with
// KMIPWIRE_REQUIRE_PYKMIP=1 (set by .ci/run) a missing PyKMIP fails it.
func pyKMIP(t *testing.T) string {
	t.Helper()
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import kmip").Run(); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required but %s cannot import kmip: %v (apt-get install python3-pykmip)", py, err)
		}
		t.Skipf("SKIP: PyKMIP not installed (%s -c 'import kmip': %v); apt-get install python3-pykmip", py, err)
	}
	return py
}

func readPyMessages(t *testing.T, data []byte) []pyMessage {
	t.Helper()
	var msgs []pyMessage
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m pyMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("bad line in PyKMIP output: %v", err)
		}
		var err error
		if m.bin, err = hex.DecodeString(m.Hex); err != nil {
			t.Fatalf("%s: %v", m.Name, err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) < 40 {
		t.Fatalf("only %d PyKMIP messages", len(msgs))
	}
	return msgs
}

// TestPyKMIPEncodedDecodes decodes the committed PyKMIP messages strictly
// and re-encodes them, byte for byte, both through the tree and by
// streaming every item through an Encoder.
func TestPyKMIPEncodedDecodes(t *testing.T) {
	data, err := os.ReadFile(pyKMIPDir + "/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[Tag]string{TagRequestMessage: "RequestMessage", TagResponseMessage: "ResponseMessage"}
	for _, m := range readPyMessages(t, data) {
		var v Value
		if err := Unmarshal(m.bin, &v); err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if kinds[v.Tag] != m.Kind {
			t.Errorf("%s: top tag %v, want %s", m.Name, v.Tag, m.Kind)
		}
		if got := Marshal(&v); !bytes.Equal(got, m.bin) {
			t.Errorf("%s: tree re-encoding differs:\n got %x\nwant %x", m.Name, got, m.bin)
		}
		if got := reencodeStreaming(t, m.bin); !bytes.Equal(got, m.bin) {
			t.Errorf("%s: streaming re-encoding differs:\n got %x\nwant %x", m.Name, got, m.bin)
		}
	}
}

// reencodeStreaming copies a message item by item from a Decoder to an
// Encoder, re-encoding every primitive from its decoded value.
func reencodeStreaming(t *testing.T, in []byte) []byte {
	d := NewDecoder(in, DecodeOptions{})
	var out bytes.Buffer
	e := NewEncoder(&out)
	defer e.Release()
	for {
		it, err := d.Next()
		if err != nil {
			if d.Depth() == 0 {
				break
			}
			e.End()
			if err := d.Leave(); err != nil {
				t.Fatal(err)
			}
			continue
		}
		switch it.Type {
		case TypeStructure:
			e.Begin(it.Tag)
			if err := d.Enter(); err != nil {
				t.Fatal(err)
			}
		case TypeInteger:
			e.Integer(it.Tag, it.Int())
		case TypeLongInteger:
			e.LongInteger(it.Tag, it.Long())
		case TypeEnumeration:
			e.Enumeration(it.Tag, it.Enum())
		case TypeBoolean:
			e.Boolean(it.Tag, it.Bool())
		case TypeDateTime:
			e.DateTime(it.Tag, it.Long())
		case TypeInterval:
			e.Interval(it.Tag, it.Interval())
		case TypeTextString:
			e.TextBytes(it.Tag, it.Value)
		default:
			e.Item(it)
		}
	}
	if err := e.Flush(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// TestPyKMIPLiveEncoder runs PyKMIP's encoder and checks that it still
// produces the committed messages, so the fixtures cannot drift from the
// implementation they stand for.
func TestPyKMIPLiveEncoder(t *testing.T) {
	py := pyKMIP(t)
	live, err := exec.Command(py, pyKMIPDir+"/encode.py").Output()
	if err != nil {
		t.Fatalf("encode.py: %v", err)
	}
	committed, err := os.ReadFile(pyKMIPDir + "/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(live, committed) {
		t.Fatalf("encode.py output differs from messages.jsonl; regenerate it (see testdata/pykmip/README.md)")
	}
}

// pyDecode sends messages to PyKMIP's decoder and returns its answers.
func pyDecode(t *testing.T, py string, kinds []string, msgs [][]byte) []map[string]any {
	t.Helper()
	var in strings.Builder
	for i, m := range msgs {
		fmt.Fprintf(&in, "%s %x\n", kinds[i], m)
	}
	cmd := exec.Command(py, pyKMIPDir+"/decode.py")
	cmd.Stdin = strings.NewReader(in.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("decode.py: %v", err)
	}
	var res []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 4<<20)
	for sc.Scan() {
		var r map[string]any
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("decode.py output: %v", err)
		}
		res = append(res, r)
	}
	if len(res) != len(msgs) {
		t.Fatalf("decode.py answered %d lines for %d messages", len(res), len(msgs))
	}
	return res
}

// TestPyKMIPDecodesOurs encodes messages here and has PyKMIP decode them:
// every PyKMIP message rebuilt by this package's Encoder from decoded
// values, and the corpus messages this package builds from scratch.
func TestPyKMIPDecodesOurs(t *testing.T) {
	py := pyKMIP(t)
	data, err := os.ReadFile(pyKMIPDir + "/messages.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var names, kinds []string
	var msgs [][]byte
	for _, m := range readPyMessages(t, data) {
		names = append(names, m.Name)
		kinds = append(kinds, m.Kind)
		msgs = append(msgs, reencodeStreaming(t, m.bin))
	}
	for _, c := range pyKMIPCorpus(t) {
		names = append(names, c.name)
		kinds = append(kinds, c.kind)
		msgs = append(msgs, c.bin)
	}
	for i, r := range pyDecode(t, py, kinds, msgs) {
		if r["ok"] != true {
			t.Errorf("%s: PyKMIP rejects our encoding: %v", names[i], r["error"])
			continue
		}
		if w, ok := r["warning"]; ok {
			t.Errorf("%s: PyKMIP warns: %v", names[i], w)
		}
		if r["hex"] != hex.EncodeToString(msgs[i]) {
			t.Errorf("%s: PyKMIP re-encodes differently:\n ours   %x\n PyKMIP %v", names[i], msgs[i], r["hex"])
		}
	}
}

type corpusMessage struct {
	name, kind string
	bin        []byte
}

// pyKMIPCorpus returns the corpus messages (testdata/corpus, built with this
// package's Encoder by bench/corpus) in the KMIP versions PyKMIP reads:
// 1.0–1.4 and 2.0. The seed message is KMIP 2.1, which PyKMIP predates.
func pyKMIPCorpus(t *testing.T) []corpusMessage {
	var out []corpusMessage
	for _, name := range []string{"get", "register-rsa4096", "get-batch-100"} {
		b, err := os.ReadFile("../testdata/corpus/" + name + ".ttlv")
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, corpusMessage{"corpus/" + name, "RequestMessage", b})
	}
	return out
}

package kmip_test

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

	"github.com/google/go-cmp/cmp"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/ttlv"
)

// The differential test against PyKMIP 0.10 (Debian python3-pykmip), an
// independent implementation: the test starts PyKMIP's encoder
// (testdata/pykmip/encode.py: messages built from PyKMIP's payload objects,
// for every operation it implements in 1.x and 2.0 form: Create,
// CreateKeyPair, Register, Get, Locate, Destroy, Query, DiscoverVersions)
// and decoder (decode.py). Each PyKMIP message decodes into the typed
// messages with nothing unknown and encodes back to PyKMIP's bytes; what
// the typed messages encode, PyKMIP decodes and re-encodes to the same
// bytes; and for the payloads built here from typed values (the
// expectations below), the typed values encode to PyKMIP's payload bytes
// and PyKMIP's bytes decode to the same field values (cmp.Diff).

const pyKMIPDir = "../testdata/pykmip"

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

type pyMessage struct {
	Name, Kind, Version, Hex string
	bin                      []byte
}

// pyEncoded runs encode.py and returns its messages.
func pyEncoded(t *testing.T, py string) []pyMessage {
	out, err := exec.Command(py, pyKMIPDir+"/encode.py").Output()
	if err != nil {
		t.Fatalf("encode.py: %v", err)
	}
	var msgs []pyMessage
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m pyMessage
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		if m.bin, err = hex.DecodeString(m.Hex); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	if len(msgs) < 40 {
		t.Fatalf("only %d messages from encode.py", len(msgs))
	}
	return msgs
}

// ignoreDecodeState leaves out of cmp.Diff what a decoded value keeps
// besides its fields (its items' order): a built value has none.
var ignoreDecodeState = cmp.FilterPath(func(p cmp.Path) bool {
	sf, ok := p.Last().(cmp.StructField)
	return ok && sf.Name() == "x"
}, cmp.Ignore())

type typedMsg interface {
	UnmarshalTTLV([]byte) error
	AppendTTLV([]byte, kmip.Version) []byte
	Unknown() []kmip.Raw
}

func decodeTyped(kind string, b []byte) (typedMsg, error) {
	var v typedMsg = new(kmip.RequestMessage)
	if kind == "ResponseMessage" {
		v = new(kmip.ResponseMessage)
	}
	return v, v.UnmarshalTTLV(b)
}

func version(s string) kmip.Version {
	var major, minor int
	fmt.Sscanf(s, "%d.%d", &major, &minor)
	return kmip.Version(major<<8 | minor)
}

func TestPyKMIPDifferential(t *testing.T) {
	py := pyKMIP(t)
	msgs := pyEncoded(t, py)

	// PyKMIP → typed → bytes: everything typed, byte-identical.
	var lines strings.Builder
	ours := map[string][]byte{}
	for _, m := range msgs {
		v, err := decodeTyped(m.Kind, m.bin)
		if err != nil {
			t.Errorf("%s: typed decode: %v", m.Name, err)
			continue
		}
		if u := v.Unknown(); len(u) != 0 {
			t.Errorf("%s: %d items kept as unknown, the first %s %s", m.Name, len(u), u[0].Tag(), u[0].Type())
		}
		out := v.AppendTTLV(nil, version(m.Version))
		if !bytes.Equal(out, m.bin) {
			t.Errorf("%s: typed re-encoding differs from PyKMIP's", m.Name)
		}
		ours[m.Name] = out
		fmt.Fprintf(&lines, "%s %x\n", m.Kind, out)
	}

	// typed → PyKMIP: PyKMIP decodes what the types encode and writes the
	// same bytes back.
	cmd := exec.Command(py, pyKMIPDir+"/decode.py")
	cmd.Stdin = strings.NewReader(lines.String())
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("decode.py: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	i := 0
	for sc.Scan() {
		var r struct {
			OK         bool
			Hex, Error string
			Warning    string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		name := msgs[i].Name
		i++
		if !r.OK || r.Warning != "" {
			t.Errorf("%s: PyKMIP does not take the typed encoding: %s%s", name, r.Error, r.Warning)
			continue
		}
		if got, _ := hex.DecodeString(r.Hex); !bytes.Equal(got, ours[name]) {
			t.Errorf("%s: PyKMIP re-encodes the typed encoding differently", name)
		}
	}
	if i != len(msgs) {
		t.Fatalf("decode.py answered %d of %d messages", i, len(msgs))
	}

	// Typed values built here against PyKMIP's payloads, both ways.
	byName := map[string]pyMessage{}
	for _, m := range msgs {
		byName[m.Name] = m
	}
	for _, c := range pyPayloads() {
		for _, ver := range c.versions {
			name := c.name + "_" + ver
			m, ok := byName[name]
			if !ok {
				t.Fatalf("encode.py wrote no %s", name)
			}
			v, err := decodeTyped(m.Kind, m.bin)
			if err != nil {
				t.Fatal(err)
			}
			got := firstPayload(v)
			// The typed value encodes to PyKMIP's payload bytes …
			want := c.payload.AppendTTLV(nil, version(ver))
			if pyBytes := got.AppendTTLV(nil, version(ver)); !bytes.Equal(want, pyBytes) {
				t.Errorf("%s: the typed payload encodes differently from PyKMIP's:\n%s", name, dumpDiff(want, pyBytes))
			}
			// … and PyKMIP's bytes decode to its field values.
			if ta := templateOf(got); ta != nil {
				set, err := ta.AttributeSet()
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				got = withAttributes(got, set)
			}
			if diff := cmp.Diff(c.payload, got, ignoreDecodeState); diff != "" {
				t.Errorf("%s: PyKMIP's payload decodes to other values (-typed +PyKMIP):\n%s", name, diff)
			}
		}
	}
}

// pyPayload is a payload as encode.py builds it, as a typed value.
type pyPayload struct {
	name     string
	versions []string
	payload  interface {
		AppendTTLV([]byte, kmip.Version) []byte
	}
}

const uidAES = "1f165d65-cbbd-4bd6-9867-80e0b390acf9"

func pyPayloads() []pyPayload {
	aes := func() *kmip.Attributes {
		return &kmip.Attributes{
			CryptographicAlgorithm: kmip.Some(kmip.CryptographicAlgorithmAES),
			CryptographicLength:    kmip.Some[int32](256),
			CryptographicUsageMask: kmip.Some(kmip.CryptographicUsageMaskEncrypt | kmip.CryptographicUsageMaskDecrypt),
			Name:                   []kmip.Name{{NameValue: "kmipwire-aes-256", NameType: kmip.NameTypeUninterpretedTextString}},
		}
	}
	both := []string{"1.2", "2.0"}
	return []pyPayload{
		{"create_request", both, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: aes()}},
		{"get_request", both, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(uidAES), KeyFormatType: kmip.Some(kmip.KeyFormatTypeRaw)}},
		{"destroy_request", both, &kmip.DestroyRequestPayload{UniqueIdentifier: kmip.Some(uidAES)}},
		{"destroy_response", both, &kmip.DestroyResponsePayload{UniqueIdentifier: uidAES}},
		{"query_request", both, &kmip.QueryRequestPayload{QueryFunction: []kmip.QueryFunction{
			kmip.QueryFunctionQueryOperations, kmip.QueryFunctionQueryObjects, kmip.QueryFunctionQueryServerInformation}}},
		{"create_response", []string{"2.0"}, &kmip.CreateResponsePayload{ObjectType: kmip.ObjectTypeSymmetricKey, UniqueIdentifier: uidAES}},
	}
}

// firstPayload returns the payload of a message's first batch item.
func firstPayload(v typedMsg) interface {
	AppendTTLV([]byte, kmip.Version) []byte
} {
	switch m := v.(type) {
	case *kmip.RequestMessage:
		return m.BatchItem[0].RequestPayload
	case *kmip.ResponseMessage:
		return m.BatchItem[0].ResponsePayload
	}
	return nil
}

// templateOf returns a 1.x Create's Template-Attribute.
func templateOf(p any) *kmip.TemplateAttribute {
	if c, ok := p.(*kmip.CreateRequestPayload); ok {
		return c.TemplateAttribute
	}
	return nil
}

// withAttributes returns a 1.x Create with its Template-Attribute read as
// the attribute set, to compare with a built value.
func withAttributes(p interface {
	AppendTTLV([]byte, kmip.Version) []byte
}, set *kmip.Attributes) interface {
	AppendTTLV([]byte, kmip.Version) []byte
} {
	c := p.(*kmip.CreateRequestPayload).Clone()
	c.TemplateAttribute, c.Attributes = nil, set
	return c
}

func dumpDiff(want, got []byte) string {
	var w, g ttlv.Value
	_ = ttlv.Unmarshal(want, &w)
	_ = ttlv.Unmarshal(got, &g)
	return "typed:\n" + w.String() + "PyKMIP:\n" + g.String()
}

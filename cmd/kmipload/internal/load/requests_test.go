package load

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/ttlv"
)

// TestEnums: the constants are the registry's values (KMIP 2.1 §11).
func TestEnums(t *testing.T) {
	for _, c := range []struct {
		tag  ttlv.Tag
		name string
		want uint32
	}{
		{ttlv.TagOperation, "Create", opCreate},
		{ttlv.TagOperation, "Locate", opLocate},
		{ttlv.TagOperation, "Get", opGet},
		{ttlv.TagOperation, "Activate", opActivate},
		{ttlv.TagOperation, "Encrypt", opEncrypt},
		{ttlv.TagObjectType, "SymmetricKey", objSymmetricKey},
		{ttlv.TagCryptographicAlgorithm, "AES", algAES},
		{ttlv.TagBlockCipherMode, "GCM", modeGCM},
		{ttlv.TagResultStatus, "Success", statusSuccess},
	} {
		if got, ok := ttlv.LookupEnum(c.tag, c.name); !ok || got != c.want {
			t.Errorf("%v %s = 0x%X (%v), constant 0x%X", c.tag, c.name, got, ok, c.want)
		}
	}
	if got, ok := ttlv.ParseMask(ttlv.TagCryptographicUsageMask, []byte("Encrypt|Decrypt")); !ok || got != usageEncDec {
		t.Errorf("usage mask 0x%X, constant 0x%X", got, usageEncDec)
	}
}

func TestParseMix(t *testing.T) {
	m, err := ParseMix("get=70, Locate=10,encrypt=15,create=5")
	if err != nil || m != (Mix{70, 10, 15, 5}) || m.String() != "get=70,locate=10,encrypt=15,create=5" {
		t.Fatalf("%v %v %q", m, err, m.String())
	}
	counts := map[Op]int{}
	for r := 0; r < m.total(); r++ {
		counts[m.pick(r)]++
	}
	if counts[OpGet] != 70 || counts[OpLocate] != 10 || counts[OpEncrypt] != 15 || counts[OpCreate] != 5 {
		t.Fatalf("pick: %v", counts)
	}
	for _, bad := range []string{"", "get=0", "frobnicate=1", "get=-1", "get=x"} {
		if _, err := ParseMix(bad); err == nil {
			t.Errorf("ParseMix(%q) accepted", bad)
		}
	}
}

// batchOfAll is a request with one item of every operation.
func batchOfAll(v Version) []byte {
	b := builder{v: v, data: []byte("sixteen bytes!!!")}
	m := b.begin(int(numOps) + 1)
	for op := Op(0); op < numOps; op++ {
		b.item(op, int(op), []byte("key-1"))
	}
	b.activate(int(numOps), []byte("key-1"))
	return bytes.Clone(b.end(m))
}

// TestRequestsDecode: every request is valid TTLV with the layout of
// KMIP 2.1 §8 / 1.4 §7 and the payload forms of its version.
func TestRequestsDecode(t *testing.T) {
	for _, v := range []Version{{1, 4}, {2, 1}} {
		var msg ttlv.Value
		if err := ttlv.Unmarshal(batchOfAll(v), &msg); err != nil {
			t.Fatalf("%v: %v", v, err)
		}
		items := 0
		for _, c := range msg.Children {
			if c.Tag == ttlv.TagBatchItem {
				items++
			}
		}
		if items != int(numOps)+1 {
			t.Fatalf("%v: %d items", v, items)
		}
		dump := msg.String()
		legacy := strings.Contains(dump, "TemplateAttribute")
		if legacy != v.legacy() || strings.Contains(dump, "Attributes") == v.legacy() {
			t.Errorf("%v: wrong attribute form:\n%s", v, dump)
		}
	}
}

// TestPyKMIPDecodesRequests: PyKMIP, an independent implementation, reads
// the generator's requests in KMIP 1.4 and 2.0 and sees the operations
// they carry.
func TestPyKMIPDecodesRequests(t *testing.T) {
	const py = "/usr/bin/python3"
	if err := exec.Command(py, "-c", "import kmip").Run(); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_PYKMIP") != "" {
			t.Fatalf("PyKMIP required: %v", err)
		}
		t.Skipf("SKIP: PyKMIP not installed: %v", err)
	}
	var in bytes.Buffer
	for _, v := range []Version{{1, 4}, {2, 0}} {
		fmt.Fprintf(&in, "RequestMessage %x\n", batchOfAll(v))
	}
	cmd := exec.Command(py, "../../../../testdata/pykmip/decode.py")
	cmd.Stdin = &in
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("decode.py: %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(nil, 1<<20)
	n := 0
	for ; sc.Scan(); n++ {
		var r struct {
			OK      bool
			Error   string
			Summary string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if !r.OK {
			t.Fatalf("PyKMIP rejects request %d: %s", n, r.Error)
		}
		for _, op := range []string{"CREATE", "LOCATE", "GET", "ENCRYPT", "ACTIVATE"} {
			if !strings.Contains(strings.ToUpper(r.Summary), op) {
				t.Errorf("request %d: PyKMIP's reading lacks %s: %s", n, op, r.Summary)
			}
		}
	}
	if n != 2 {
		t.Fatalf("%d answers", n)
	}
}

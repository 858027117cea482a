package load

import (
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
)

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

// TestRequests: each slot's request is the operation asked for, on the
// key given, and filling a batch allocates nothing.
func TestRequests(t *testing.T) {
	var c kmipclient.Client // not connected: only its batches are used
	b := c.NewBatch(0)
	r := newRequests(4, make([]byte, 64))
	ops := []Op{OpGet, OpLocate, OpEncrypt, OpCreate}
	want := []kmip.Operation{kmip.OperationGet, kmip.OperationLocate, kmip.OperationEncrypt, kmip.OperationCreate}
	for i, op := range ops {
		r.add(b, op, i, "key-1")
	}
	if b.Len() != 4 || r.get[0].UniqueIdentifier.Value != "key-1" || r.enc[2].UniqueIdentifier.Value != "key-1" {
		t.Fatalf("batch of %d; get %q, encrypt %q", b.Len(), r.get[0].UniqueIdentifier.Value, r.enc[2].UniqueIdentifier.Value)
	}
	for i, w := range want {
		if got := b.Request(i).Operation(); got != w {
			t.Errorf("item %d: %v, want %v", i, got, w)
		}
	}
	n := testing.AllocsPerRun(100, func() {
		b.Reset()
		for i, op := range ops {
			r.add(b, op, i, "key-2")
		}
	})
	if n != 0 {
		t.Errorf("filling a batch: %.1f allocations", n)
	}
}

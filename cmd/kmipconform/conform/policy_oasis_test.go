package conform

import (
	"bytes"
	"context"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/kmipserver"
)

func sharedSuite(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("KMIP_CONFORMANCE_DIR")
	if dir == "" {
		dir = "../../../../shared/conformance/kmip-xml"
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared suite not found at %s (set KMIP_CONFORMANCE_DIR)", dir)
	}
	return dir
}

// tamper is a RoundTripper that replaces bytes in the responses.
type tamper struct {
	rt       RoundTripper
	old, new []byte
	hits     int
}

func (p *tamper) RoundTrip(ctx context.Context, req []byte) ([]byte, error) {
	resp, err := p.rt.RoundTrip(ctx, req)
	if err == nil && bytes.Contains(resp, p.old) {
		p.hits++
		resp = bytes.ReplaceAll(resp, p.old, p.new)
	}
	return resp, err
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// TestPolicyOnOASIS pins the comparison policy on OASIS test cases, against
// kmipwire's server in process: randomized outputs pass and bind their
// implicit placeholders; a deterministic output that differs fails; a Query
// listing more than the server is a skip; a test case replays after the
// one whose objects it locates.
func TestPolicyOnOASIS(t *testing.T) {
	dir := sharedSuite(t)
	fresh := func() RoundTripper { return InProcess{Handler: kmipserver.New(kmipserver.Config{})} }
	load := func(rel string) *TestCase {
		tc, err := Load(filepath.Join(dir, rel), filepath.Dir(rel))
		if err != nil {
			t.Fatal(err)
		}
		return tc
	}
	ctx := context.Background()
	for _, rel := range []string{
		"oasis-profiles-v1.4/mandatory/CS-AC-M-OAEP-1-14.xml", // RSA-OAEP ciphertext: randomized
		"oasis-profiles-v1.4/mandatory/CS-BC-M-13-14.xml",     // server IV: $DATA_0, $IV_COUNTER_NONCE
		"oasis-profiles-v1.4/mandatory/CS-AC-M-6-14.xml",      // $MAC_DATA: the MAC of step 1
		"oasis-profiles-v2.0/mandatory/AKLC-M-2-20.xml",       // Random Number Generator by presence
	} {
		if fr := Replay(ctx, load(rel), fresh(), nil); fr.Outcome != Passed {
			t.Errorf("%s: %s: %s", rel, fr.Outcome, fr.Detail)
		}
	}

	// The Decrypt of CS-BC-M-13 (step 3) is compared byte for byte.
	plain := mustHex("010203040506070809101112131415160102030405060708091011121314151601")
	bad := append([]byte(nil), plain...)
	bad[0] ^= 0xff
	tp := &tamper{rt: fresh(), old: plain, new: bad}
	fr := Replay(ctx, load("oasis-profiles-v1.4/mandatory/CS-BC-M-13-14.xml"), tp, nil)
	if fr.Outcome != Failed || !strings.Contains(fr.Detail, "step 3 ") || !strings.Contains(fr.Detail, "/ResponsePayload/Data") || tp.hits == 0 {
		t.Errorf("tampered Decrypt: %s: %s (%d hits)", fr.Outcome, fr.Detail, tp.hits)
	}
	// So is the AES-ECB ciphertext of CS-BC-M-7 (step 1).
	ct := mustHex("d9bcce11b0b437b90239552df3a360c9")
	bad = append([]byte(nil), ct...)
	bad[15] ^= 1
	tp = &tamper{rt: fresh(), old: ct, new: bad}
	fr = Replay(ctx, load("oasis-profiles-v2.0/mandatory/CS-BC-M-7-20.xml"), tp, nil)
	if fr.Outcome != Failed || !strings.Contains(fr.Detail, "step 1 ") || tp.hits == 0 {
		t.Errorf("tampered ECB: %s: %s (%d hits)", fr.Outcome, fr.Detail, tp.hits)
	}

	// Query listing operations the server lacks: skipped, naming them.
	// (MSGENC-XML-M-1-21's lists Notify and Put, which a server never
	// answers.)
	fr = Replay(ctx, load("oasis-profiles-v2.1/mandatory/MSGENC-XML-M-1-21.xml"), fresh(), nil)
	if fr.Outcome != Skipped || !strings.Contains(fr.Detail, "requires operation") || !strings.Contains(fr.Detail, "Notify") {
		t.Errorf("MSGENC-XML-M-1-21: %s: %s", fr.Outcome, fr.Detail)
	}

	// SASED-M-3 locates what SASED-M-2 registered: passes on a fresh
	// server only after it.
	files, err := Walk(filepath.Join(dir, "oasis-profiles-v2.1/mandatory"))
	if err != nil {
		t.Fatal(err)
	}
	var pick []File
	for _, f := range files {
		if b := filepath.Base(f.Path); b == "SASED-M-2-21.xml" || b == "SASED-M-3-21.xml" {
			pick = append(pick, f)
		}
	}
	// TC-CREG-3 locates what TC-CREG-1 registered: on a fresh server it
	// passes after the chain TC-CREG-1, TC-CREG-2.
	creg, err := Walk(filepath.Join(dir, "oasis-testcases-v1.4"))
	if err != nil {
		t.Fatal(err)
	}
	var chain []File
	for _, f := range creg {
		if strings.HasPrefix(filepath.Base(f.Path), "TC-CREG-") {
			chain = append(chain, f)
		}
	}
	r, err := RunServer(ctx, chain, Server{Fresh: true, New: func() (RoundTripper, func(), error) {
		return InProcess{Handler: kmipserver.New(kmipserver.Config{})}, func() {}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	for _, fr := range r.Files {
		if strings.HasSuffix(fr.Path, "TC-CREG-3-14.xml") && fr.Outcome != Passed {
			t.Errorf("TC-CREG-3-14 on a fresh server: %s: %s", fr.Outcome, fr.Detail)
		}
	}
	for _, fresh := range []bool{true, false} {
		r, err := RunServer(ctx, pick, Server{Fresh: fresh, New: func() (RoundTripper, func(), error) {
			return InProcess{Handler: kmipserver.New(kmipserver.Config{})}, func() {}, nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Files) != 2 {
			t.Fatalf("%d results", len(r.Files))
		}
		if got := r.Files[1].Outcome; (got == Passed) != fresh {
			t.Errorf("SASED-M-3-21, Fresh %v: %s: %s", fresh, got, r.Files[1].Detail)
		}
	}
}

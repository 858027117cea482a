package kmipserver

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// checkSeed checks the answer to the seed request (the Cosmian "Messages"
// page: Create Key Pair on Curve25519, then Locate with no attributes):
// two successes, and the Locate lists both new keys.
func checkSeed(t *testing.T, r resp) {
	t.Helper()
	if r.major != 2 || r.minor != 1 || len(r.items) != 2 {
		t.Fatalf("version %d.%d, %d items", r.major, r.minor, len(r.items))
	}
	ckp := ok(t, &r.items[0])
	priv := ckp.Child(ttlv.TagPrivateKeyUniqueIdentifier).Text()
	pub := ckp.Child(ttlv.TagPublicKeyUniqueIdentifier).Text()
	loc := ok(t, &r.items[1])
	ids := texts(loc, ttlv.TagUniqueIdentifier)
	if !slices.Contains(ids, priv) || !slices.Contains(ids, pub) || priv == pub {
		t.Fatalf("Locate found %q, want %q and %q", ids, priv, pub)
	}
	if n := loc.Child(ttlv.TagLocatedItems); n == nil || n.Num != 2 {
		t.Fatalf("LocatedItems %v", n)
	}
}

func TestSeedTTLV(t *testing.T) {
	req, err := os.ReadFile("../testdata/corpus/seed-createkeypair-locate.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer()
	checkSeed(t, decode(t, s.ServeTTLV(context.Background(), nil, req)))
}

// TestSeedJSON: the seed request corrected (tags, nesting, trailing
// commas; testdata/seed-request.json) through ServeJSON.
func TestSeedJSON(t *testing.T) {
	req, err := os.ReadFile("testdata/seed-request.json")
	if err != nil {
		t.Fatal(err)
	}
	// The corrected JSON is the corrected binary seed, item for item.
	bin, err := os.ReadFile("../testdata/corpus/seed-createkeypair-locate.ttlv")
	if err != nil {
		t.Fatal(err)
	}
	fromJSON, err := jsonttlv.AppendBinary(nil, req, jsonttlv.DecodeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if string(fromJSON) != string(bin) {
		t.Fatal("testdata/seed-request.json is not the corrected seed")
	}
	s := newTestServer()
	out := s.ServeJSON(context.Background(), nil, req)
	back, err := jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{})
	if err != nil {
		t.Fatalf("answer is not KMIP JSON: %v\n%s", err, out)
	}
	checkSeed(t, decode(t, back))
}

// TestSeedPagesJSON: the seed pages' requests as published
// (testdata/json) succeed through ServeJSON, read leniently by default;
// the older page's, in Cosmian KMS 4.x's names, is answered in them. With
// Config.StrictJSON they are Invalid Message.
func TestSeedPagesJSON(t *testing.T) {
	for _, name := range []string{"seed0", "seed1"} {
		req, err := os.ReadFile("../testdata/json/" + name + "-request.json")
		if err != nil {
			t.Fatal(err)
		}
		out := newTestServer().ServeJSON(context.Background(), nil, req)
		if got := jsonttlv.Cosmian4Message(out); got != (name == "seed0") {
			t.Errorf("%s: answered in 4.x names: %v\n%s", name, got, out)
		}
		back, err := jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{Lenient: true})
		if err != nil {
			t.Fatalf("%s: %v\n%s", name, err, out)
		}
		checkSeed(t, decode(t, back))

		strict := New(Config{StrictJSON: true})
		out = strict.ServeJSON(context.Background(), nil, req)
		back, err = jsonttlv.AppendBinary(nil, out, jsonttlv.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s strict: %v\n%s", name, err, out)
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(back, &v); err != nil {
			t.Fatal(err)
		}
		if r := v.Child(ttlv.TagBatchItem).Child(ttlv.TagResultReason); r == nil || r.Num != 0x04 {
			t.Errorf("%s strict: want Invalid Message:\n%v", name, &v)
		}
	}
}

package server

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
	req, err := os.ReadFile("../../testdata/corpus/seed-createkeypair-locate.ttlv")
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
	bin, err := os.ReadFile("../../testdata/corpus/seed-createkeypair-locate.ttlv")
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

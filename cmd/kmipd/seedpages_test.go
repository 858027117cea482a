package main

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/jsonttlv"
	"github.com/kmipwire/kmipwire/ttlv"
)

// seedPages is where the two documentation pages the project grew from
// live (shared/README.md); testdata/json holds their JSON blocks, copied.
var seedPages = map[string]string{
	"000_8a6102142900df42.txt": "seed0",
	"001_d0293034fcb0e360.txt": "seed1",
}

// pageBlock returns the JSON code block that follows the tab title (such
// as `=== "Message Request"`) in a page: the lines between its ```json and
// ``` fences with their four spaces of indentation removed, as a user
// copying it gets it.
func pageBlock(t *testing.T, page, title string) []byte {
	t.Helper()
	i := strings.Index(page, `=== "`+title+`"`)
	if i < 0 {
		t.Fatalf("no %q tab", title)
	}
	rest := page[i:]
	start := strings.Index(rest, "```json\n")
	if start < 0 {
		t.Fatalf("%q: no JSON block", title)
	}
	rest = rest[start+len("```json\n"):]
	end := strings.Index(rest, "```")
	if end < 0 {
		t.Fatalf("%q: unterminated block", title)
	}
	var out strings.Builder
	for _, line := range strings.SplitAfter(strings.TrimRight(rest[:end], " "), "\n") {
		out.WriteString(strings.TrimPrefix(line, "    "))
	}
	return []byte(out.String())
}

// seedRequests returns the Message Request of each seed page, extracted
// from the page text in ../shared/seeds, or, without it, the copies in
// testdata/json (checked to be those blocks whenever the pages are here).
func seedRequests(t *testing.T) map[string][]byte {
	t.Helper()
	dir := filepath.Join("..", "..", "..", "shared", "seeds")
	out := map[string][]byte{}
	for file, name := range seedPages {
		copyPath := filepath.Join("..", "..", "testdata", "json", name+"-request.json")
		copied, err := os.ReadFile(copyPath)
		if err != nil {
			t.Fatal(err)
		}
		page, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Logf("%s: %v; using %s", file, err, copyPath)
			out[name] = copied
			continue
		}
		req := pageBlock(t, string(page), "Message Request")
		if !bytes.Equal(bytes.TrimSpace(req), bytes.TrimSpace(copied)) {
			t.Errorf("%s differs from the request block of %s", copyPath, file)
		}
		out[name] = req
	}
	return out
}

// TestSeedPagesPasted: each seed page's request, as it stands on the page
// (Cosmian KMS 4.x names, "QLength", trailing commas, a missing "]"),
// POSTed to a default kmipd's /kmip succeeds: Create Key Pair, then a
// Locate that lists both new keys. The older page's request (named
// Message/Header/Items) is answered in those names, the newer one in the
// specification's. With -strict-json both are Invalid Message.
func TestSeedPagesPasted(t *testing.T) {
	reqs := seedRequests(t)
	d := startDaemon(t, "-addr", "-")
	strict := startDaemon(t, "-addr", "-", "-strict-json")
	for _, name := range []string{"seed0", "seed1"} {
		body := post(t, d, reqs[name])
		if got, want := jsonttlv.Cosmian4Message(body), name == "seed0"; got != want {
			t.Errorf("%s: answer in 4.x names %v, want %v:\n%s", name, got, want, body)
		}
		if name == "seed0" {
			for _, part := range []string{`"tag":"Message"`, `"tag":"Header"`, `"tag":"Items","type":"Structure","value":[{"tag":"Items"`} {
				if !bytes.Contains(body, []byte(part)) {
					t.Errorf("%s: answer lacks %s:\n%s", name, part, body)
				}
			}
		}
		bin, err := jsonttlv.AppendBinary(nil, body, jsonttlv.DecodeOptions{Lenient: true})
		if err != nil {
			t.Fatalf("%s: answer: %v\n%s", name, err, body)
		}
		checkSeedResponse(t, bin)

		body = post(t, strict, reqs[name])
		bin, err = jsonttlv.AppendBinary(nil, body, jsonttlv.DecodeOptions{})
		if err != nil {
			t.Fatalf("%s strict: answer: %v\n%s", name, err, body)
		}
		var v ttlv.Value
		if err := ttlv.Unmarshal(bin, &v); err != nil {
			t.Fatal(err)
		}
		if r := v.Child(ttlv.TagBatchItem).Child(ttlv.TagResultReason); r == nil || r.Num != 0x04 {
			t.Errorf("%s with -strict-json: want Invalid Message:\n%s", name, v.String())
		}
	}
}

// post sends a JSON request to a daemon's /kmip and returns the body of
// its 200 answer.
func post(t *testing.T, d *daemon, req []byte) []byte {
	t.Helper()
	resp, err := d.httpClient(t).Post(d.url, "application/json", bytes.NewReader(req))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	return body
}

package kmipserver_test

import (
	"bufio"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kmipwire/kmipwire/cmd/kmipconform/conform"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// kmipXMLDir is shared/conformance/kmip-xml beside the repository, or
// under $KMIPWIRE_SHARED.
func kmipXMLDir() string {
	shared := os.Getenv("KMIPWIRE_SHARED")
	if shared == "" {
		shared = filepath.Join("..", "..", "shared")
	}
	return filepath.Join(shared, "conformance", "kmip-xml")
}

// oasisProfiles are the directories of OASIS test cases replayed, relative
// to kmip-xml: the mandatory profile cases (the measure of conformance),
// then the optional ones and the specification's test cases (regression
// guards for what passes).
var oasisProfiles = []string{
	"oasis-profiles-v1.0-mandatory",
	"oasis-profiles-v1.4/mandatory",
	"oasis-profiles-v2.0/mandatory",
	"oasis-profiles-v2.1/mandatory",
	"oasis-profiles-v3.0-mandatory", // the KMIP 3.0 committee draft's
	"oasis-profiles-v1.4/optional",
	"oasis-profiles-v2.0/optional",
	"oasis-profiles-v2.1/optional",
	"oasis-testcases-v1.4",
	"oasis-testcases-v2.0",
}

// passList is the pinned list of test cases that must pass.
const passList = "testdata/oasis-pass.txt"

// TestOASISProfiles replays the OASIS KMIP profile test cases (XML,
// shared/conformance/kmip-xml) against the server in process with
// cmd/kmipconform/conform's RunServer, as cmd/kmipconform does — each request
// with its placeholders bound, each response compared structurally with
// the file's — and requires every
// case listed in testdata/oasis-pass.txt to pass; cases that pass without
// being listed are reported. KMIPWIRE_OASIS_UPDATE=1 rewrites the list
// from the run. The test skips when the test cases are absent, unless
// KMIPWIRE_REQUIRE_SHARED=1.
func TestOASISProfiles(t *testing.T) {
	root := kmipXMLDir()
	if _, err := os.Stat(filepath.Join(root, oasisProfiles[0])); err != nil {
		if os.Getenv("KMIPWIRE_REQUIRE_SHARED") == "1" {
			t.Fatalf("OASIS test cases not found under %s: %v", root, err)
		}
		t.Skipf("OASIS test cases not found under %s (set KMIPWIRE_SHARED): %v", root, err)
	}
	want, err := readPassList(passList)
	if err != nil && !(errors.Is(err, os.ErrNotExist) && os.Getenv("KMIPWIRE_OASIS_UPDATE") == "1") {
		t.Fatal(err)
	}
	all, err := conform.Walk(root)
	if err != nil {
		t.Fatal(err)
	}
	var files []conform.File
	for _, f := range all {
		if profileOf(f.Profile) != "" {
			files = append(files, f)
		}
	}
	// As cmd/kmipconform: a fresh server per test case (a case that
	// builds on another's objects, TL-M-3 on TL-M-2's, is replayed after
	// it on the same server), the operations the server's Query does
	// not list skipped, the out-of-scope ones left out of the expected
	// Query answers.
	rep, err := conform.RunServer(context.Background(), files, conform.Server{
		Fresh: true, SkipUnlisted: true, OutOfScope: kmipserver.OutOfScope(),
		New: func() (conform.RoundTripper, func(), error) {
			return conform.InProcess{Handler: kmipserver.New(kmipserver.Config{Interop: true})}, func() {}, nil
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	type tally struct{ files, passed, failed, skipped, unreadable int }
	per := map[string]*tally{}
	var passed []string
	seen := map[string]bool{}
	for _, r := range rep.Files {
		top := profileOf(r.Profile)
		name := filepath.ToSlash(filepath.Join(r.Profile, filepath.Base(r.Path)))
		seen[name] = true
		tl := per[top]
		if tl == nil {
			tl = &tally{}
			per[top] = tl
		}
		tl.files++
		switch r.Outcome {
		case conform.Passed:
			tl.passed++
			passed = append(passed, name)
			if !want[name] {
				t.Logf("newly passing (add to %s): %s", passList, name)
			}
			continue
		case conform.Skipped:
			tl.skipped++
		case conform.Unreadable:
			tl.unreadable++
		default:
			tl.failed++
		}
		if want[name] {
			t.Errorf("%s: %s, listed as passing: %s", name, r.Outcome, r.Detail)
		} else if testing.Verbose() {
			t.Logf("%s %s: %s", r.Outcome, name, r.Detail)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("%s: listed as passing, not found under %s", name, root)
		}
	}
	for _, p := range oasisProfiles {
		if tl := per[p]; tl != nil {
			t.Logf("%-31s files %3d  passed %3d  failed %3d  skipped %2d  unreadable %2d",
				p, tl.files, tl.passed, tl.failed, tl.skipped, tl.unreadable)
		}
	}
	if os.Getenv("KMIPWIRE_OASIS_UPDATE") == "1" {
		if err := writePassList(passList, passed); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s: %d test cases", passList, len(passed))
	}
}

// profileOf returns the entry of oasisProfiles that the profile directory
// p is in ("" for none): variants (…/mandatory/_variants/csd01) count
// with their profile.
func profileOf(p string) string {
	p = filepath.ToSlash(p)
	for _, o := range oasisProfiles {
		if p == o || strings.HasPrefix(p, o+"/") {
			return o
		}
	}
	return ""
}

// readPassList reads the names of the test cases that must pass: one a
// line, "#" comments.
func readPassList(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return map[string]bool{}, err
	}
	defer f.Close()
	want := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" && !strings.HasPrefix(l, "#") {
			want[l] = true
		}
	}
	return want, sc.Err()
}

const passListHeader = `# OASIS KMIP test cases (shared/conformance/kmip-xml: profiles 1.0/1.4/2.0/2.1/3.0-draft mandatory, 1.4/2.0/2.1 optional,
# test cases 1.4/2.0) that TestOASISProfiles requires to pass: replayed with cmd/kmipconform/conform.Replay,
# every response structurally equal to the file's (placeholders bound). Regenerate with
#   KMIPWIRE_OASIS_UPDATE=1 go test -run TestOASISProfiles ./kmipserver
`

func writePassList(path string, names []string) error {
	slices.Sort(names)
	return os.WriteFile(path, []byte(passListHeader+strings.Join(names, "\n")+"\n"), 0o644)
}

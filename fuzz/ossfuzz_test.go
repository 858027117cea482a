package fuzz

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	fuzzFuncRE  = regexp.MustCompile(`(?m)^func (Fuzz\w+)\(f \*testing\.F\)`)
	compileRE   = regexp.MustCompile(`(?m)^compile_native_go_fuzzer_v2 \$M/?(\S*) (Fuzz\w+) (\S+)$`)
	seedRE      = regexp.MustCompile(`(?m)^seed (\S+) `)
	ossFuzzPath = filepath.Join("oss-fuzz", "build.sh")
)

// repoTargets lists the native fuzz targets under root as "dir FuzzX",
// dir relative to root with "/" separators ("" for the root package).
func repoTargets(t *testing.T, root string) []string {
	var out []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == ".git" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, "_test.go") {
			return nil
		}
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		dir, _ := filepath.Rel(root, filepath.Dir(path))
		dir = filepath.ToSlash(dir)
		if dir == "." {
			dir = ""
		}
		for _, m := range fuzzFuncRE.FindAllSubmatch(src, -1) {
			out = append(out, dir+" "+string(m[1]))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// buildProblems compares build.sh with the targets: each target built once,
// under a unique fuzzer name with a seed corpus, and nothing else.
func buildProblems(build string, targets []string) []string {
	var problems []string
	built := map[string]bool{}
	names := map[string]bool{}
	for _, m := range compileRE.FindAllStringSubmatch(build, -1) {
		key := m[1] + " " + m[2]
		if built[key] {
			problems = append(problems, "built twice: "+key)
		}
		built[key] = true
		if names[m[3]] {
			problems = append(problems, "fuzzer name used twice: "+m[3])
		}
		names[m[3]] = true
		if !slices.Contains(targets, key) {
			problems = append(problems, "no such target: "+key)
		}
	}
	for _, k := range targets {
		if !built[k] {
			problems = append(problems, "not built: "+k)
		}
	}
	seeded := map[string]bool{}
	for _, m := range seedRE.FindAllStringSubmatch(build, -1) {
		seeded[m[1]] = true
	}
	for n := range names {
		if !seeded[n] {
			problems = append(problems, "no seed corpus: "+n)
		}
	}
	slices.Sort(problems)
	return problems
}

// TestOSSFuzzBuildNamesEveryTarget: oss-fuzz/build.sh builds every native
// fuzz target of the repository, with a seed corpus, and nothing else
// (what oss-fuzz/check.sh checks from the shell).
func TestOSSFuzzBuildNamesEveryTarget(t *testing.T) {
	build, err := os.ReadFile(ossFuzzPath)
	if err != nil {
		t.Fatal(err)
	}
	targets := repoTargets(t, "..")
	for _, want := range []string{"fuzz FuzzDecode", "fuzz FuzzSplit", "ttlv FuzzDecode"} {
		if !slices.Contains(targets, want) {
			t.Fatalf("target scan missed %q: %v", want, targets)
		}
	}
	if p := buildProblems(string(build), targets); len(p) > 0 {
		t.Errorf("%s:\n%s", ossFuzzPath, strings.Join(p, "\n"))
	}

	// The comparison catches a target left out, one built twice, and
	// a missing seed corpus.
	cut := strings.Replace(string(build), "compile_native_go_fuzzer_v2 $M/fuzz FuzzSplit fuzz_split\n", "", 1)
	if p := buildProblems(cut, targets); !slices.Contains(p, "not built: fuzz FuzzSplit") {
		t.Errorf("a removed target goes unnoticed: %v", p)
	}
	dup := string(build) + "compile_native_go_fuzzer_v2 $M/ttlv FuzzDecode ttlv_decode\n"
	if p := buildProblems(dup, targets); len(p) != 2 {
		t.Errorf("a duplicate goes unnoticed: %v", p)
	}
	noSeed := strings.Replace(string(build), "seed fuzz_split ", "# ", 1)
	if p := buildProblems(noSeed, targets); !slices.Contains(p, "no seed corpus: fuzz_split") {
		t.Errorf("a missing seed corpus goes unnoticed: %v", p)
	}
}

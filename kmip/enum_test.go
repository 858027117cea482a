package kmip

import (
	"bufio"
	"bytes"
	"errors"
	"go/ast"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestEnumConstantsMatchSpec checks every constant of enums_gen.go against
// the specification tables (internal/spec/enums.tsv): each row has a
// constant of its set's type named set+name with its value, and each
// constant has a row.
func TestEnumConstantsMatchSpec(t *testing.T) {
	type key struct{ set, name string }
	want := map[key]uint64{}
	f, err := os.Open(filepath.Join("..", "internal", "spec", "enums.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		r := strings.Split(line, "\t")
		v, err := strconv.ParseUint(strings.TrimPrefix(r[1], "0x"), 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		want[key{r[0], r[2]}] = v
	}
	fset := token.NewFileSet()
	file, err := parser.ParseFile(fset, "enums_gen.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := 0
	for _, d := range file.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			typ := vs.Type.(*ast.Ident).Name
			name := strings.TrimPrefix(vs.Names[0].Name, typ)
			tv, err := types.Eval(fset, nil, token.NoPos, types.ExprString(vs.Values[0]))
			if err != nil {
				t.Fatal(err)
			}
			v, _ := constant.Uint64Val(tv.Value)
			w, ok := want[key{typ, name}]
			switch {
			case !ok:
				t.Errorf("%s: no row %s %s in enums.tsv", vs.Names[0].Name, typ, name)
			case w != v:
				t.Errorf("%s = 0x%08X, enums.tsv says 0x%08X", vs.Names[0].Name, v, w)
			}
			delete(want, key{typ, name})
			got++
		}
	}
	for k := range want {
		if k.set != "Tag" {
			t.Errorf("enums.tsv row %s %s has no constant", k.set, k.name)
		}
	}
	if got < 800 {
		t.Errorf("only %d constants", got)
	}
}

func TestEnumStringParse(t *testing.T) {
	for _, c := range []struct {
		v    interface{ String() string }
		want string
	}{
		{OperationCreate, "Create"},
		{CryptographicAlgorithmAES, "AES"},
		{ObjectTypeSymmetricKey, "SymmetricKey"},
		{CryptographicUsageMaskEncrypt | CryptographicUsageMaskDecrypt, "Encrypt|Decrypt"},
		{CryptographicAlgorithm(0x8000000A), "0x8000000A"},
		{CryptographicUsageMask(0x80000001), "Sign|0x80000000"},
		{OperationObliterate, "Obliterate"}, // KMIP 3.0 draft
	} {
		if got := c.v.String(); got != c.want {
			t.Errorf("%#v.String() = %q, want %q", c.v, got, c.want)
		}
	}
	if v, err := ParseCryptographicAlgorithm("AES"); err != nil || v != CryptographicAlgorithmAES {
		t.Errorf("ParseCryptographicAlgorithm(AES) = %v, %v", v, err)
	}
	if v, err := ParseCryptographicAlgorithm("0x8000000A"); err != nil || v != 0x8000000A || !v.IsExtension() {
		t.Errorf("ParseCryptographicAlgorithm(0x8000000A) = %v, %v", v, err)
	}
	if v, err := ParseCryptographicUsageMask("Encrypt Decrypt"); err != nil || v != CryptographicUsageMaskEncrypt|CryptographicUsageMaskDecrypt {
		t.Errorf("ParseCryptographicUsageMask = %v, %v", v, err)
	}
	if _, err := ParseOperation("Creat"); !errors.Is(err, ErrUnknownName) {
		t.Errorf("ParseOperation(Creat) error %v, want ErrUnknownName", err)
	}
}

// TestGeneratedCurrent regenerates the generated files into a temporary
// directory and fails if a committed one differs: run go generate ./kmip/.
func TestGeneratedCurrent(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("SKIP: go command not found")
	}
	dir := t.TempDir()
	cmd := exec.Command(goBin, "run", "../internal/gen/kmip", "-spec", "../internal/spec", "-out", dir)
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("generator failed: %v\n%s", err, msg)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) == 0 {
		t.Fatal("generator wrote nothing")
	}
	for _, e := range ents {
		want, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got, err := os.ReadFile(e.Name())
		if err != nil {
			t.Fatalf("%s: %v: run go generate ./kmip/", e.Name(), err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("%s is stale: run go generate ./kmip/", e.Name())
		}
	}
}

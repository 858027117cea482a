// Command ttlvgen writes the TTLV binding of package kmip's generated types
// for a user's own struct types: a vendor's payloads and extension
// structures get the same speed (no reflection; decoding into a reused
// value allocates nothing, text and bytes aliasing the input).
//
// Usage, from a go:generate directive in the package that declares the
// types:
//
//	//go:generate go run github.com/kmipwire/kmipwire/cmd/ttlvgen -type VendorPayload,VendorItem
//
// Each field to encode has a struct tag naming its KMIP tag by name or
// number, and optionally its item type and options:
//
//	type VendorPayload struct {
//		ID      string    `ttlv:"UniqueIdentifier"`             // a tag of the registry, by name
//		Counter int32     `ttlv:"0x540001"`                     // a vendor extension tag, by number
//		Mode    uint32    `ttlv:"0x540002,Enumeration"`         // the item type, where the Go type does not say
//		Note    string    `ttlv:"0x540003,omitempty"`           // left out when zero
//		Items   []VendorItem `ttlv:"0x540004"`                  // repeated: one item per element
//		Extra   *VendorItem  `ttlv:"0x540005"`                  // optional structure: nil is absent
//		Rest    []kmip.Raw `ttlv:",unknown"`                    // items no field takes, kept and written back
//	}
//
// Go types map to item types: int32 Integer, int64 LongInteger, bool
// Boolean, string TextString, []byte ByteString, time.Time DateTime, uint32
// Enumeration, a struct type of the package (by value, pointer or slice) a
// Structure; package kmip's enumeration types are Enumerations and its masks
// (…Mask) Integers. A type name after the tag (Integer, LongInteger,
// BigInteger, Enumeration, Boolean, TextString, ByteString, DateTime,
// DateTimeExtended, Interval) overrides the mapping for a named or unsigned
// type. Without an ",unknown" field, an item no field takes is an error.
//
// For each type T it writes, into T's file name with _ttlv.go (or -output):
//
//	func (v *T) AppendTTLV(b []byte, tag ttlv.Tag) []byte // a Structure under tag
//	func (v *T) AppendContents(b []byte) []byte           // its children only
//	func (v *T) UnmarshalTTLV(b []byte) error             // one whole Structure
//	func (v *T) DecodeContents(b []byte) error            // children, as kmip.RawRequestPayload.Contents holds them
//
// so that a vendor operation's payload, which package kmip keeps as a
// kmip.RawRequestPayload, decodes with DecodeContents(raw.Contents) and is
// written back with AppendContents. The example package
// (cmd/ttlvgen/example) shows it end to end.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/ast"
	"go/format"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/kmipwire/kmipwire/ttlv"
)

func main() {
	types := flag.String("type", "", "comma-separated `names` of the struct types to bind (struct types their fields use are bound too)")
	output := flag.String("output", "", "output `file` (default: the first type's file, _ttlv.go)")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "usage: ttlvgen -type T[,T2…] [-output FILE] [DIR]")
		flag.PrintDefaults()
	}
	flag.Parse()
	dir := "."
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	if *types == "" {
		flag.Usage()
		os.Exit(2)
	}
	src, file, err := generate(dir, strings.Split(*types, ","))
	if err != nil {
		fmt.Fprintln(os.Stderr, "ttlvgen:", err)
		os.Exit(1)
	}
	if *output != "" {
		file = *output
	}
	if err := os.WriteFile(file, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "ttlvgen:", err)
		os.Exit(1)
	}
}

// field is one bound field.
type field struct {
	name      string
	tag       ttlv.Tag
	tagName   string
	itemType  string // ttlv.Type constant suffix
	goType    string // element type as written
	kind      string // scalar kind: int32, int64, bool, text, bytes, time, timeext, u32, bigint, struct
	repeated  bool
	pointer   bool
	omitEmpty bool
	unknown   bool
	conv      string // conversion of a named scalar type to/from its base ("" if none)
}

type structType struct {
	name   string
	fields []field
}

// generate parses the package in dir and returns the binding of types.
func generate(dir string, names []string) ([]byte, string, error) {
	fset := token.NewFileSet()
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, "", err
	}
	files := map[string]*ast.File{}
	pkgName := ""
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() || !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasSuffix(n, "_ttlv.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		if err != nil {
			return nil, "", err
		}
		if pkgName != "" && f.Name.Name != pkgName {
			return nil, "", fmt.Errorf("%s: packages %s and %s", dir, pkgName, f.Name.Name)
		}
		pkgName = f.Name.Name
		files[n] = f
	}
	if pkgName == "" {
		return nil, "", fmt.Errorf("%s: no Go files", dir)
	}
	decls := map[string]*ast.StructType{}
	fileOf := map[string]string{}
	kmipName := map[string]string{} // file → local name of package kmip
	imports := map[string]string{}  // local name → import path, over the files
	for fname, f := range files {
		for _, imp := range f.Imports {
			path := strings.Trim(imp.Path.Value, `"`)
			n := path[strings.LastIndex(path, "/")+1:]
			if imp.Name != nil {
				n = imp.Name.Name
			}
			imports[n] = path
			if path == "github.com/kmipwire/kmipwire/kmip" {
				kmipName[fname] = n
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			ts, ok := n.(*ast.TypeSpec)
			if !ok {
				return true
			}
			if st, ok := ts.Type.(*ast.StructType); ok {
				decls[ts.Name.Name] = st
				fileOf[ts.Name.Name] = fname
			}
			return true
		})
	}
	var out []*structType
	done := map[string]bool{}
	queue := append([]string(nil), names...)
	for len(queue) > 0 {
		n := strings.TrimSpace(queue[0])
		queue = queue[1:]
		if done[n] {
			continue
		}
		done[n] = true
		st, ok := decls[n]
		if !ok {
			return nil, "", fmt.Errorf("no struct type %s in %s", n, dir)
		}
		t, deps, err := bind(n, st, decls, kmipName[fileOf[n]])
		if err != nil {
			return nil, "", err
		}
		out = append(out, t)
		queue = append(queue, deps...)
	}
	sort.Slice(out[1:], func(i, j int) bool { return out[1+i].name < out[1+j].name })
	src, err := emit(pkgName, out, names, imports)
	if err != nil {
		return nil, "", err
	}
	first := fileOf[strings.TrimSpace(names[0])]
	return src, filepath.Join(dir, strings.TrimSuffix(first, ".go")+"_ttlv.go"), nil
}

var itemTypes = map[string]string{
	"Integer": "int32", "LongInteger": "int64", "BigInteger": "bigint", "Enumeration": "u32", "Boolean": "bool",
	"TextString": "text", "ByteString": "bytes", "DateTime": "time", "DateTimeExtended": "timeext", "Interval": "u32",
}

// bind reads the fields of struct type name.
func bind(name string, st *ast.StructType, decls map[string]*ast.StructType, kmipPkg string) (*structType, []string, error) {
	t := &structType{name: name}
	var deps []string
	for _, f := range st.Fields.List {
		if f.Tag == nil || len(f.Names) != 1 {
			continue
		}
		tagText, _ := strconv.Unquote(f.Tag.Value)
		spec, ok := reflect.StructTag(tagText).Lookup("ttlv")
		if !ok || spec == "-" {
			continue
		}
		fd := field{name: f.Names[0].Name}
		parts := strings.Split(spec, ",")
		forced := ""
		for _, opt := range parts[1:] {
			switch {
			case opt == "omitempty":
				fd.omitEmpty = true
			case opt == "unknown":
				fd.unknown = true
			case itemTypes[opt] != "":
				forced = opt
			default:
				return nil, nil, fmt.Errorf("%s.%s: unknown option %q", name, fd.name, opt)
			}
		}
		typ := f.Type
		if fd.unknown {
			t.fields = append(t.fields, fd)
			continue
		}
		tg, tname, err := parseTag(parts[0])
		if err != nil {
			return nil, nil, fmt.Errorf("%s.%s: %w", name, fd.name, err)
		}
		fd.tag, fd.tagName = tg, tname
		if at, ok := typ.(*ast.ArrayType); ok && at.Len == nil {
			if id, ok := at.Elt.(*ast.Ident); !ok || id.Name != "byte" {
				fd.repeated = true
				typ = at.Elt
			}
		}
		if sx, ok := typ.(*ast.StarExpr); ok {
			fd.pointer = true
			typ = sx.X
		}
		fd.goType = exprString(typ)
		switch x := typ.(type) {
		case *ast.Ident:
			if _, isStruct := decls[x.Name]; isStruct {
				fd.kind, fd.itemType = "struct", "Structure"
				deps = append(deps, x.Name)
				break
			}
			switch x.Name {
			case "int32":
				fd.kind, fd.itemType = "int32", "Integer"
			case "int64":
				fd.kind, fd.itemType = "int64", "LongInteger"
			case "bool":
				fd.kind, fd.itemType = "bool", "Boolean"
			case "string":
				fd.kind, fd.itemType = "text", "TextString"
			case "uint32":
				fd.kind, fd.itemType = "u32", "Enumeration"
			default:
				if forced == "" {
					return nil, nil, fmt.Errorf("%s.%s: type %s needs an item type in its tag (`ttlv:\"%s,Enumeration\"`)", name, fd.name, x.Name, parts[0])
				}
				fd.conv = x.Name
			}
		case *ast.ArrayType:
			fd.kind, fd.itemType = "bytes", "ByteString"
		case *ast.SelectorExpr:
			pkg := exprString(x.X)
			switch {
			case pkg == "time" && x.Sel.Name == "Time":
				fd.kind, fd.itemType = "time", "DateTime"
			case pkg == kmipPkg && kmipPkg != "" && strings.HasSuffix(x.Sel.Name, "Mask"):
				fd.kind, fd.itemType, fd.conv = "int32", "Integer", fd.goType
			case pkg == kmipPkg && kmipPkg != "":
				fd.kind, fd.itemType, fd.conv = "u32", "Enumeration", fd.goType
			default:
				if forced == "" {
					return nil, nil, fmt.Errorf("%s.%s: type %s needs an item type in its tag", name, fd.name, fd.goType)
				}
				fd.conv = fd.goType
			}
		default:
			return nil, nil, fmt.Errorf("%s.%s: unsupported type %s", name, fd.name, fd.goType)
		}
		if forced != "" {
			if fd.kind == "struct" {
				return nil, nil, fmt.Errorf("%s.%s: a structure takes no item type", name, fd.name)
			}
			fd.itemType = forced
			fd.kind = itemTypes[forced]
			if forced == "Integer" && fd.conv == "" && fd.goType != "int32" {
				fd.conv = fd.goType
			}
		}
		if fd.pointer && fd.kind != "struct" {
			return nil, nil, fmt.Errorf("%s.%s: only structures by pointer (use omitempty for an optional scalar)", name, fd.name)
		}
		t.fields = append(t.fields, fd)
	}
	return t, deps, nil
}

// parseTag reads a tag by number (0x540001) or registry name.
func parseTag(s string) (ttlv.Tag, string, error) {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		v, err := strconv.ParseUint(s[2:], 16, 32)
		if err != nil || v > 0xFFFFFF {
			return 0, "", fmt.Errorf("bad tag number %q", s)
		}
		name, _ := ttlv.TagSpecName(ttlv.Tag(v))
		return ttlv.Tag(v), name, nil
	}
	t, ok := ttlv.LookupTag(s)
	if !ok {
		if sug := ttlv.SuggestTag(s); sug != "" {
			return 0, "", fmt.Errorf("unknown tag name %q (did you mean %q?)", s, sug)
		}
		return 0, "", fmt.Errorf("unknown tag name %q", s)
	}
	return t, s, nil
}

func exprString(e ast.Expr) string {
	var b bytes.Buffer
	_ = format.Node(&b, token.NewFileSet(), e)
	return b.String()
}

// emit writes the binding source.
func emit(pkg string, types []*structType, names []string, imports map[string]string) ([]byte, error) {
	var p bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&p, format, args...) }
	w("// Code generated by ttlvgen -type %s; DO NOT EDIT.\n\n", strings.Join(names, ","))
	w("package %s\n\nimport (\n\t\"encoding/binary\"\n\t\"fmt\"\n\t\"time\"\n\t\"unsafe\"\n\n\t\"github.com/kmipwire/kmipwire/ttlv\"\n", pkg)
	// The packages of the named types the conversions use.
	need := map[string]bool{}
	for _, t := range types {
		for _, f := range t.fields {
			if i := strings.Index(f.conv, "."); i > 0 {
				need[f.conv[:i]] = true
			}
		}
	}
	var names2 []string
	for n := range need {
		names2 = append(names2, n)
	}
	sort.Strings(names2)
	for _, n := range names2 {
		path := imports[n]
		if path == "" {
			return nil, fmt.Errorf("no import of package %s", n)
		}
		if path[strings.LastIndex(path, "/")+1:] == n {
			w("\t%q\n", path)
		} else {
			w("\t%s %q\n", n, path)
		}
	}
	w(")\n\n")
	w("var (\n\t_ = binary.BigEndian\n\t_ = time.Time{}\n\t_ unsafe.Pointer\n)\n\n")
	for _, t := range types {
		emitType(w, t)
	}
	return format.Source(p.Bytes())
}

func emitType(w func(string, ...any), t *structType) {
	n := t.name
	w("// AppendTTLV appends v as a Structure under tag.\n")
	w("func (v *%s) AppendTTLV(b []byte, tag ttlv.Tag) []byte {\n\tb, mark := ttlv.BeginStructure(b, tag)\n\tb = v.AppendContents(b)\n\tttlv.EndStructure(b, mark)\n\treturn b\n}\n\n", n)
	w("// AppendContents appends the items of v, without a Structure around them.\n")
	w("func (v *%s) AppendContents(b []byte) []byte {\n", n)
	for _, f := range t.fields {
		if f.unknown {
			continue
		}
		emitAppend(w, f)
	}
	for _, f := range t.fields {
		if f.unknown {
			w("\tfor _, r := range v.%s {\n\t\tb = append(b, r...)\n\t}\n", f.name)
		}
	}
	w("\treturn b\n}\n\n")

	w("// UnmarshalTTLV decodes v from b, one whole Structure (of any tag). v\n// reuses its memory; text and bytes alias b.\n")
	w("func (v *%s) UnmarshalTTLV(b []byte) error {\n", n)
	w("\ttag, typ, val, n := ttlv.ConsumeValue(b)\n\tif n < 0 {\n\t\treturn fmt.Errorf(\"%s: offset 0: %%w\", ttlv.ParseError(n))\n\t}\n", n)
	w("\tif typ != ttlv.TypeStructure || n != len(b) {\n\t\treturn fmt.Errorf(\"%s: want one Structure, have %%s %%s of %%d bytes in %%d\", tag, typ, n, len(b))\n\t}\n", n)
	w("\treturn v.decode(val, ttlv.HeaderSize)\n}\n\n")
	w("// DecodeContents decodes v from the items of a Structure (its value\n// without the header). v reuses its memory; text and bytes alias b.\n")
	w("func (v *%s) DecodeContents(b []byte) error { return v.decode(b, 0) }\n\n", n)

	w("func (v *%s) decode(b []byte, off int) error {\n", n)
	for i, f := range t.fields {
		switch {
		case f.unknown || f.repeated:
			w("\tv.%s = v.%s[:0]\n", f.name, f.name)
		case f.pointer:
			w("\tseen%d := false\n", i)
		case f.kind == "struct":
			// decoded in place
		default:
			w("\tv.%s = %s\n", f.name, zeroOf(f))
		}
	}
	w("\tstart := len(b)\n\tfor len(b) > 0 {\n\t\ttag, typ, val, m := ttlv.ConsumeValue(b)\n")
	w("\t\tif m < 0 {\n\t\t\treturn fmt.Errorf(\"%s: offset %%d: %%w\", off+start-len(b), ttlv.ParseError(m))\n\t\t}\n", n)
	w("\t\tswitch {\n")
	for i, f := range t.fields {
		if f.unknown {
			continue
		}
		label := f.tagName
		if label == "" {
			label = fmt.Sprintf("extension tag 0x%06X", uint32(f.tag))
		}
		w("\t\tcase tag == 0x%06X && typ == ttlv.Type%s: // %s\n", uint32(f.tag), f.itemType, label)
		switch {
		case f.kind == "struct" && f.repeated:
			w("\t\t\tif len(v.%s) < cap(v.%s) {\n\t\t\t\tv.%s = v.%s[:len(v.%s)+1]\n\t\t\t} else {\n\t\t\t\tv.%s = append(v.%s, %s{})\n\t\t\t}\n", f.name, f.name, f.name, f.name, f.name, f.name, f.name, f.goType)
			w("\t\t\tif err := v.%s[len(v.%s)-1].decode(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n", f.name, f.name)
		case f.kind == "struct" && f.pointer:
			w("\t\t\tif v.%s == nil {\n\t\t\t\tv.%s = new(%s)\n\t\t\t}\n\t\t\tseen%d = true\n", f.name, f.name, f.goType, i)
			w("\t\t\tif err := v.%s.decode(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n", f.name)
		case f.kind == "struct":
			w("\t\t\tif err := v.%s.decode(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\treturn err\n\t\t\t}\n", f.name)
		case f.repeated:
			w("\t\t\tv.%s = append(v.%s, %s)\n", f.name, f.name, decodeExpr(f))
		default:
			w("\t\t\tv.%s = %s\n", f.name, decodeExpr(f))
		}
	}
	unknown := ""
	for _, f := range t.fields {
		if f.unknown {
			unknown = f.name
		}
	}
	w("\t\tdefault:\n")
	if unknown != "" {
		w("\t\t\tv.%s = append(v.%s, b[:m])\n", unknown, unknown)
	} else {
		w("\t\t\treturn fmt.Errorf(\"%s: offset %%d: unexpected %%s %%s\", off+start-len(b), tag, typ)\n", n)
	}
	w("\t\t}\n\t\tb = b[m:]\n\t}\n")
	for i, f := range t.fields {
		if f.pointer {
			w("\tif !seen%d {\n\t\tv.%s = nil\n\t}\n", i, f.name)
		}
	}
	w("\treturn nil\n}\n\n")
}

func zeroOf(f field) string {
	if f.conv != "" && f.kind != "text" && f.kind != "bytes" && f.kind != "bigint" {
		return "0"
	}
	switch f.kind {
	case "text":
		return `""`
	case "bytes", "bigint":
		return "nil"
	case "bool":
		return "false"
	case "time", "timeext":
		return "time.Time{}"
	}
	return "0"
}

// emitAppend writes the append of field f.
func emitAppend(w func(string, ...any), f field) {
	tag := fmt.Sprintf("ttlv.Tag(0x%06X)", uint32(f.tag))
	x := "v." + f.name
	if f.repeated {
		w("\tfor i := range v.%s {\n", f.name)
		x = fmt.Sprintf("v.%s[i]", f.name)
	} else if f.pointer {
		w("\tif v.%s != nil {\n", f.name)
	} else if f.omitEmpty {
		switch f.kind {
		case "text", "bytes", "bigint":
			w("\tif len(%s) != 0 {\n", x)
		case "bool":
			w("\tif %s {\n", x)
		case "time", "timeext":
			w("\tif !%s.IsZero() {\n", x)
		case "struct":
			w("\t{\n")
		default:
			w("\tif %s != 0 {\n", x)
		}
	} else {
		w("\t{\n")
	}
	switch f.kind {
	case "struct":
		w("\t\tb = %s.AppendTTLV(b, %s)\n", x, tag)
	case "int32":
		w("\t\tb = ttlv.AppendInteger(b, %s, int32(%s))\n", tag, x)
	case "int64":
		w("\t\tb = ttlv.AppendLongInteger(b, %s, int64(%s))\n", tag, x)
	case "u32":
		if f.itemType == "Interval" {
			w("\t\tb = ttlv.AppendInterval(b, %s, uint32(%s))\n", tag, x)
		} else {
			w("\t\tb = ttlv.AppendEnumeration(b, %s, uint32(%s))\n", tag, x)
		}
	case "bool":
		w("\t\tb = ttlv.AppendBoolean(b, %s, bool(%s))\n", tag, x)
	case "text":
		w("\t\tb = ttlv.AppendTextString(b, %s, string(%s))\n", tag, x)
	case "bytes":
		w("\t\tb = ttlv.AppendByteString(b, %s, []byte(%s))\n", tag, x)
	case "bigint":
		w("\t\tb = ttlv.AppendBigIntegerBytes(b, %s, []byte(%s))\n", tag, x)
	case "time":
		w("\t\tb = ttlv.AppendDateTime(b, %s, %s.Unix())\n", tag, x)
	case "timeext":
		w("\t\tb = ttlv.AppendDateTimeExtended(b, %s, %s.UnixMicro())\n", tag, x)
	}
	w("\t}\n")
}

// decodeExpr is the expression decoding the value bytes val of field f.
func decodeExpr(f field) string {
	var e string
	switch f.kind {
	case "int32":
		e = "int32(binary.BigEndian.Uint32(val))"
	case "int64":
		e = "int64(binary.BigEndian.Uint64(val))"
	case "u32":
		e = "binary.BigEndian.Uint32(val)"
	case "bool":
		e = "binary.BigEndian.Uint64(val) != 0"
	case "text":
		e = "unsafe.String(unsafe.SliceData(val), len(val))"
	case "bytes", "bigint":
		e = "val"
	case "time":
		e = "time.Unix(int64(binary.BigEndian.Uint64(val)), 0).UTC()"
	case "timeext":
		e = "time.UnixMicro(int64(binary.BigEndian.Uint64(val))).UTC()"
	}
	if f.conv != "" {
		return f.conv + "(" + e + ")"
	}
	return e
}

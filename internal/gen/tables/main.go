// Command tables generates ttlv/tables_gen.go from the tab-separated tables
// in internal/spec: tag constants and the static lookup tables behind the
// ttlv registry (tags, enumeration and bit-mask sets, aliases).
//
// It is run by go generate in ttlv (see ttlv/generate.go), so its default
// paths are relative to that directory:
//
//	go run ../internal/gen/tables [-spec ../internal/spec] [-out tables_gen.go]
//
// The output depends only on the input files: every table is sorted, no map
// order leaks into it, and it is gofmt'ed with go/format.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

func main() {
	specDir := flag.String("spec", filepath.Join("..", "internal", "spec"), "directory holding the spec TSV files")
	out := flag.String("out", "tables_gen.go", "output Go file")
	flag.Parse()
	src, err := generate(*specDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "tables:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "tables:", err)
		os.Exit(1)
	}
}

// Record types, one per input file.

type tagRow struct {
	value        uint32
	name, spec   string
	since, until uint8 // major<<4 | minor; until 0 = still defined
	set          int   // index+1 into sets, 0 = none
}

type setRow struct {
	name, kind, spec, ext, sec21, sec14 string
	values                              []valueRow // sorted by value
	names                               []nameRow  // sorted by name, aliases included
}

type valueRow struct {
	value            uint32
	name, spec       string
	in14, in21, in30 bool
}

type nameRow struct {
	name  string
	value uint32
}

type aliasRow struct{ kind, set, alias, canonical, source string }

// readTSV returns the non-comment rows of file, checking the column count.
func readTSV(dir, file string, cols int) ([][]string, error) {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows [][]string
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Split(text, "\t")
		if len(fields) != cols {
			return nil, fmt.Errorf("%s:%d: %d columns, want %d", file, line, len(fields), cols)
		}
		rows = append(rows, fields)
	}
	return rows, sc.Err()
}

func parseHex(s string, bits int) (uint32, error) {
	if !strings.HasPrefix(s, "0x") {
		return 0, fmt.Errorf("%q: want 0x prefix", s)
	}
	v, err := strconv.ParseUint(s[2:], 16, bits)
	return uint32(v), err
}

// parseVersion turns "1.4" into 0x14 and "-" into 0.
func parseVersion(s string) (uint8, error) {
	if s == "-" {
		return 0, nil
	}
	if len(s) != 3 || s[1] != '.' || s[0] < '1' || s[0] > '9' || s[2] < '0' || s[2] > '9' {
		return 0, fmt.Errorf("bad version %q", s)
	}
	return (s[0]-'0')<<4 | (s[2] - '0'), nil
}

func versionString(v uint8) string { return fmt.Sprintf("%d.%d", v>>4, v&0xF) }

// isName reports whether s is a usable normalized name: a letter, then
// letters, digits and underscores (KMIP Additional Message Encodings v1.0
// §4.1.3 produces nothing else).
func isName(s string) bool {
	if s == "" || !isLetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isLetter(c) && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

type tables struct {
	tags    []tagRow // sorted by value
	sets    []*setRow
	tagRefs []nameRow // every accepted tag name → tag value, sorted by name
	specRef []nameRow // spec names → tag value, sorted by name
}

func load(dir string) (*tables, error) {
	var t tables

	// sets.tsv
	rows, err := readTSV(dir, "sets.tsv", 6)
	if err != nil {
		return nil, err
	}
	setIndex := map[string]int{}
	for _, r := range rows {
		s := &setRow{name: r[0], kind: r[1], spec: r[2], ext: r[3], sec21: r[4], sec14: r[5]}
		if !isName(s.name) {
			return nil, fmt.Errorf("sets.tsv: bad set name %q", s.name)
		}
		switch s.kind {
		case "enum", "mask", "tag":
		default:
			return nil, fmt.Errorf("sets.tsv: %s: bad kind %q", s.name, s.kind)
		}
		switch s.ext {
		case "8XXXXXXX", "-", "XXX00000", "XXXXXXX0", "XXXX0000", "540000-54FFFF":
		default:
			return nil, fmt.Errorf("sets.tsv: %s: unknown extension rule %q", s.name, s.ext)
		}
		if _, dup := setIndex[s.name]; dup {
			return nil, fmt.Errorf("sets.tsv: duplicate set %s", s.name)
		}
		setIndex[s.name] = len(t.sets)
		t.sets = append(t.sets, s)
	}
	slices.SortFunc(t.sets, func(a, b *setRow) int { return strings.Compare(a.name, b.name) })
	for i, s := range t.sets {
		setIndex[s.name] = i
	}
	if len(t.sets) > 255 {
		return nil, errors.New("more than 255 sets")
	}

	// enums.tsv
	rows, err = readTSV(dir, "enums.tsv", 5)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		i, ok := setIndex[r[0]]
		if !ok {
			return nil, fmt.Errorf("enums.tsv: unknown set %q", r[0])
		}
		s := t.sets[i]
		if s.kind == "tag" {
			return nil, fmt.Errorf("enums.tsv: set %s takes its values from the tag table", s.name)
		}
		v, err := parseHex(r[1], 32)
		if err != nil {
			return nil, fmt.Errorf("enums.tsv: %s: %v", s.name, err)
		}
		if !isName(r[2]) {
			return nil, fmt.Errorf("enums.tsv: %s: bad name %q", s.name, r[2])
		}
		if s.kind == "mask" && (v == 0 || v&(v-1) != 0) {
			return nil, fmt.Errorf("enums.tsv: mask %s: %s is not a single bit", s.name, r[1])
		}
		vr := valueRow{value: v, name: r[2], spec: r[3]}
		for _, ver := range strings.Split(r[4], ",") {
			switch ver {
			case "1.4":
				vr.in14 = true
			case "2.1":
				vr.in21 = true
			case "3.0":
				vr.in30 = true
			default:
				return nil, fmt.Errorf("enums.tsv: %s %s: bad versions %q", s.name, r[2], r[4])
			}
		}
		s.values = append(s.values, vr)
		s.names = append(s.names, nameRow{r[2], v})
	}

	// tags.tsv
	rows, err = readTSV(dir, "tags.tsv", 5)
	if err != nil {
		return nil, err
	}
	tagByName := map[string]uint32{}
	for _, r := range rows {
		v, err := parseHex(r[0], 24)
		if err != nil {
			return nil, fmt.Errorf("tags.tsv: %v", err)
		}
		if v>>16 != 0x42 || v == 0x420000 {
			return nil, fmt.Errorf("tags.tsv: %s outside 0x420001-0x42FFFF", r[0])
		}
		if !isName(r[1]) {
			return nil, fmt.Errorf("tags.tsv: bad name %q", r[1])
		}
		since, err := parseVersion(r[3])
		if err != nil || since == 0 {
			return nil, fmt.Errorf("tags.tsv: %s: bad since %q", r[1], r[3])
		}
		until, err := parseVersion(r[4])
		if err != nil {
			return nil, fmt.Errorf("tags.tsv: %s: %v", r[1], err)
		}
		if _, dup := tagByName[r[1]]; dup {
			return nil, fmt.Errorf("tags.tsv: duplicate name %s", r[1])
		}
		tagByName[r[1]] = v
		t.tags = append(t.tags, tagRow{value: v, name: r[1], spec: r[2], since: since, until: until})
	}
	slices.SortFunc(t.tags, func(a, b tagRow) int { return int(a.value) - int(b.value) })
	for i := 1; i < len(t.tags); i++ {
		if t.tags[i].value == t.tags[i-1].value {
			return nil, fmt.Errorf("tags.tsv: duplicate value 0x%06X", t.tags[i].value)
		}
	}
	tagPos := map[string]int{}
	for i, tg := range t.tags {
		tagPos[tg.name] = i
	}

	// enum_tags.tsv
	rows, err = readTSV(dir, "enum_tags.tsv", 4)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		p, ok := tagPos[r[0]]
		if !ok {
			return nil, fmt.Errorf("enum_tags.tsv: unknown tag %q", r[0])
		}
		si, ok := setIndex[r[1]]
		if !ok {
			return nil, fmt.Errorf("enum_tags.tsv: unknown set %q", r[1])
		}
		if t.sets[si].kind != r[2] {
			return nil, fmt.Errorf("enum_tags.tsv: %s: kind %s, but set %s is %s", r[0], r[2], r[1], t.sets[si].kind)
		}
		if t.tags[p].set != 0 {
			return nil, fmt.Errorf("enum_tags.tsv: %s mapped twice", r[0])
		}
		t.tags[p].set = si + 1
	}

	// aliases.tsv
	rows, err = readTSV(dir, "aliases.tsv", 5)
	if err != nil {
		return nil, err
	}
	for _, r := range rows {
		a := aliasRow{r[0], r[1], r[2], r[3], r[4]}
		if !isName(a.alias) {
			return nil, fmt.Errorf("aliases.tsv: bad alias %q", a.alias)
		}
		switch a.kind {
		case "tag":
			v, ok := tagByName[a.canonical]
			if !ok {
				return nil, fmt.Errorf("aliases.tsv: alias %s of unknown tag %s", a.alias, a.canonical)
			}
			if _, dup := tagByName[a.alias]; dup {
				return nil, fmt.Errorf("aliases.tsv: tag alias %s already names a tag", a.alias)
			}
			tagByName[a.alias] = v
		case "enum":
			si, ok := setIndex[a.set]
			if !ok {
				return nil, fmt.Errorf("aliases.tsv: unknown set %q", a.set)
			}
			s := t.sets[si]
			j := slices.IndexFunc(s.names, func(n nameRow) bool { return n.name == a.canonical })
			if j < 0 {
				return nil, fmt.Errorf("aliases.tsv: %s: unknown canonical name %s", a.set, a.canonical)
			}
			s.names = append(s.names, nameRow{a.alias, s.names[j].value})
		default:
			return nil, fmt.Errorf("aliases.tsv: bad kind %q", a.kind)
		}
	}

	for _, s := range t.sets {
		slices.SortFunc(s.values, func(a, b valueRow) int { return cmpU32(a.value, b.value) })
		for i := 1; i < len(s.values); i++ {
			if s.values[i].value == s.values[i-1].value {
				return nil, fmt.Errorf("set %s: duplicate value 0x%08X", s.name, s.values[i].value)
			}
		}
		slices.SortFunc(s.names, func(a, b nameRow) int { return strings.Compare(a.name, b.name) })
		for i := 1; i < len(s.names); i++ {
			if s.names[i].name == s.names[i-1].name {
				return nil, fmt.Errorf("set %s: name %s used twice", s.name, s.names[i].name)
			}
		}
	}
	for name, v := range tagByName {
		t.tagRefs = append(t.tagRefs, nameRow{name, v})
	}
	slices.SortFunc(t.tagRefs, func(a, b nameRow) int { return strings.Compare(a.name, b.name) })
	seen := map[string]bool{}
	for _, tg := range t.tags {
		if seen[tg.spec] {
			return nil, fmt.Errorf("tags.tsv: spec name %q used twice", tg.spec)
		}
		seen[tg.spec] = true
		t.specRef = append(t.specRef, nameRow{tg.spec, tg.value})
	}
	slices.SortFunc(t.specRef, func(a, b nameRow) int { return strings.Compare(a.name, b.name) })
	return &t, nil
}

func cmpU32(a, b uint32) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func generate(dir string) ([]byte, error) {
	t, err := load(dir)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	p("// Code generated by internal/gen/tables from internal/spec; DO NOT EDIT.\n\n")
	p("package ttlv\n\n")

	// Exported constants.
	p("// Tags defined by KMIP 1.0 through 2.1: KMIP 2.1 §11.56 (Table 487) and, for\n")
	p("// the tags KMIP 2.0 turned into \"(Reserved)\", KMIP 1.4 §9.1.3.1 (Table 288);\n")
	p("// and the tags of the KMIP 3.0 committee draft (draft level: they may still\n")
	p("// change). Each comment gives the specification's name and the versions that\n")
	p("// define it.\n")
	p("const (\n")
	for _, tg := range t.tags {
		vers := "KMIP " + versionString(tg.since) + "+"
		switch {
		case tg.since == 0x30:
			vers = "KMIP 3.0 draft"
		case tg.until == 0x21:
			vers = "KMIP " + versionString(tg.since) + "-2.1, reserved by the 3.0 draft"
		case tg.until != 0:
			vers = "KMIP " + versionString(tg.since) + "-" + versionString(tg.until)
		}
		p("\tTag%s Tag = 0x%06X // %s (%s)\n", tg.name, tg.value, tg.spec, vers)
	}
	p(")\n\n")

	// Tags.
	p("// tagInfos lists every built-in tag, sorted by value.\n")
	p("var tagInfos = [...]tagInfo{\n")
	for _, tg := range t.tags {
		p("\t{0x%06X, %q, %q, 0x%02X, 0x%02X, %d},\n", tg.value, tg.name, tg.spec, tg.since, tg.until, tg.set)
	}
	p("}\n\n")

	maxTag := t.tags[len(t.tags)-1].value
	p("// tagDenseLen bounds tagDense: built-in tags lie in [tagDenseBase, tagDenseBase+tagDenseLen).\n")
	p("const tagDenseLen = 0x%X\n\n", maxTag-0x420000+1)
	p("// tagDense maps t-tagDenseBase to 1 + the index of t in tagInfos (0: not a built-in tag).\n")
	p("var tagDense = [tagDenseLen]uint16{\n")
	for i, tg := range t.tags {
		p("\t0x%03X: %d,\n", tg.value-0x420000, i+1)
	}
	p("}\n\n")

	p("// tagNames maps every accepted tag name (normalized names and input-only\n")
	p("// aliases) to its tag, sorted by name for binary search.\n")
	p("var tagNames = [...]nameRef{\n")
	for _, r := range t.tagRefs {
		p("\t{%q, 0x%06X},\n", r.name, r.value)
	}
	p("}\n\n")

	// Static open-addressing hash indexes, so that a name lookup costs one
	// O(1) hash and about one comparison instead of a binary search.
	var tagHashes []uint32
	for _, r := range t.tagRefs {
		tagHashes = append(tagHashes, nameHash(r.name))
	}
	p("// tagNameIndex is a hash index of tagNames: slot nameHash(name) &\n")
	p("// (tagNameIndexLen-1), probed linearly, holds 1 + the position in tagNames\n")
	p("// (0: empty).\n")
	printIndex(p, "tagNameIndex", "tagNameIndexLen", hashIndex(tagHashes))

	p("// tagSpecNames maps the specification's tag names (\"Cryptographic Algorithm\",\n")
	p("// as KMIP 1.x Attribute Name carries them) to tags, sorted by name.\n")
	p("var tagSpecNames = [...]nameRef{\n")
	for _, r := range t.specRef {
		p("\t{%q, 0x%06X},\n", r.name, r.value)
	}
	p("}\n\n")

	// Sets.
	p("// enumSets lists the enumeration and bit-mask sets (KMIP 2.1 §11, §12;\n")
	p("// KMIP 1.4 §9.1.3.2, §9.1.3.3), sorted by name. values and names are\n")
	p("// [start, end) ranges of enumValues and enumNames.\n")
	p("var enumSets = [...]enumSet{\n")
	var nv, nn int
	for _, s := range t.sets {
		kind := map[string]string{"enum": "setKindEnum", "mask": "setKindMask", "tag": "setKindTag"}[s.kind]
		ext := map[string]string{"8XXXXXXX": "extHighNibble8", "-": "extNone", "XXX00000": "extNone",
			"XXXXXXX0": "extNone", "XXXX0000": "extNone", "540000-54FFFF": "extTag"}[s.ext]
		where := "KMIP 2.1 §" + s.sec21
		if s.sec21 == "-" {
			where = "KMIP 3.0 draft"
		}
		p("\t{%q, %s, %s, %d, %d, %d, %d}, // %s: %s", s.name, kind, ext,
			nv, nv+len(s.values), nn, nn+len(s.names), s.spec, where)
		if s.sec14 != "-" {
			p(", KMIP 1.4 §%s", s.sec14)
		}
		if s.kind == "mask" {
			p(" (extensions %s)", s.ext)
		}
		p("\n")
		nv += len(s.values)
		nn += len(s.names)
	}
	p("}\n\n")
	if nv > 65535 || nn > 65535 {
		return nil, errors.New("tables too large for uint16 indexes")
	}

	p("// enumValues holds each set's values, each set's run sorted by value.\n")
	p("var enumValues = [...]enumValue{\n")
	for _, s := range t.sets {
		if len(s.values) > 0 {
			p("\t// %s\n", s.name)
		}
		for _, v := range s.values {
			var flags []string
			if v.in14 {
				flags = append(flags, "inKMIP14")
			}
			if v.in21 {
				flags = append(flags, "inKMIP21")
			}
			if v.in30 {
				flags = append(flags, "inKMIP30")
			}
			p("\t{0x%08X, %q, %q, %s},\n", v.value, v.name, v.spec, strings.Join(flags, "|"))
		}
	}
	p("}\n\n")

	var enumHashes []uint32
	nn = 0
	for _, st := range t.sets {
		for _, n := range st.names {
			enumHashes = append(enumHashes, nameHash(n.name)+uint32(nn)*0x9E3779B1)
		}
		nn += len(st.names)
	}
	p("// enumNameIndex is a hash index of enumNames: slot (nameHash(name) +\n")
	p("// set.names*0x9E3779B1) & (enumNameIndexLen-1), probed linearly, holds\n")
	p("// 1 + the position in enumNames (0: empty).\n")
	printIndex(p, "enumNameIndex", "enumNameIndexLen", hashIndex(enumHashes))

	p("// enumNames maps accepted value names (canonical names and input-only\n")
	p("// aliases) to values, each set's run sorted by name.\n")
	p("var enumNames = [...]enumNameRef{\n")
	for _, s := range t.sets {
		if len(s.names) > 0 {
			p("\t// %s\n", s.name)
		}
		for _, n := range s.names {
			p("\t{%q, 0x%08X},\n", n.name, n.value)
		}
	}
	p("}\n")

	src, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("gofmt: %v", err)
	}
	return src, nil
}

// nameHash hashes a name from its length and its first and last eight
// bytes: O(1) whatever the length, and distinct enough for KMIP's names
// (collisions only cost a probe). ttlv's nameHash must compute the same.
func nameHash(s string) uint32 {
	n := len(s)
	var a, b uint64
	if n >= 8 {
		for i := 0; i < 8; i++ {
			a |= uint64(s[i]) << (8 * i)
			b |= uint64(s[n-8+i]) << (8 * i)
		}
	} else {
		for i := 0; i < n; i++ {
			a |= uint64(s[i]) << (8 * i)
		}
	}
	h := (a^uint64(n))*0x9E3779B97F4A7C15 ^ b*0xC2B2AE3D27D4EB4F
	return uint32(h>>32) ^ uint32(h)
}

// hashIndex builds an open-addressing table (size a power of two, at least
// twice the keys) whose slot hash(key)&(size-1), probed linearly, holds
// 1 + the key's position.
func hashIndex(hashes []uint32) []int {
	size := 1
	for size < 2*len(hashes) {
		size <<= 1
	}
	index := make([]int, size)
	for i, h := range hashes {
		for h &= uint32(size - 1); index[h] != 0; h = (h + 1) & uint32(size-1) {
		}
		index[h] = i + 1
	}
	return index
}

// printIndex writes a hash index as a Go array.
func printIndex(p func(string, ...any), name, lenName string, index []int) {
	p("const %s = %d\n\n", lenName, len(index))
	p("var %s = [%s]uint16{", name, lenName)
	for i, v := range index {
		if i%16 == 0 {
			p("\n\t")
		}
		p("%d, ", v)
	}
	p("\n}\n\n")
}

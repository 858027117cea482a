package main

import (
	"fmt"
	"slices"
	"strings"
)

// structDef is one structure of structs.tsv and structs_manual.tsv.
type structDef struct {
	name, tag, section string
	fields             []*fieldDef
}

type fieldDef struct {
	tag, typ, occurs string
	name             string // the Go field name: the tag's, but for a clash with a method
	versions         []string
	goType           string // element type
	kind             string // int32, int64, enum, mask, bool, text, bytes, bigint, time, timeext, interval, raw, struct, payload
	ttlvType         string // the ttlv.Type constant's suffix

	// What the KMIP 3.0 draft's rows (structs_v30.tsv) say of the field.
	// gate: the field is only written for these versions (a field the
	// draft adds, or another wire type of a field); 0 for the fields of
	// the 1.0-2.1 tables, written whenever set, as before.
	gate uint32
	// type30: a text field that KMIP 3.0 encodes as this text type
	// (Identifier): written so for 3.0 unless it was decoded.
	type30 string
	// text30: a structure field that KMIP 3.0 encodes as a Text String
	// (Name, 3.0 §4.36): the structure's setText30 and text30 methods,
	// hand-written in package kmip, convert.
	text30 bool
	// alts: fields of the same tag holding its other wire types
	// (the Enumeration and Integer forms of a Unique Identifier);
	// primary: for one of those, the field whose alternative it is.
	alts    []*fieldDef
	primary *fieldDef
	note    string // the sections of the 3.0 rows, for the doc comment
	// form, for an Attributes field with a 1.x counterpart (formPair), is
	// appendForm's tag1 argument: the Template-Attribute tag, or 0 for a
	// list of Attribute items.
	form string
}

func loadStructs(dir string, sp *spec) error {
	byName := map[string]*structDef{}
	for _, file := range []string{"structs.tsv", "structs_manual.tsv"} {
		rows, err := readTSV(dir, file, 7)
		if err != nil {
			return err
		}
		for _, r := range rows {
			s := byName[r[0]]
			if s == nil {
				s = &structDef{name: r[0], tag: r[1], section: r[6]}
				byName[r[0]] = s
				sp.structs = append(sp.structs, s)
			}
			if r[2] == "-" {
				continue // an empty structure
			}
			if _, ok := sp.tags[r[2]]; !ok {
				return fmt.Errorf("%s: %s: unknown tag %s", file, r[0], r[2])
			}
			f := &fieldDef{tag: r[2], name: r[2], typ: r[3], occurs: r[4], versions: strings.Split(r[5], ",")}
			if strings.HasSuffix(s.name, "Payload") && f.name == "Operation" {
				f.name = "Operations" // the payload's Operation method; Query's list of operations
			}
			s.fields = append(s.fields, f)
		}
	}
	// KMIP 3.0 (draft) keeps a field of 2.1 unless it made the field's
	// tag "(Reserved)" (tags.tsv's until); structs_v30.tsv says the rest.
	for _, s := range sp.structs {
		for _, f := range s.fields {
			if slices.Contains(f.versions, "2.1") && sp.tags[f.tag].until == "-" {
				f.versions = append(f.versions, "3.0")
			}
		}
	}
	if err := load30(dir, sp, byName); err != nil {
		return err
	}
	slices.SortFunc(sp.structs, func(a, b *structDef) int { return strings.Compare(a.name, b.name) })
	setOf := map[string]string{} // tag → set, from enum_tags.tsv
	rows, err := readTSV(dir, "enum_tags.tsv", 4)
	if err != nil {
		return err
	}
	for _, r := range rows {
		setOf[r[0]] = r[1]
	}
	for _, s := range sp.structs {
		if sp.setByID[s.name] != nil {
			return fmt.Errorf("structure %s has the name of an enumeration", s.name)
		}
		if len(s.fields) > 250 {
			return fmt.Errorf("structure %s: more than 250 fields", s.name)
		}
		for _, f := range s.fields {
			set := sp.setByID[setOf[f.tag]]
			if f.primary != nil && f.typ == "Enumeration" {
				// The Enumeration form of an identifier is a Unique
				// Identifier Enumeration value (2.1 §4.58, 3.0 §4.35).
				set = sp.setByID["UniqueIdentifier"]
			}
			switch f.typ {
			case "Integer":
				f.goType, f.kind, f.ttlvType = "int32", "int32", "Integer"
				if set != nil && set.kind == "mask" {
					f.goType, f.kind = set.name, "mask"
				}
			case "LongInteger":
				f.goType, f.kind, f.ttlvType = "int64", "int64", "LongInteger"
			case "BigInteger":
				f.goType, f.kind, f.ttlvType = "[]byte", "bigint", "BigInteger"
			case "Enumeration":
				f.goType, f.kind, f.ttlvType = "uint32", "enum", "Enumeration"
				if set != nil && set.kind == "enum" {
					f.goType = set.name
				}
			case "Boolean":
				f.goType, f.kind, f.ttlvType = "bool", "bool", "Boolean"
			case "TextString", "Identifier", "Reference", "NameReference":
				f.goType, f.kind, f.ttlvType = "string", "text", f.typ
			case "ByteString":
				f.goType, f.kind, f.ttlvType = "[]byte", "bytes", "ByteString"
			case "DateTime":
				f.goType, f.kind, f.ttlvType = "time.Time", "time", "DateTime"
			case "DateTimeExtended":
				f.goType, f.kind, f.ttlvType = "time.Time", "timeext", "DateTimeExtended"
			case "Interval":
				f.goType, f.kind, f.ttlvType = "uint32", "interval", "Interval"
			case "Raw":
				f.goType, f.kind = "Raw", "raw"
			case "Payload":
				f.goType, f.kind, f.ttlvType = strings.TrimSuffix(s.name, "BatchItem")+"Payload", "payload", "Structure"
			default:
				if byName[f.typ] == nil {
					return fmt.Errorf("%s.%s: unknown type %s", s.name, f.tag, f.typ)
				}
				f.goType, f.kind, f.ttlvType = f.typ, "struct", "Structure"
			}
		}
	}
	return nil
}

// versionRange writes versions as ranges: "1.0-1.4, 2.0-2.1".
func versionRange(vs []string) string {
	all := []string{"1.0", "1.1", "1.2", "1.3", "1.4", "2.0", "2.1", "3.0"}
	var parts []string
	for i := 0; i < len(all); {
		if !slices.Contains(vs, all[i]) {
			i++
			continue
		}
		j := i
		for j+1 < len(all) && slices.Contains(vs, all[j+1]) {
			j++
		}
		if i == j {
			parts = append(parts, all[i])
		} else {
			parts = append(parts, all[i]+"-"+all[j])
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// versionMask is the set of versions as a bit mask over Version's index.
func versionMask(vs []string) uint32 {
	var m uint32
	for _, v := range vs {
		switch v {
		case "1.0":
			m |= 1 << 0
		case "1.1":
			m |= 1 << 1
		case "1.2":
			m |= 1 << 2
		case "1.3":
			m |= 1 << 3
		case "1.4":
			m |= 1 << 4
		case "2.0":
			m |= 1 << 5
		case "2.1":
			m |= 1 << 6
		case "3.0":
			m |= 1 << 7
		}
	}
	return m
}

// v1Form names the KMIP 1.x tag that carries an attribute set field in 1.x.
var v1Form = map[string]string{
	"Attributes":           "TemplateAttribute",
	"CommonAttributes":     "CommonTemplateAttribute",
	"PrivateKeyAttributes": "PrivateKeyTemplateAttribute",
	"PublicKeyAttributes":  "PublicKeyTemplateAttribute",
}

// formPair links, in one structure, the fields holding the same attribute
// set in the two versions' forms: a KMIP 2.x Attributes field (set) and
// its 1.x counterpart, a Template-Attribute of tag v1Form[set's tag]
// (tmpl) or a repeated Attribute (list, as Locate and Get Attributes
// carry them in 1.x). -1 for none.
type formPair struct{ set, tmpl, list int }

// formPairs returns the pair of every field of s that has one, by field
// index (the Attributes field's and its counterpart's).
func formPairs(s *structDef) map[int]formPair {
	pairs := map[int]formPair{}
	for i, f := range s.fields {
		if f.goType != "Attributes" || f.repeated() {
			continue
		}
		fp := formPair{set: i, tmpl: -1, list: -1}
		for j, g := range s.fields {
			switch {
			case g.goType == "TemplateAttribute" && !g.repeated() && g.tag == v1Form[f.tag]:
				fp.tmpl = j
			case g.goType == "Attribute" && g.repeated() && g.tag == "Attribute" && f.tag == "Attributes":
				fp.list = j
			}
		}
		if fp.tmpl >= 0 {
			fp.list = -1
		}
		if fp.tmpl >= 0 || fp.list >= 0 {
			pairs[i] = fp
			pairs[max(fp.tmpl, fp.list)] = fp
		}
	}
	return pairs
}

func (f *fieldDef) repeated() bool { return f.occurs == "repeated" }

// pointer reports whether the field is held by pointer (a single structure).
func (f *fieldDef) pointer() bool { return f.kind == "struct" && !f.repeated() }

// optional reports whether the field is an Optional[T].
func (f *fieldDef) optional() bool {
	return f.occurs == "optional" && f.kind != "struct" && f.kind != "raw" && f.kind != "payload"
}

func (f *fieldDef) decl() string {
	switch {
	case f.repeated():
		return "[]" + f.goType
	case f.pointer():
		return "*" + f.goType
	case f.optional():
		return "Optional[" + f.goType + "]"
	}
	return f.goType
}

// appendValue is the statement appending value x of the field.
func (f *fieldDef) appendValue(x string) string {
	tag := "ttlv.Tag" + f.tag
	switch f.kind {
	case "int32":
		return fmt.Sprintf("b = ttlv.AppendInteger(b, %s, %s)", tag, x)
	case "mask":
		return fmt.Sprintf("b = ttlv.AppendInteger(b, %s, int32(%s))", tag, x)
	case "int64":
		return fmt.Sprintf("b = ttlv.AppendLongInteger(b, %s, %s)", tag, x)
	case "bigint":
		return fmt.Sprintf("b = ttlv.AppendBigIntegerBytes(b, %s, %s)", tag, x)
	case "enum":
		return fmt.Sprintf("b = ttlv.AppendEnumeration(b, %s, uint32(%s))", tag, x)
	case "bool":
		return fmt.Sprintf("b = ttlv.AppendBoolean(b, %s, %s)", tag, x)
	case "text":
		if f.ttlvType != "TextString" {
			return fmt.Sprintf("b = ttlv.AppendString(b, %s, ttlv.Type%s, %s)", tag, f.ttlvType, x)
		}
		if f.type30 != "" {
			// KMIP 3.0's type for a value built, not decoded (a decoded
			// one keeps the type it was read with, see extra.alt).
			return fmt.Sprintf("if ver >= V3_0 && !v.x.decoded {\n\t\t\tb = ttlv.AppendString(b, %s, ttlv.Type%s, %s)\n\t\t} else {\n\t\t\tb = ttlv.AppendTextString(b, %s, %s)\n\t\t}", tag, f.type30, x, tag, x)
		}
		return fmt.Sprintf("b = ttlv.AppendTextString(b, %s, %s)", tag, x)
	case "bytes":
		return fmt.Sprintf("b = ttlv.AppendByteString(b, %s, %s)", tag, x)
	case "time":
		return fmt.Sprintf("b = ttlv.AppendDateTime(b, %s, %s.Unix())", tag, x)
	case "timeext":
		return fmt.Sprintf("b = ttlv.AppendDateTimeExtended(b, %s, %s.UnixMicro())", tag, x)
	case "interval":
		return fmt.Sprintf("b = ttlv.AppendInterval(b, %s, %s)", tag, x)
	case "raw":
		return fmt.Sprintf("b = %s.appendAs(b, %s)", x, tag)
	case "payload":
		return fmt.Sprintf("b = %s.appendTTLV(b, %s, ver)", x, tag)
	case "struct":
		if f.form != "" {
			return fmt.Sprintf("b = %s.appendForm(b, %s, %s, ver)", x, tag, f.form)
		}
		if f.text30 {
			// KMIP 3.0's Text String form, unless the value was decoded
			// from a Structure.
			return fmt.Sprintf("if ver >= V3_0 && !%s.x.decoded {\n\t\t\tb = ttlv.AppendTextString(b, %s, %s.text30())\n\t\t} else {\n\t\t\tb = %s.appendTTLV(b, %s, ver)\n\t\t}", x, tag, x, x, tag)
		}
		return fmt.Sprintf("b = %s.appendTTLV(b, %s, ver)", x, tag)
	}
	panic(f.kind)
}

// decodeValue is the expression decoding the value bytes val.
func (f *fieldDef) decodeValue() string {
	switch f.kind {
	case "int32":
		return "int32(be32(val))"
	case "mask":
		return f.goType + "(be32(val))"
	case "int64":
		return "int64(be64(val))"
	case "enum":
		return f.goType + "(be32(val))"
	case "interval":
		return "be32(val)"
	case "bool":
		return "be64(val) != 0"
	case "text":
		return "aliasString(val)"
	case "bytes", "bigint":
		return "val"
	case "time":
		return "time.Unix(int64(be64(val)), 0).UTC()"
	case "timeext":
		return "time.UnixMicro(int64(be64(val))).UTC()"
	}
	panic(f.kind)
}

func specName(sp *spec, tag string) string { return sp.tags[tag].spec }

func genStructs(sp *spec) []byte {
	var p printer
	p.f("// Code generated by internal/gen/kmip from internal/spec; DO NOT EDIT.\n\n")
	p.f("package kmip\n\nimport (\n\t\"time\"\n\n\t\"github.com/kmipwire/kmipwire/ttlv\"\n)\n\n")
	p.f("var _ = time.Time{}\n\n")
	for _, s := range sp.structs {
		genStruct(&p, sp, s)
	}
	genPayloads(&p, sp)
	return p.Bytes()
}

func genStruct(p *printer, sp *spec, s *structDef) {
	n := s.name
	pairs := formPairs(s)
	for _, fp := range pairs {
		switch f := s.fields[fp.set]; {
		case fp.tmpl >= 0:
			f.form = "ttlv.Tag" + s.fields[fp.tmpl].tag
		default:
			f.form = "0"
		}
	}
	p.f("// %s is the %s structure (KMIP %s).\n", n, structSpecName(sp, s), s.section)
	p.f("// Its zero value is empty; a decoded value aliases its input (see Clone).\n")
	p.f("type %s struct {\n", n)
	for _, f := range s.fields {
		fieldDoc(p, sp, f)
		p.f("\t%s %s\n", f.name, f.decl())
	}
	p.f("\n\tx extra // the order and unknown items of a decoded value\n}\n\n")

	// Tag, AppendTTLV, UnmarshalTTLV, DecodeTTLV.
	p.f("// AppendTTLV appends v as a %s Structure for protocol version ver.\n", specName(sp, s.tag))
	p.f("func (v *%s) AppendTTLV(b []byte, ver Version) []byte { return v.appendTTLV(b, ttlv.Tag%s, ver) }\n\n", n, s.tag)
	p.f("// UnmarshalTTLV decodes v from b, one whole %s Structure; v reuses its\n// memory and aliases b.\n", specName(sp, s.tag))
	p.f("func (v *%s) UnmarshalTTLV(b []byte) error { return unmarshalTTLV(v, ttlv.Tag%s, b) }\n\n", n, s.tag)
	p.f("// DecodeTTLV decodes v from the next item of d, a %s Structure.\n", specName(sp, s.tag))
	p.f("func (v *%s) DecodeTTLV(d *ttlv.Decoder) error { return decodeTTLV(v, ttlv.Tag%s, d) }\n\n", n, s.tag)

	// appendTTLV
	p.f("func (v *%s) appendTTLV(b []byte, tag ttlv.Tag, ver Version) []byte {\n", n)
	p.f("\tb, mark := ttlv.BeginStructure(b, tag)\n")
	p.f("\tif !v.x.decoded || v.x.canonical {\n")
	for i, f := range s.fields {
		if fp, ok := pairs[i]; ok {
			genAppendPaired(p, s, fp, i)
			continue
		}
		if f.primary != nil && !f.primary.repeated() {
			continue // written in its field's else-if chain
		}
		genAppendAll(p, f, i)
	}
	p.f("\t} else {\n\t\tvar next [%d]int32\n\t\tu := 0\n", len(s.fields))
	p.f("\t\ta := 0\n")
	p.f("\t\tfor j, i := range v.x.order {\n\t\t\tif i == unknownField {\n\t\t\t\tb = append(b, v.x.unknown[u]...)\n\t\t\t\tu++\n\t\t\t\tcontinue\n\t\t\t}\n")
	p.f("\t\t\tstart := len(b)\n\t\t\tb = v.appendField(b, i, next[i], ver)\n\t\t\tnext[i]++\n")
	p.f("\t\t\tif a < len(v.x.alt) && int(v.x.alt[a].pos) == j {\n\t\t\t\tif ver >= V3_0 && len(b) > start {\n\t\t\t\t\tb[start+3] = byte(v.x.alt[a].typ) // a KMIP 3.0 text type\n\t\t\t\t}\n\t\t\t\ta++\n\t\t\t}\n\t\t}\n")
	p.f("\t\tb = v.appendAdded(b, &next, ver)\n\t}\n")
	p.f("\tttlv.EndStructure(b, mark)\n\treturn b\n}\n\n")

	// appendField: instance k of field i.
	p.f("func (v *%s) appendField(b []byte, i uint8, k int32, ver Version) []byte {\n\tswitch i {\n", n)
	for i, f := range s.fields {
		p.f("\tcase %d:\n", i)
		g := f.gateCond() // after the presence test: most fields are absent
		switch {
		case f.repeated():
			p.f("\t\tif int(k) < len(v.%s)%s {\n\t\t\t%s\n\t\t}\n", f.name, g, f.appendValue(fmt.Sprintf("v.%s[k]", f.name)))
		case f.pointer() || f.kind == "raw" || f.kind == "payload":
			p.f("\t\tif k == 0 && v.%s != nil%s {\n\t\t\t%s\n\t\t}\n", f.name, g, f.appendValue("v."+f.name))
		case f.optional():
			p.f("\t\tif k == 0 && v.%s.Set%s {\n\t\t\t%s\n\t\t}\n", f.name, g, f.appendValue("v."+f.name+".Value"))
		default:
			p.f("\t\tif k == 0%s {\n\t\t\t%s\n\t\t}\n", g, f.appendValue("v."+f.name))
		}
	}
	p.f("\t}\n\t_ = ver\n\treturn b\n}\n\n")

	// appendAdded: what was set after decoding.
	p.f("// appendAdded appends the optional and repeated fields set after decoding.\n")
	p.f("func (v *%s) appendAdded(b []byte, next *[%d]int32, ver Version) []byte {\n", n, len(s.fields))
	for i, f := range s.fields {
		switch {
		case f.repeated():
			p.f("\tfor k := next[%d]; int(k) < len(v.%s); k++ {\n\t\tb = v.appendField(b, %d, k, ver)\n\t}\n", i, f.name, i)
		case f.pointer() || f.kind == "raw" || f.kind == "payload":
			// The presence test here, not only in appendField: most
			// fields of a large set (Attributes has 91) are absent, and
			// a call per field was most of a re-encode's time.
			p.f("\tif next[%d] == 0 && v.%s != nil {\n\t\tb = v.appendField(b, %d, 0, ver)\n\t}\n", i, f.name, i)
		case f.optional():
			p.f("\tif next[%d] == 0 && v.%s.Set {\n\t\tb = v.appendField(b, %d, 0, ver)\n\t}\n", i, f.name, i)
		}
	}
	p.f("\t_ = next\n\treturn b\n}\n\n")

	// decodeTTLV
	p.f("func (v *%s) decodeTTLV(b []byte, off int) error {\n", n)
	p.f("\tv.reset()\n\tv.x.decoded = true\n\tvar seen [%d]uint64\n\tstart := len(b)\n\tcanonical, last := true, -1\n", (len(s.fields)+63)/64)
	p.f("\tfor len(b) > 0 {\n\t\ttag, typ, val, m := ttlv.ConsumeValue(b)\n\t\tif m < 0 {\n\t\t\treturn itemError(off+start-len(b), tag, m)\n\t\t}\n")
	if len(s.fields) == 0 {
		p.f("\t\t_, _, _ = tag, typ, val\n\t\t_ = seen\n")
	}
	p.f("\t\tfield := uint8(unknownField)\n\t\tswitch tag {\n")
	// One case per tag: a field, then the fields holding its other wire
	// types (alts).
	for _, f := range s.fields {
		if f.primary != nil {
			continue
		}
		p.f("\t\tcase ttlv.Tag%s:\n\t\t\t", f.tag)
		genDecodeField(p, s, f)
		if f.text30 {
			p.f(" else ")
			genDecodeText30(p, s, f)
		}
		for _, a := range f.alts {
			p.f(" else ")
			genDecodeField(p, s, a)
		}
		p.f("\n")
	}
	p.f("\t\t}\n\t\tif field == unknownField {\n\t\t\tv.x.unknown = append(v.x.unknown, b[:m])\n\t\t}\n")
	p.f("\t\tif field == unknownField || int(field) < last {\n\t\t\tcanonical = false\n\t\t}\n\t\tlast = int(field)\n")
	p.f("\t\tv.x.order = append(v.x.order, field)\n\t\tb = b[m:]\n\t}\n")
	// Canonical: the items in field order, none unknown, no 3.0 text type,
	// every required scalar present: encoding in field order gives them back.
	p.f("\tv.x.canonical = canonical && len(v.x.alt) == 0")
	for i, f := range s.fields {
		if !f.repeated() && !f.pointer() && !f.optional() && f.kind != "raw" && f.kind != "payload" {
			p.f(" && seen[%d]&0x%x != 0", i/64, uint64(1)<<(i%64))
		}
	}
	p.f("\n")
	for i, f := range s.fields {
		if f.pointer() || f.kind == "raw" || f.kind == "payload" {
			p.f("\tif seen[%d]&0x%x == 0 {\n\t\tv.%s = nil\n\t}\n", i/64, uint64(1)<<(i%64), f.name)
		}
	}
	p.f("\treturn nil\n}\n\n")

	// reset keeps memory: slices to [:0], pointers kept for reuse.
	p.f("func (v *%s) reset() {\n", n)
	for _, f := range s.fields {
		switch {
		case f.repeated():
			p.f("\tv.%s = v.%s[:0]\n", f.name, f.name)
		case f.pointer() || f.kind == "raw" || f.kind == "payload":
			// kept until decodeTTLV knows whether the item is present
		case f.optional():
			p.f("\tv.%s = Optional[%s]{}\n", f.name, f.goType)
		default:
			p.f("\tv.%s = %s\n", f.name, zero(f))
		}
	}
	p.f("\tv.x.reset()\n}\n\n")

	// Clone
	p.f("// Clone returns a deep copy of v that shares no memory with v or its input.\n")
	p.f("func (v *%s) Clone() *%s {\n\tif v == nil {\n\t\treturn nil\n\t}\n\tc := new(%s)\n", n, n, n)
	for _, f := range s.fields {
		switch {
		case f.repeated() && f.kind == "struct":
			p.f("\tif v.%s != nil {\n\t\tc.%s = make([]%s, len(v.%s))\n\t\tfor i := range v.%s {\n\t\t\tc.%s[i] = *v.%s[i].Clone()\n\t\t}\n\t}\n", f.name, f.name, f.goType, f.name, f.name, f.name, f.name)
		case f.repeated() && (f.kind == "text" || f.kind == "bytes" || f.kind == "bigint" || f.kind == "raw"):
			p.f("\tif v.%s != nil {\n\t\tc.%s = make([]%s, len(v.%s))\n\t\tfor i, e := range v.%s {\n\t\t\tc.%s[i] = %s\n\t\t}\n\t}\n", f.name, f.name, f.goType, f.name, f.name, f.name, cloneExpr(f, "e"))
		case f.repeated():
			p.f("\tc.%s = cloneSlice(v.%s)\n", f.name, f.name)
		case f.pointer():
			p.f("\tc.%s = v.%s.Clone()\n", f.name, f.name)
		case f.kind == "payload":
			p.f("\tif v.%s != nil {\n\t\tc.%s = v.%s.clonePayload()\n\t}\n", f.name, f.name, f.name)
		case f.optional():
			p.f("\tc.%s = Optional[%s]{Value: %s, Set: v.%s.Set}\n", f.name, f.goType, cloneExpr(f, "v."+f.name+".Value"), f.name)
		default:
			p.f("\tc.%s = %s\n", f.name, cloneExpr(f, "v."+f.name))
		}
	}
	p.f("\tc.x = v.x.clone()\n\treturn c\n}\n\n")
	p.f("// Unknown returns the items of a decoded v, and of the structures in it,\n// that no field took, in order; encoding writes them back where they were.\n")
	p.f("func (v *%s) Unknown() []Raw { return v.appendUnknown(nil) }\n\n", n)
	var dates []string // the single-instance date attributes of the attribute set
	if s.name == "Attributes" {
		for _, f := range s.fields {
			if f.kind == "time" && !f.repeated() {
				dates = append(dates, "ttlv.Tag"+f.tag)
			}
		}
	}
	if len(dates) == 0 {
		p.f("func (v *%s) appendUnknown(dst []Raw) []Raw {\n\tdst = append(dst, v.x.unknown...)\n", n)
	} else {
		// A second instance of a date attribute is a Locate's range end
		// (2.1 §6.1.27): kept in place with the unknown items, written
		// back, read by RangeEnd, but known.
		p.f("func (v *%s) appendUnknown(dst []Raw) []Raw {\n\tfor _, r := range v.x.unknown {\n\t\tif !rangeEnd(r) {\n\t\t\tdst = append(dst, r)\n\t\t}\n\t}\n", n)
		defer func() {
			p.f("// rangeEnd reports whether r, an item no field of the attribute set took,\n// is the second instance of a date attribute: the end of a Locate's range\n// (KMIP 2.1 §6.1.27, 1.4 §4.9), which RangeEnd reads.\n")
			p.f("func rangeEnd(r Raw) bool {\n\tif r.Type() != ttlv.TypeDateTime {\n\t\treturn false\n\t}\n\tswitch r.Tag() {\n\tcase %s:\n\t\treturn true\n\t}\n\treturn false\n}\n\n", strings.Join(dates, ", "))
		}()
	}
	for _, f := range s.fields {
		switch {
		case f.kind == "struct" && f.repeated():
			p.f("\tfor i := range v.%s {\n\t\tdst = v.%s[i].appendUnknown(dst)\n\t}\n", f.name, f.name)
		case f.kind == "struct" || f.kind == "payload":
			p.f("\tif v.%s != nil {\n\t\tdst = v.%s.appendUnknown(dst)\n\t}\n", f.name, f.name)
		}
	}
	p.f("\treturn dst\n}\n\n")
}

// genAppendPaired writes field i of a formPair for a value built by the
// caller (or decoded in field order): the set in the form of ver
// (appendForm), or, when only the 1.x counterpart is set and ver is 2.x,
// the counterpart converted to the 2.x Attributes in the set's place
// (Template-Attribute's as2x, attributeList2x). What has no 2.x form (a
// template Name, an Attribute Name neither standard nor custom) is written
// as given.
func genAppendPaired(p *printer, s *structDef, fp formPair, i int) {
	set := s.fields[fp.set]
	switch {
	case i == fp.set && fp.tmpl >= 0:
		t := s.fields[fp.tmpl]
		p.f("\t\tif v.%s != nil {\n\t\t\t%s\n", set.name, set.appendValue("v."+set.name))
		p.f("\t\t} else if v.%s.as2x(ver) {\n\t\t\tb = appendAttributes2x(b, ttlv.Tag%s, v.%s.Attribute, ver)\n\t\t}\n", t.name, set.tag, t.name)
	case i == fp.set:
		l := s.fields[fp.list]
		p.f("\t\tif v.%s != nil {\n\t\t\t%s\n", set.name, set.appendValue("v."+set.name))
		p.f("\t\t} else if !v.x.decoded && attributeList2x(v.%s, ver) {\n\t\t\tb = appendAttributes2x(b, ttlv.Tag%s, v.%s, ver)\n\t\t}\n", l.name, set.tag, l.name)
	case i == fp.tmpl:
		t := s.fields[i]
		p.f("\t\tif v.%s != nil && (v.%s != nil || !v.%s.as2x(ver)) {\n\t\t\t%s\n\t\t}\n", t.name, set.name, t.name, t.appendValue("v."+t.name))
	default:
		l := s.fields[i]
		p.f("\t\tif v.%s != nil || v.x.decoded || !attributeList2x(v.%s, ver) {\n", set.name, l.name)
		p.f("\t\t\tfor k := range v.%s {\n\t\t\t\t%s\n\t\t\t}\n\t\t}\n", l.name, l.appendValue(fmt.Sprintf("v.%s[k]", l.name)))
	}
}

func genAppendAll(p *printer, f *fieldDef, i int) {
	g := f.gateCond()
	switch {
	case f.repeated() && g != "":
		p.f("\t\tif len(v.%s) != 0%s {\n\t\t\tfor k := range v.%s {\n\t\t\t%s\n\t\t\t}\n\t\t}\n", f.name, g, f.name, f.appendValue(fmt.Sprintf("v.%s[k]", f.name)))
	case f.repeated():
		p.f("\t\tfor k := range v.%s {\n\t\t\t%s\n\t\t}\n", f.name, f.appendValue(fmt.Sprintf("v.%s[k]", f.name)))
	case f.pointer() || f.kind == "raw" || f.kind == "payload":
		p.f("\t\tif v.%s != nil%s {\n\t\t\t%s\n\t\t}\n", f.name, g, f.appendValue("v."+f.name))
	case f.optional():
		p.f("\t\tif v.%s.Set%s {\n\t\t\t%s\n\t\t}", f.name, g, f.appendValue("v."+f.name+".Value"))
		genAltChain(p, f)
	default:
		// A required field is written for a built value in the versions
		// that have it, unless an alternative form of it is set.
		cond := fmt.Sprintf("ver.in(0x%x)", versionMask(f.versions))
		for _, a := range f.alts {
			cond += fmt.Sprintf(" && !(v.%s.Set && ver.in(0x%x))", a.name, a.gate)
		}
		p.f("\t\tif v.x.decoded || %s {\n\t\t\t%s\n\t\t}", cond, f.appendValue("v."+f.name))
		genAltChain(p, f)
	}
	_ = i
}

// genAltChain ends the if statement writing field f with the else-if
// branches of its alternative forms (a Unique Identifier's Enumeration and
// Integer): the field set takes precedence, and a value decoded with an
// alternative is not canonical, so the chain never drops a decoded item.
func genAltChain(p *printer, f *fieldDef) {
	if !f.repeated() {
		for _, a := range f.alts {
			p.f(" else if v.%s.Set%s {\n\t\t\t%s\n\t\t}", a.name, a.gateCond(), a.appendValue("v."+a.name+".Value"))
		}
	}
	p.f("\n")
}

// textFieldOf names the text field of structure name that holds its KMIP
// 3.0 Text String form (Name Value).
func textFieldOf(sp *spec, name string) string {
	for _, s := range sp.structs {
		if s.name != name {
			continue
		}
		for _, f := range s.fields {
			if f.kind == "text" || f.typ == "TextString" {
				return specName(sp, f.tag)
			}
		}
	}
	return "?"
}

func zero(f *fieldDef) string {
	switch f.kind {
	case "text":
		return `""`
	case "bytes", "bigint", "raw":
		return "nil"
	case "bool":
		return "false"
	case "time", "timeext":
		return "time.Time{}"
	}
	return "0"
}

func cloneExpr(f *fieldDef, x string) string {
	switch f.kind {
	case "text":
		return "cloneString(" + x + ")"
	case "bytes", "bigint":
		return "cloneBytes(" + x + ")"
	case "raw":
		return x + ".Clone()"
	}
	return x
}

func structSpecName(sp *spec, s *structDef) string {
	if strings.HasSuffix(s.name, "Payload") || strings.HasSuffix(s.name, "BatchItem") || strings.HasSuffix(s.name, "Message") {
		return splitWords(s.name)
	}
	return specName(sp, s.tag)
}

// splitWords turns CreateKeyPairRequestPayload into "Create Key Pair Request Payload".
func splitWords(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && c >= 'A' && c <= 'Z' && !(s[i-1] >= 'A' && s[i-1] <= 'Z') {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// genPayloads writes the choice of payload type by Operation.
func genPayloads(p *printer, sp *spec) {
	ops := sp.setByID["Operation"]
	for _, dir := range []string{"Request", "Response"} {
		p.f("// new%sPayload returns the %s payload type of operation op, reusing old\n// when it has that type; RawPayload when the operation has none or is\n// unknown (known false: the Operation was not decoded before the payload).\n", dir, strings.ToLower(dir))
		p.f("func new%sPayload(old %sPayload, op Operation, known bool) %sPayload {\n", dir, dir, dir)
		p.f("\tif known {\n\t\tswitch op {\n")
		for _, v := range ops.values {
			name := payloadType(sp, v.name, dir)
			if name == "" {
				continue
			}
			p.f("\t\tcase Operation%s:\n\t\t\tif p, ok := old.(*%s); ok {\n\t\t\t\treturn p\n\t\t\t}\n\t\t\treturn new(%s)\n", v.name, name, name)
		}
		p.f("\t\t}\n\t}\n\tif p, ok := old.(*Raw%sPayload); ok {\n\t\treturn p\n\t}\n\treturn new(Raw%sPayload)\n}\n\n", dir, dir)
		for _, v := range ops.values {
			name := payloadType(sp, v.name, dir)
			if name == "" {
				continue
			}
			p.f("// Operation returns %s.\nfunc (*%s) Operation() Operation { return Operation%s }\n\n", "Operation"+v.name, name, v.name)
			p.f("func (v *%s) clonePayload() %sPayload { return v.Clone() }\n\n", name, dir)
		}
	}
}

// payloadType returns the structure that is the dir ("Request" or
// "Response") payload of operation op: the one named op+dir+"Payload", or
// else the one whose name matches it ignoring case and underscores
// (PKCS11RequestPayload for Operation PKCS_11).
func payloadType(sp *spec, op, dir string) string {
	want := op + dir + "Payload"
	norm := func(s string) string { return strings.ToLower(strings.ReplaceAll(s, "_", "")) }
	found := ""
	for _, s := range sp.structs {
		if s.name == want {
			return s.name
		}
		if found == "" && norm(s.name) == norm(want) {
			found = s.name
		}
	}
	return found
}

// genDecodeField writes the if statement taking an item of field f's tag
// when its type is f's.
func genDecodeField(p *printer, s *structDef, f *fieldDef) {
	i := slices.Index(s.fields, f)
	w, bit := i/64, uint64(1)<<(i%64)
	cond := fmt.Sprintf("typ == ttlv.Type%s", f.ttlvType)
	switch f.kind {
	case "raw":
		cond = "true"
	case "text":
		// KMIP 3.0's Identifier, Reference and Name Reference are
		// encoded as Text Strings: taken, and their type kept.
		cond = "textType(typ)"
	}
	if !f.repeated() {
		cond += fmt.Sprintf(" && seen[%d]&0x%x == 0", w, bit)
	}
	p.f("if %s {\n", cond)
	switch {
	case f.kind == "raw" && f.repeated():
		p.f("\t\t\t\tv.%s = append(v.%s, Raw(b[:m]))\n", f.name, f.name)
	case f.kind == "raw":
		p.f("\t\t\t\tv.%s = Raw(b[:m])\n", f.name)
	case f.kind == "payload":
		op := slices.IndexFunc(s.fields, func(f *fieldDef) bool { return f.name == "Operation" })
		opv := "v.Operation"
		if s.fields[op].optional() {
			opv += ".Value"
		}
		p.f("\t\t\t\tv.%s = new%s(v.%s, %s, seen[%d]&0x%x != 0)\n", f.name, f.goType, f.name, opv, op/64, uint64(1)<<(op%64))
		p.f("\t\t\t\tif err := v.%s.decodeTTLV(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\t\treturn pathError(err, tag)\n\t\t\t\t}\n", f.name)
	case f.pointer():
		p.f("\t\t\t\tif v.%s == nil {\n\t\t\t\t\tv.%s = new(%s)\n\t\t\t\t}\n", f.name, f.name, f.goType)
		p.f("\t\t\t\tif err := v.%s.decodeTTLV(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\t\treturn pathError(err, tag)\n\t\t\t\t}\n", f.name)
	case f.repeated() && f.kind == "struct":
		p.f("\t\t\t\tv.%s = grow(v.%s)\n", f.name, f.name)
		p.f("\t\t\t\tif err := v.%s[len(v.%s)-1].decodeTTLV(val, off+start-len(b)+ttlv.HeaderSize); err != nil {\n\t\t\t\t\treturn pathError(err, tag)\n\t\t\t\t}\n", f.name, f.name)
	case f.repeated():
		p.f("\t\t\t\tv.%s = append(v.%s, %s)\n", f.name, f.name, f.decodeValue())
	case f.optional():
		p.f("\t\t\t\tv.%s = Optional[%s]{Value: %s, Set: true}\n", f.name, f.goType, f.decodeValue())
	default:
		p.f("\t\t\t\tv.%s = %s\n", f.name, f.decodeValue())
	}
	if f.primary != nil && !f.primary.repeated() {
		// Written in an else-if chain after its field by the canonical
		// path (genAltChain): decoded, the value takes the order path.
		p.f("\t\t\t\tcanonical = false\n")
	}
	if f.kind == "text" {
		// The type appendField writes for a decoded value is the field's
		// own; another one read is recorded to be written back.
		p.f("\t\t\t\tif typ != ttlv.Type%s {\n\t\t\t\t\tv.x.alt = append(v.x.alt, altType{pos: int32(len(v.x.order)), typ: typ})\n\t\t\t\t}\n", f.ttlvType)
	}
	p.f("\t\t\t\tseen[%d] |= 0x%x\n\t\t\t\tfield = %d\n\t\t\t}", w, bit, i)
}

// genDecodeText30 writes the if statement taking the KMIP 3.0 Text String
// form of structure field f (a Name).
func genDecodeText30(p *printer, s *structDef, f *fieldDef) {
	i := slices.Index(s.fields, f)
	w, bit := i/64, uint64(1)<<(i%64)
	cond := "textType(typ)"
	if !f.repeated() {
		cond += fmt.Sprintf(" && seen[%d]&0x%x == 0", w, bit)
	}
	p.f("if %s {\n", cond)
	if f.repeated() {
		p.f("\t\t\t\tv.%s = grow(v.%s)\n\t\t\t\tv.%s[len(v.%s)-1].setText30(aliasString(val))\n", f.name, f.name, f.name, f.name)
	} else {
		p.f("\t\t\t\tif v.%s == nil {\n\t\t\t\t\tv.%s = new(%s)\n\t\t\t\t}\n\t\t\t\tv.%s.setText30(aliasString(val))\n", f.name, f.name, f.goType, f.name)
	}
	p.f("\t\t\t\tif typ != ttlv.TypeTextString {\n\t\t\t\t\tv.x.alt = append(v.x.alt, altType{pos: int32(len(v.x.order)), typ: typ})\n\t\t\t\t}\n")
	p.f("\t\t\t\tseen[%d] |= 0x%x\n\t\t\t\tfield = %d\n\t\t\t}", w, bit, i)
}

// gateCond is the condition, with a leading "&&", that a field the KMIP
// 3.0 draft's rows add is written only for its versions; "" for the
// others.
func (f *fieldDef) gateCond() string {
	if f.gate == 0 {
		return ""
	}
	return fmt.Sprintf(" && ver.in(0x%x)", f.gate)
}

// fieldDoc writes the doc comment of field f.
func fieldDoc(p *printer, sp *spec, f *fieldDef) {
	switch {
	case f.primary != nil && f.repeated():
		form := "an Enumeration, a Unique Identifier Enumeration value"
		if f.typ == "Integer" {
			form = "an Integer, the zero-based nth Unique Identifier of\n\t// the response (negative: counted back from the batch item)"
		}
		p.f("\t// %s holds the instances of the %s attribute given as\n\t// %s, of KMIP %s (%s).\n", f.name, specName(sp, f.tag), form, versionRange(f.versions), f.note)
		return
	case f.primary != nil && f.typ == "Enumeration":
		p.f("\t// %s is the %s item as an Enumeration, a Unique\n\t// Identifier Enumeration value such as the ID Placeholder, %s, of KMIP\n\t// %s (%s). It stands for %s: set one of them.\n", f.name, specName(sp, f.tag), f.occurs, versionRange(f.versions), f.note, f.primary.name)
		return
	case f.primary != nil && f.typ == "Integer":
		p.f("\t// %s is the %s item as an Integer, the zero-based nth\n\t// Unique Identifier of the response (negative: counted back from the\n\t// batch item), %s, of KMIP %s (%s). It stands for\n\t// %s: set one of them.\n", f.name, specName(sp, f.tag), f.occurs, versionRange(f.versions), f.note, f.primary.name)
		return
	}
	p.f("\t// %s is the %s item, %s, of KMIP %s", f.name, specName(sp, f.tag), f.occurs, versionRange(f.versions))
	switch {
	case f.text30:
		p.f(";\n\t// KMIP 3.0 encodes it as a Text String, the %s (%s).\n", textFieldOf(sp, f.goType), f.note)
	case f.type30 != "":
		p.f(";\n\t// KMIP 3.0 encodes it as an %s (%s).\n", f.type30, f.note)
	case f.note != "":
		p.f(" (%s).\n", f.note)
	default:
		p.f(".\n")
	}
}

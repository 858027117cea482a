package main

import (
	"fmt"
	"path"
	"slices"
	"strings"
)

// load30 applies structs_v30.tsv, the KMIP 3.0 draft's structures written
// by hand from the draft (the derivation reads the HTML of 1.0-2.1 only).
// A row names a structure (or, with a '*', every structure whose name
// matches and that has the field) and a field:
//
//   - a structure or field the tables of 1.0-2.1 do not have is added, its
//     versions those of the row;
//   - a field they have gets the row's type as another wire type for the
//     row's versions: a text type (Identifier) is the field's 3.0 type; a
//     Text String for a structure field is the structure's 3.0 form (Name);
//     an Enumeration or Integer for a text field (Unique Identifier) is an
//     alternative held by a field of its own, FieldEnum or FieldIndex,
//     placed after it.
func load30(dir string, sp *spec, byName map[string]*structDef) error {
	const file = "structs_v30.tsv"
	rows, err := readTSV(dir, file, 7)
	if err != nil {
		return err
	}
	for _, r := range rows {
		pat, stag, tag, typ, occurs, versions, section := r[0], r[1], r[2], r[3], r[4], strings.Split(r[5], ","), r[6]
		if tag != "-" {
			if _, ok := sp.tags[tag]; !ok {
				return fmt.Errorf("%s: %s: unknown tag %s", file, pat, tag)
			}
		}
		if strings.Contains(pat, "*") {
			n := 0
			for _, s := range sp.structs {
				if ok, _ := path.Match(pat, s.name); !ok {
					continue
				}
				if f := s.field(tag); f != nil {
					if err := vary(s, f, typ, versions, section); err != nil {
						return fmt.Errorf("%s: %v", file, err)
					}
					n++
				}
			}
			if n == 0 {
				return fmt.Errorf("%s: %s matches no structure with a %s", file, pat, tag)
			}
			continue
		}
		s := byName[pat]
		if s == nil {
			s = &structDef{name: pat, tag: stag, section: section}
			byName[pat] = s
			sp.structs = append(sp.structs, s)
		}
		if tag == "-" {
			continue
		}
		if f := s.field(tag); f != nil {
			if err := vary(s, f, typ, versions, section); err != nil {
				return fmt.Errorf("%s: %v", file, err)
			}
			continue
		}
		f := &fieldDef{tag: tag, name: tag, typ: typ, occurs: occurs, versions: versions, gate: versionMask(versions), note: section}
		if strings.HasSuffix(s.name, "Payload") && f.name == "Operation" {
			f.name = "Operations"
		}
		s.fields = append(s.fields, f)
	}
	return nil
}

// field returns the field of s with tag, or nil.
func (s *structDef) field(tag string) *fieldDef {
	for _, f := range s.fields {
		if f.tag == tag && f.primary == nil {
			return f
		}
	}
	return nil
}

// vary records that f, a field of s, takes wire type typ in versions.
func vary(s *structDef, f *fieldDef, typ string, versions []string, section string) error {
	textual := func(t string) bool { return t == "Identifier" || t == "Reference" || t == "NameReference" }
	switch {
	case typ == f.typ:
		// the same type: nothing changes
	case f.typ == "TextString" && textual(typ):
		f.type30 = typ
	case f.typ != "TextString" && typ == "TextString" && f.occurs != "" && !isScalar(f.typ):
		f.text30 = true
	case (f.typ == "TextString" || textual(f.typ)) && (typ == "Enumeration" || typ == "Integer"):
		suffix := map[string]string{"Enumeration": "Enum", "Integer": "Index"}[typ]
		occurs := "optional"
		if f.repeated() {
			occurs = "repeated" // a Link attribute's instances in that form
		}
		alt := &fieldDef{tag: f.tag, name: f.name + suffix, typ: typ, occurs: occurs, versions: versions, gate: versionMask(versions), primary: f, note: section}
		f.alts = append(f.alts, alt)
		i := slices.Index(s.fields, f) + len(f.alts)
		s.fields = slices.Insert(s.fields, i, alt)
		return nil
	default:
		return fmt.Errorf("%s.%s: a %s cannot also be a %s", s.name, f.tag, f.typ, typ)
	}
	if f.note == "" {
		f.note = section
	} else if !strings.Contains(f.note, section) {
		f.note += "; " + section
	}
	return nil
}

// isScalar reports whether typ names a TTLV item type rather than a
// structure.
func isScalar(typ string) bool {
	switch typ {
	case "Integer", "LongInteger", "BigInteger", "Enumeration", "Boolean", "TextString", "ByteString",
		"DateTime", "DateTimeExtended", "Interval", "Identifier", "Reference", "NameReference", "Raw", "Payload", "Attributes":
		return true
	}
	return false
}

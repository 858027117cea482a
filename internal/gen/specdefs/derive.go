package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// anyAttribute stands for the "Any attribute in §4" rows of the 2.x
// attribute-set structures (KMIP 2.1 §5.1-§5.7).
const anyAttribute = "*"

// field is one row of a structure table, in one version.
type field struct {
	tag      string // normalized tag name, or anyAttribute
	encoding string // the table's Encoding column, "" if it has none
	required bool
	repeated bool
}

// def is one structure as one version's table defines it.
type def struct {
	name, tag, section string
	fields             []field
}

type deriver struct {
	tagByKey map[string]string            // key(spec name or name) → name
	types    map[string]string            // tag → item type, the latest table's
	defs     map[string]map[string]*def   // version → struct name → def
	variants map[string]bool              // struct names defined by several tables of one version
	aliases  map[string]string            // tag → the structure it shares (Common Template-Attribute → TemplateAttribute)
	attrs    map[string]map[string]string // version → attribute tag → "single"/"multi"
	manual   map[string]bool              // structures of structs_manual.tsv
	enumTags map[string]bool              // tags of enum_tags.tsv
	forced   map[string]bool              // tags item_types.tsv makes Raw whatever the tables say
	notes    []string
}

func (d *deriver) note(format string, args ...any) {
	d.notes = append(d.notes, fmt.Sprintf(format, args...))
}

var (
	reSee    = regexp.MustCompile(`(?i)[,(]?\s*(see|\(see)\b.*$`)
	reSecNum = regexp.MustCompile(`^([0-9]+(\.[0-9]+)*)\s+(.*)$`)
)

// resolve maps a table's item name to tag names: one, several for a choice
// ("Certificate, Symmetric Key, … or Opaque Object"), anyAttribute, or none.
func (d *deriver) resolve(name string) []string {
	name = strings.TrimSpace(reSee.ReplaceAllString(name, ""))
	name = strings.TrimSuffix(name, "*")
	if strings.HasPrefix(strings.ToLower(name), "any attribute") {
		return []string{anyAttribute}
	}
	if t, ok := d.tagByKey[key(name)]; ok {
		return []string{t}
	}
	// A choice of objects.
	if strings.HasPrefix(strings.ToLower(name), "any object") {
		return managedObjects
	}
	parts := regexp.MustCompile(`,\s*(or\s+)?|\s+or\s+`).Split(name, -1)
	if len(parts) < 2 {
		return nil
	}
	var out []string
	for _, p := range parts {
		if t, ok := d.tagByKey[key(p)]; ok {
			out = append(out, t)
			continue
		}
		// "Template Secret Data": a comma lost in the table.
		w := strings.Fields(p)
		found := false
		for i := 1; i < len(w) && !found; i++ {
			a, okA := d.tagByKey[key(strings.Join(w[:i], " "))]
			b, okB := d.tagByKey[key(strings.Join(w[i:], " "))]
			if okA && okB {
				out, found = append(out, a, b), true
			}
		}
		if !found {
			return nil
		}
	}
	return out
}

// itemType maps an Encoding column to a TTLV item type, or "Raw" when it
// varies, or "" when there is no type to read.
func itemType(enc string) string {
	e := strings.ToLower(strings.TrimSpace(enc))
	if e == "" {
		return ""
	}
	if strings.Contains(e, ";") || strings.HasPrefix(e, "varies") || strings.HasPrefix(e, "any") {
		return "Raw"
	}
	for _, t := range []struct{ prefix, typ string }{
		{"structure", "Structure"}, {"text string", "TextString"}, {"byte string", "ByteString"},
		{"long integer", "LongInteger"}, {"big integer", "BigInteger"}, {"integer", "Integer"},
		{"enumeration", "Enumeration"}, {"boolean", "Boolean"}, {"date-time extended", "DateTimeExtended"},
		{"date-time", "DateTime"}, {"interval", "Interval"}, {"attribute object", "Structure"},
	} {
		if strings.HasPrefix(e, t.prefix) {
			return t.typ
		}
	}
	return ""
}

// required reports whether a REQUIRED column says Yes without a condition
// ("Yes. MAY be omitted only if …" and "Yes, if …" are optional in a type:
// the field may be absent).
func required(s string) bool {
	s = strings.ToLower(strings.TrimSpace(s))
	if !strings.HasPrefix(s, "yes") {
		return false
	}
	rest := strings.TrimLeft(s[3:], " .,;")
	return rest == "" || strings.HasPrefix(rest, "may be repeated") || strings.HasPrefix(rest, "repeated")
}
func repeated(s string) bool { return strings.Contains(strings.ToLower(s), "repeated") }

// typeName turns "Create Key Pair Request Payload" into CreateKeyPairRequestPayload.
func typeName(s string) string {
	var b strings.Builder
	for _, w := range regexp.MustCompile(`[^A-Za-z0-9]+`).Split(s, -1) {
		if w != "" {
			b.WriteString(strings.ToUpper(w[:1]) + w[1:])
		}
	}
	return b.String()
}

func (d *deriver) add(ver string, df *def) {
	m := d.defs[ver]
	if old, ok := m[df.name]; ok {
		if !slices.Equal(old.fields, df.fields) {
			d.variants[df.name] = true
		}
		return
	}
	m[df.name] = df
}

// readVersion reads one specification's tables.
func (d *deriver) readVersion(ver, doc string) {
	d.defs[ver] = map[string]*def{}
	d.attrs[ver] = map[string]string{}
	lastAttr := ""
	for _, t := range readTables(doc) {
		rows := t.rows
		if len(rows) < 2 {
			continue
		}
		title := ""
		if len(rows[0]) == 1 {
			title, rows = rows[0][0].text, rows[1:]
		}
		hdr := make([]string, len(rows[0]))
		for i, c := range rows[0] {
			hdr[i] = c.text
		}
		data := rows[1:]
		section := t.section
		if m := reSecNum.FindStringSubmatch(section); m != nil {
			section = m[1]
		}
		switch {
		case len(hdr) == 2 && strings.HasPrefix(hdr[0], "SHALL always have a value"):
			// An attribute's rules table; find "Multiple instances permitted".
			for _, r := range rows {
				if len(r) == 2 && strings.HasPrefix(r[0].text, "Multiple instances permitted") && lastAttr != "" {
					if required(r[1].text) {
						d.attrs[ver][lastAttr] = "multi"
					} else {
						d.attrs[ver][lastAttr] = "single"
					}
				}
			}
		case len(hdr) == 3 && (hdr[0] == "Item" || hdr[0] == "Object") && hdr[1] == "REQUIRED" && strings.HasSuffix(title, "Payload"):
			name := typeName(t.caption)
			if t.caption == "" {
				if m := reSecNum.FindStringSubmatch(t.section); m != nil {
					name = typeName(m[3] + " " + title)
				}
			}
			if !strings.HasSuffix(name, "RequestPayload") && !strings.HasSuffix(name, "ResponsePayload") {
				if strings.HasSuffix(name, "MessagePayload") { // 1.x Notify and Put, sent by the server
					name = strings.TrimSuffix(name, "MessagePayload") + "RequestPayload"
				} else {
					d.note("%s %q: payload table with caption %q", ver, t.section, t.caption)
					continue
				}
			}
			df := &def{name: name, tag: typeName(title), section: section}
			if df.tag == "MessagePayload" {
				df.tag = "RequestPayload"
			}
			for _, r := range data {
				df.fields = append(df.fields, d.rowFields(ver, df, r[0].text, "", r[1].text)...)
			}
			d.add(ver, df)
		case len(hdr) >= 2 && (hdr[0] == "Item" || hdr[0] == "Object") && hdr[1] == "Encoding":
			if len(data) == 0 {
				continue
			}
			head := data[0]
			tags := d.resolve(head[0].text)
			isStruct := itemType(head[1].text) == "Structure"
			if strings.HasPrefix(section, "4") && ver >= "2.0" || strings.HasPrefix(section, "3") && ver < "2.0" {
				// An attribute's table: the attribute is named by the section
				// title or the caption ("Always Sensitive Attribute", whose
				// one row says "Sensitive"), else by the first row; every row of the
				// "Certificate Attributes" table is an attribute.
				attr := tags
				if c := strings.TrimSuffix(strings.TrimSuffix(t.caption, " Structure"), " Attribute"); c != t.caption {
					if ct := d.resolve(c); len(ct) == 1 {
						attr = ct
					}
				}
				// The section's title comes first: the caption of 2.1 §4.56
				// Short Unique Identifier says "Unique Identifier Attribute".
				if m := reSecNum.FindStringSubmatch(t.section); m != nil {
					if ht := d.resolve(m[3]); len(ht) == 1 {
						attr = ht
					}
				}
				if t.caption == "Certificate Attributes" {
					for _, r := range data {
						if rt := d.resolve(r[0].text); len(rt) == 1 && d.attrs[ver][rt[0]] == "" {
							d.attrs[ver][rt[0]] = "single"
						}
					}
				}
				if len(attr) == 1 && attr[0] != anyAttribute {
					lastAttr = attr[0]
					if _, ok := d.attrs[ver][lastAttr]; !ok {
						d.attrs[ver][lastAttr] = "single"
					}
					if attr[0] != tags[0] && len(data) == 1 && len(data[0]) > 1 {
						d.types[attr[0]] = itemType(data[0][1].text)
					}
				}
			}
			if !isStruct {
				for _, r := range data {
					if len(r) < 2 {
						continue
					}
					for _, tg := range d.resolve(r[0].text) {
						if typ := itemType(r[1].text); typ != "" && tg != anyAttribute {
							d.types[tg] = typ
						}
					}
				}
				continue
			}
			if len(tags) == 0 || tags[0] == anyAttribute {
				d.note("%s %s: structure %q has no tag", ver, section, head[0].text)
				continue
			}
			if d.enumTags[tags[0]] {
				d.note("%s %s: %s is an Enumeration (enum_tags.tsv), its table not a structure", ver, section, tags[0])
				d.types[tags[0]] = "Enumeration"
				continue
			}
			for _, a := range tags[1:] {
				d.aliases[a] = tags[0]
			}
			d.types[tags[0]] = "Structure"
			df := &def{name: tags[0], tag: tags[0], section: section}
			if m := reSecNum.FindStringSubmatch(t.section); m != nil && tags[0] == "KeyMaterial" && strings.HasPrefix(m[3], "Transparent") {
				// The Key Material of a Transparent key format (2.1 §3.4-§3.12,
				// 1.4 §2.1.7): one structure per format, named by its section.
				df.name = typeName(m[3])
			}
			level := -1.0
			for _, r := range data[1:] {
				if len(r) < 2 {
					continue
				}
				if level < 0 {
					level = r[0].indent
				}
				if r[0].indent > level+1 {
					continue // a nested structure's fields, defined by its own table
				}
				req := ""
				if len(r) > 2 {
					req = r[2].text
				} else {
					req = "Yes"
				}
				if repeated(r[1].text) {
					req += " repeated"
				}
				df.fields = append(df.fields, d.rowFields(ver, df, r[0].text, r[1].text, req)...)
			}
			if len(df.fields) == 1 && df.fields[0].tag == df.tag {
				// A table whose one row repeats its title: not a structure.
				d.types[df.tag] = itemType(df.fields[0].encoding)
				continue
			}
			d.add(ver, df)
		case len(hdr) == 3 && hdr[0] == "Object" && hdr[1] == "REQUIRED in Message" && title != "":
			if len(data) == 0 {
				continue
			}
			tags := d.resolve(data[0][0].text)
			if len(tags) != 1 {
				continue
			}
			df := &def{name: typeName(title), tag: tags[0], section: section}
			if df.name == tags[0] {
				// "Request Header" and the like.
			}
			for _, r := range data[1:] {
				if len(r) < 2 {
					continue
				}
				df.fields = append(df.fields, d.rowFields(ver, df, r[0].text, "", r[1].text)...)
			}
			d.add(ver, df)
		}
	}
}

// managedObjects are the objects of KMIP 2.1 §2.2 ("Any Object").
var managedObjects = []string{"Certificate", "CertificateRequest", "OpaqueObject", "PGPKey", "PrivateKey", "PublicKey", "SecretData", "SplitKey", "SymmetricKey"}

// rowFields turns one table row into fields: one per tag its name resolves to.
func (d *deriver) rowFields(ver string, df *def, name, enc, req string) []field {
	if strings.Contains(name, "MAY be repeated") {
		name = strings.TrimSuffix(strings.TrimSpace(strings.ReplaceAll(name, "MAY be repeated", "")), ",")
		req += " repeated"
	}
	if name == "" {
		return nil
	}
	tags := d.resolve(name)
	if len(tags) == 0 {
		d.note("%s %s %s: item %q is no tag", ver, df.section, df.name, name)
		return nil
	}
	if typ := itemType(enc); typ != "" && len(tags) == 1 && tags[0] != anyAttribute {
		if _, ok := d.types[tags[0]]; !ok || typ != "Raw" {
			d.types[tags[0]] = typ
		}
	}
	var out []field
	for _, t := range tags {
		f := field{tag: t, encoding: enc, required: required(req) && len(tags) == 1, repeated: repeated(req)}
		out = append(out, f)
	}
	return out
}

// derive reads every specification and writes structs.tsv.
func derive(htmlDir, specDir string) ([]byte, []string, error) {
	d := &deriver{tagByKey: map[string]string{}, types: map[string]string{}, defs: map[string]map[string]*def{},
		variants: map[string]bool{}, aliases: map[string]string{}, attrs: map[string]map[string]string{}}
	rows, err := readTSV(filepath.Join(specDir, "tags.tsv"), 5)
	if err != nil {
		return nil, nil, err
	}
	for _, r := range rows {
		d.tagByKey[key(r[1])] = r[1]
		d.tagByKey[key(r[2])] = r[1]
	}
	et, err := readTSV(filepath.Join(specDir, "enum_tags.tsv"), 4)
	if err != nil {
		return nil, nil, err
	}
	d.enumTags = map[string]bool{}
	for _, r := range et {
		d.enumTags[r[0]] = true
	}
	for _, doc := range documents {
		b, err := os.ReadFile(filepath.Join(htmlDir, doc.file))
		if err != nil {
			return nil, nil, err
		}
		d.readVersion(doc.version, string(b))
	}
	manual, err := readTSV(filepath.Join(specDir, "item_types.tsv"), 3)
	if err != nil {
		return nil, nil, err
	}
	d.forced = map[string]bool{}
	for _, r := range manual {
		if _, ok := d.types[r[0]]; !ok || r[1] == "Raw" {
			d.types[r[0]] = r[1]
		}
		d.forced[r[0]] = r[1] == "Raw"
	}
	hand, err := readTSV(filepath.Join(specDir, "structs_manual.tsv"), 7)
	if err != nil {
		return nil, nil, err
	}
	d.manual = map[string]bool{}
	for _, r := range hand {
		d.manual[r[0]] = true
	}
	return d.write(), d.notes, nil
}

// merged is one structure over every version.
type merged struct {
	name, tag string
	sections  map[string]string // version → section
	fields    []*mfield
}

type mfield struct {
	tag                string
	required, repeated bool
	versions           []string
}

func (d *deriver) write() []byte {
	all := map[string]*merged{}
	var order []string
	for _, doc := range documents {
		ver := doc.version
		for _, name := range sortedKeys(d.defs[ver]) {
			df := d.defs[ver][name]
			m := all[name]
			if m == nil {
				m = &merged{name: name, tag: df.tag, sections: map[string]string{}}
				all[name] = m
				order = append(order, name)
			}
			m.sections[ver] = df.section
			prev := -1
			for _, f := range df.fields {
				i := slices.IndexFunc(m.fields, func(x *mfield) bool { return x.tag == f.tag })
				if i < 0 {
					i = prev + 1
					m.fields = slices.Insert(m.fields, i, &mfield{tag: f.tag})
				}
				mf := m.fields[i]
				mf.required, mf.repeated = f.required, mf.repeated || f.repeated
				if !slices.Contains(mf.versions, ver) {
					mf.versions = append(mf.versions, ver)
				}
				prev = i
			}
		}
	}
	// The attribute set: every attribute of every version.
	attrSet := &merged{name: "Attributes", tag: "Attributes", sections: map[string]string{"2.1": "4", "1.4": "3"}}
	for _, doc := range documents {
		for _, a := range sortedKeys(d.attrs[doc.version]) {
			i := slices.IndexFunc(attrSet.fields, func(x *mfield) bool { return x.tag == a })
			if i < 0 {
				attrSet.fields = append(attrSet.fields, &mfield{tag: a})
				i = len(attrSet.fields) - 1
			}
			f := attrSet.fields[i]
			// Attribute: KMIP 2.x's vendor attributes (2.1 §4.1 note), any number.
			f.repeated = f.repeated || d.attrs[doc.version][a] == "multi" || a == "Attribute"
			f.versions = append(f.versions, doc.version)
		}
	}
	// Structures that are an attribute set (KMIP 2.1 §5) are the Attributes type.
	setAlias := map[string]bool{}
	for _, name := range order {
		m := all[name]
		if len(m.fields) == 1 && m.fields[0].tag == anyAttribute {
			setAlias[m.tag] = true
			delete(all, name)
		}
	}
	all["Attributes"] = attrSet
	order = slices.DeleteFunc(order, func(n string) bool { return all[n] == nil || n == "Attributes" })
	sort.Strings(order)
	order = append(order, "Attributes")

	var b bytes.Buffer
	b.WriteString(header)
	for _, name := range order {
		m := all[name]
		var secs []string
		for _, v := range []string{"2.1", "2.0", "1.4", "1.3", "1.2", "1.1", "1.0"} {
			if s, ok := m.sections[v]; ok && (len(secs) == 0 || v == "1.4" && !strings.HasPrefix(secs[0], "1.")) {
				secs = append(secs, v+" §"+s)
			}
		}
		if len(m.fields) == 0 && strings.HasSuffix(m.name, "Payload") {
			// An empty payload (Ping's, 2.1 §6.1.36): one row, "-".
			var vs []string
			for _, doc := range documents {
				if _, ok := m.sections[doc.version]; ok {
					vs = append(vs, doc.version)
				}
			}
			fmt.Fprintf(&b, "%s\t%s\t-\t-\t-\t%s\t%s\n", m.name, m.tag, strings.Join(vs, ","), strings.Join(secs, ", "))
		}
		for _, f := range m.fields {
			typ := d.fieldType(all, setAlias, m, f.tag)
			occ := "optional"
			switch {
			case f.repeated:
				occ = "repeated"
			case f.required:
				occ = "required"
			}
			fmt.Fprintf(&b, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", m.name, m.tag, f.tag, typ, occ, strings.Join(f.versions, ","), strings.Join(secs, ", "))
		}
	}
	return b.Bytes()
}

// fieldType is a field's type column: a TTLV item type, the name of a
// structure, Attributes, Raw (varies), or the payload of the Operation.
func (d *deriver) fieldType(all map[string]*merged, setAlias map[string]bool, parent *merged, tag string) string {
	switch {
	case tag == "RequestPayload" || tag == "ResponsePayload":
		return "Payload"
	case setAlias[tag] || tag == "Attributes":
		return "Attributes"
	case d.variants[tag]:
		return "Raw"
	}
	if d.types[tag] == "Raw" && d.forced[tag] {
		return "Raw"
	}
	if a, ok := d.aliases[tag]; ok {
		tag = a
	}
	for _, p := range []string{"Request", "Response"} {
		if strings.HasPrefix(parent.name, p) {
			if _, ok := all[p+tag]; ok {
				return p + tag
			}
		}
	}
	if _, ok := all[tag]; ok {
		return tag
	}
	if t := d.types[tag]; all[t] != nil || d.manual[t] {
		return t
	}
	if t := d.types[tag]; t != "" && t != "Structure" {
		return t
	}
	d.note("type of %s (in %s) unknown", tag, parent.name)
	return "Raw"
}

const header = `# KMIP structures, derived by internal/gen/specdefs from the specifications' HTML (KMIP 1.0-2.1,
# shared/spec/html): structure tables (Item/Object, Encoding, REQUIRED), payload tables (Request/Response
# Payload: Item, REQUIRED, Description), message tables (Object, REQUIRED in Message, Comment) and the
# attribute tables (KMIP 2.1 §4, KMIP 1.4 §3). DO NOT EDIT: fix the derivation or item_types.tsv, then
# go generate ./internal/spec/. See README.md.
# struct: the Go type; struct_tag: its tag; type: a TTLV item type, a structure, Attributes (the attribute
# set), Payload (the payload of the batch item's Operation) or Raw (the encoding varies: kept as an item);
# occurs: required, optional or repeated (0..n); versions: the specifications whose tables list the field;
# section: where the structure is defined (latest version, and 1.4 for the 1.x form). An empty structure
# has one row whose field, type and occurs are "-".
#struct	struct_tag	field	type	occurs	versions	section
`

package ttlv

import (
	"errors"
	"fmt"
	"strings"
)

// The registry: names of tags, enumeration values and mask bits.
//
// The built-in tables (tables_gen.go, generated from internal/spec) are
// static arrays: nothing is built at init, and the package-level lookups
// below neither allocate nor lock. Names are the normalized CamelCase names
// of KMIP Additional Message Encodings v1.0 §4.1.3, as the JSON and XML
// encodings use them; input-only aliases (Cosmian KMS spellings, KMIP 1.4
// spellings of renamed values, spellings of the OASIS test cases) are
// accepted by the Lookup functions and never returned by the Name functions.

// tagDenseBase is the first tag of tagDense (the unused tag 0x420000).
const tagDenseBase = 0x420000

// tagInfo describes one built-in tag.
type tagInfo struct {
	tag   Tag
	name  string // normalized name, e.g. "CryptographicAlgorithm"
	spec  string // specification name, e.g. "Cryptographic Algorithm"
	since uint8  // first KMIP version defining it, major<<4 | minor (0x30: the 3.0 draft)
	until uint8  // last KMIP version defining it; 0 while still defined
	set   uint8  // 1 + index into enumSets of the set its value uses; 0 none
}

// nameRef maps a name to a tag.
type nameRef struct {
	name string
	tag  Tag
}

// Kinds of enumSet.
const (
	setKindEnum = iota + 1 // Enumeration values
	setKindMask            // Integer bit mask, one name per bit
	setKindTag             // Enumeration whose values are tags (KMIP 2.1 §11.56)
)

// Extension rules of enumSet: which unnamed values the set reserves for
// vendor extensions.
const (
	extNone        = iota // no extension range (or none enforced, for masks)
	extHighNibble8        // 0x8XXXXXXX (KMIP 2.1 §11 introduction, KMIP 1.4 §9.1.3.2)
	extTag                // 0x54XXXX (KMIP 2.1 §11.56)
)

// enumSet is one enumeration or bit-mask set.
type enumSet struct {
	name              string
	kind, ext         uint8
	values, valuesEnd uint16 // enumValues[values:valuesEnd], sorted by value
	names, namesEnd   uint16 // enumNames[names:namesEnd], sorted by name
}

// Flags of enumValue: which transcribed specifications list the value.
const (
	inKMIP14 = 1 << iota
	inKMIP21
	inKMIP30 // the KMIP 3.0 committee draft
)

// enumValue is one named value of a set.
type enumValue struct {
	value uint32
	name  string // normalized name
	spec  string // specification name
	flags uint8
}

// enumNameRef maps an accepted name (canonical or alias) to a value.
type enumNameRef struct {
	name  string
	value uint32
}

// builtinTag returns the table entry of t, or nil.
func builtinTag(t Tag) *tagInfo {
	i := uint32(t) - tagDenseBase // wraps for t below the base
	if i >= tagDenseLen {
		return nil
	}
	if j := tagDense[i]; j != 0 {
		return &tagInfos[j-1]
	}
	return nil
}

// builtinTagName returns the normalized name of t from the built-in tables.
func builtinTagName(t Tag) (string, bool) {
	if ti := builtinTag(t); ti != nil {
		return ti.name, true
	}
	return "", false
}

// lookupTagName finds name among the built-in tag names and aliases
// through the generated hash index.
func lookupTagName[S string | []byte](name S) (Tag, bool) {
	for h := nameHash(name); ; h++ {
		j := tagNameIndex[h&(tagNameIndexLen-1)]
		if j == 0 {
			return 0, false
		}
		if r := &tagNames[j-1]; r.name == string(name) {
			return r.tag, true
		}
	}
}

// lookupEnumName finds name among the names of set s through the
// generated hash index.
func lookupEnumName[S string | []byte](s *enumSet, name S) (uint32, bool) {
	for h := nameHash(name) + uint32(s.names)*0x9E3779B1; ; h++ {
		j := enumNameIndex[h&(enumNameIndexLen-1)]
		if j == 0 {
			return 0, false
		}
		if k := j - 1; k >= s.names && k < s.namesEnd && enumNames[k].name == string(name) {
			return enumNames[k].value, true
		}
	}
}

// nameHash hashes a name from its length and its first and last eight
// bytes, as internal/gen/tables does (see there).
func nameHash[S string | []byte](s S) uint32 {
	n := len(s)
	var a, b uint64
	if n >= 8 {
		a = uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		t := s[n-8:]
		b = uint64(t[0]) | uint64(t[1])<<8 | uint64(t[2])<<16 | uint64(t[3])<<24 |
			uint64(t[4])<<32 | uint64(t[5])<<40 | uint64(t[6])<<48 | uint64(t[7])<<56
	} else {
		for i := 0; i < n; i++ {
			a |= uint64(s[i]) << (8 * i)
		}
	}
	h := (a^uint64(n))*0x9E3779B97F4A7C15 ^ b*0xC2B2AE3D27D4EB4F
	return uint32(h>>32) ^ uint32(h)
}

// searchNames finds name in refs, which are sorted by name. The comparisons
// convert name without allocating, whether it is a string or a []byte.
func searchNames[S string | []byte](refs []nameRef, name S) (Tag, bool) {
	lo, hi := 0, len(refs)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if refs[m].name < string(name) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(refs) && refs[lo].name == string(name) {
		return refs[lo].tag, true
	}
	return 0, false
}

// LookupTag returns the tag whose normalized name is name ("BatchItem"),
// including the tags of KMIP 1.x that 2.x removed ("TemplateAttribute") and
// the spellings Cosmian KMS uses ("X509CertificateIdentifier"). Matching is
// exact and case-sensitive. It does not allocate.
func LookupTag(name string) (Tag, bool) { return lookupTagName(name) }

// LookupTagBytes is LookupTag for a name held in a []byte.
func LookupTagBytes(name []byte) (Tag, bool) { return lookupTagName(name) }

// LookupAttributeName returns the tag of a KMIP 1.x Attribute Name: the
// specification's name with spaces ("Cryptographic Algorithm", "X.509
// Certificate Identifier", KMIP 1.4 §3). For lenient input it also accepts
// the normalized name ("CryptographicAlgorithm"). Custom attribute names
// ("x-…", "y-…") have no tag and return false. It does not allocate.
func LookupAttributeName(name string) (Tag, bool) { return lookupAttributeName(name) }

// LookupAttributeNameBytes is LookupAttributeName for a name held in a
// []byte, as a text decoder finds it: the KMIP 1.x Attribute Value that
// follows takes the type and the names of the tag returned. It does not
// allocate, whatever the length of name.
func LookupAttributeNameBytes(name []byte) (Tag, bool) { return lookupAttributeName(name) }

func lookupAttributeName[S string | []byte](name S) (Tag, bool) {
	if t, ok := searchNames(tagSpecNames[:], name); ok {
		return t, true
	}
	return lookupTagName(name)
}

// TagSpecName returns the specification's name of a built-in tag, with
// spaces and punctuation ("Cryptographic Algorithm"), as a KMIP 1.x
// Attribute Name carries it.
func TagSpecName(t Tag) (string, bool) {
	if ti := builtinTag(t); ti != nil {
		return ti.spec, true
	}
	return "", false
}

// builtinSet returns the set t's value uses, or nil.
func builtinSet(t Tag) *enumSet {
	if ti := builtinTag(t); ti != nil && ti.set != 0 {
		return &enumSets[ti.set-1]
	}
	return nil
}

func (s *enumSet) valueName(v uint32) (string, bool) {
	vals := enumValues[s.values:s.valuesEnd]
	lo, hi := 0, len(vals)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if vals[m].value < v {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(vals) && vals[lo].value == v {
		return vals[lo].name, true
	}
	return "", false
}

// EnumName returns the normalized name of value v of the Enumeration-typed
// tag t ("AES" for CryptographicAlgorithm 3). For Attribute Reference and
// Tag, whose values are tags (KMIP 2.1 §5.5, §11.56), it returns the name of
// the tag v. For a bit-mask tag it names single bits. It returns false for
// tags without a set and for values the set does not name, extensions
// included. It does not allocate.
func EnumName(t Tag, v uint32) (string, bool) {
	s := builtinSet(t)
	if s == nil {
		return "", false
	}
	if s.kind == setKindTag {
		if v > 0xFFFFFF {
			return "", false
		}
		return builtinTagName(Tag(v))
	}
	return s.valueName(v)
}

// LookupEnum returns the value named name in the set of the
// Enumeration-typed tag t, accepting input-only aliases (Cosmian KMS's
// "Item_Not_Found", KMIP 1.4's "MGF1"). For Attribute Reference and Tag the
// names are tag names. It does not allocate.
func LookupEnum(t Tag, name string) (uint32, bool) { return lookupEnum(t, name) }

// LookupEnumBytes is LookupEnum for a name held in a []byte.
func LookupEnumBytes(t Tag, name []byte) (uint32, bool) { return lookupEnum(t, name) }

func lookupEnum[S string | []byte](t Tag, name S) (uint32, bool) {
	s := builtinSet(t)
	if s == nil {
		return 0, false
	}
	if s.kind == setKindTag {
		tag, ok := lookupTagName(name)
		return uint32(tag), ok
	}
	return lookupEnumName(s, name)
}

// IsEnumExtension reports whether v lies in the range the set of tag t
// reserves for vendor extensions: 0x8XXXXXXX for enumerations (KMIP 2.1 §11
// introduction), 0x54XXXX for Attribute Reference and Tag (§11.56). Item
// Type, the PKCS#11 sets and the bit masks have no such range here.
func IsEnumExtension(t Tag, v uint32) bool {
	s := builtinSet(t)
	if s == nil {
		return false
	}
	switch s.ext {
	case extHighNibble8:
		return v>>28 == 8
	case extTag:
		return v>>16 == 0x54
	}
	return false
}

// IsMask reports whether t is an Integer bit mask whose bits have names
// (KMIP 2.1 §12: Cryptographic Usage Mask, Protection Storage Mask and its
// plural forms, Storage Status Mask).
func IsMask(t Tag) bool {
	s := builtinSet(t)
	return s != nil && s.kind == setKindMask
}

// AppendMask appends the bits of v to dst as names joined by "|", lowest bit
// first ("Encrypt|Decrypt" for Cryptographic Usage Mask 0x0C), with the bits
// that have no name gathered into a last element "0x" + 8 upper-case hex
// digits ("Sign|0x00100000"). Zero, or any v for a tag that is not a mask,
// comes out as hex alone. It does not allocate beyond growing dst.
func AppendMask(dst []byte, t Tag, v uint32) []byte { return (*Registry)(nil).AppendMask(dst, t, v) }

// ParseMask parses a mask written as AppendMask writes it: names of t's mask
// bits and "0x"-prefixed hexadecimal numbers (1 to 8 digits, either case),
// separated by "|" with optional spaces around it. Whitespace alone also
// separates elements, as the XML encoding writes masks ("Encrypt Decrypt").
// It returns false on an empty element, an unknown name or bad hex. It does
// not allocate.
func ParseMask(t Tag, s []byte) (uint32, bool) { return (*Registry)(nil).ParseMask(t, s) }

// SuggestTag returns the known tag name nearest to name by edit distance
// (case-insensitive, adjacent transpositions counting one), for error
// messages such as: unknown tag "BtachItem", did you mean "BatchItem"? It
// returns "" when nothing is close. It allocates; use it on error paths.
func SuggestTag(name string) string {
	best, _ := suggestTag(name)
	return best
}

// suggestTag is SuggestTag, also returning how many known names it compared
// name with by edit distance.
func suggestTag(name string) (best string, compared int) {
	if name == "" {
		return "", 0
	}
	lname := strings.ToLower(name)
	bestD := len(name)/3 + 1
	var row0, row1, row2 []int
	for i := range tagNames {
		ref := &tagNames[i]
		// The distance is at least the difference in length: a name that
		// cannot come within bestD is not compared, so that an untrusted
		// name of any length costs time linear in its length, not in its
		// length times every known name's (a 1 MiB name took 30 s).
		diff := len(lname) - len(ref.name)
		if diff < 0 {
			diff = -diff
		}
		if diff > bestD || diff == bestD && best == "" {
			continue
		}
		canon, _ := builtinTagName(ref.tag)
		d := osaDistance(lname, strings.ToLower(ref.name), &row0, &row1, &row2)
		compared++
		if d < bestD || d == bestD && best != "" && canon < best {
			best, bestD = canon, d
		}
	}
	return best, compared
}

// osaDistance is the optimal string alignment distance between a and b
// (Levenshtein plus adjacent transpositions), using the three rows as
// scratch space.
func osaDistance(a, b string, r0, r1, r2 *[]int) int {
	n := len(b) + 1
	for _, r := range []*[]int{r0, r1, r2} {
		if cap(*r) < n {
			*r = make([]int, n)
		}
		*r = (*r)[:n]
	}
	prev2, prev, cur := *r0, *r1, *r2
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Registry adds names to the built-in tables: tags in the extension range
// 0x54xxxx (or unassigned 0x42xxxx values, for tags of later KMIP versions)
// and names for enumeration values and mask bits the tables do not name
// (typically vendor extensions 0x8XXXXXXX). Its lookups consult these
// definitions first, then the built-in tables; a nil *Registry means the
// built-in tables only.
//
// Define everything before sharing a Registry: the Define methods must not
// run concurrently with any other method, while lookups may run
// concurrently with each other. Lookups do not allocate.
type Registry struct {
	tagName   map[Tag]string
	tagByName map[string]Tag
	enumName  map[Tag]map[uint32]string // tag → value → name
	enumValue map[Tag]map[string]uint32 // tag → name → value
}

// NewRegistry returns an empty Registry.
func NewRegistry() *Registry {
	return &Registry{
		tagName:   map[Tag]string{},
		tagByName: map[string]Tag{},
		enumName:  map[Tag]map[uint32]string{},
		enumValue: map[Tag]map[string]uint32{},
	}
}

// validName reports whether s can serve as a tag or value name: a letter,
// then letters, digits or underscores, as normalized KMIP names are. This
// keeps names apart from hex numbers and mask separators.
func validName(s string) bool {
	if s == "" || !isASCIILetter(s[0]) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; !isASCIILetter(c) && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

func isASCIILetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// DefineTag names tag t. t must be a valid tag in 0x420001–0x42FFFF or
// 0x540000–0x54FFFF (KMIP 2.1 §11.56) that the built-in tables do not name,
// and name must be a normalized name (a letter, then letters, digits or
// underscores) that no built-in tag or alias and no other defined tag uses.
// Defining the same pair twice is not an error.
func (r *Registry) DefineTag(t Tag, name string) error {
	if r == nil {
		return errors.New("ttlv: DefineTag on a nil *Registry")
	}
	switch {
	case !t.Valid() || (t>>16 != 0x42 && t>>16 != 0x54) || t == tagDenseBase:
		return fmt.Errorf("ttlv: cannot define tag %s: outside 0x420001-0x42FFFF and 0x540000-0x54FFFF", tagHexString(t))
	case !validName(name):
		return fmt.Errorf("ttlv: cannot define tag %s as %q: not a normalized name", tagHexString(t), name)
	}
	if old, ok := builtinTagName(t); ok {
		return fmt.Errorf("ttlv: cannot define tag %s: built-in tag %s", tagHexString(t), old)
	}
	if old, ok := LookupTag(name); ok {
		return fmt.Errorf("ttlv: cannot define tag %s as %q: the name of built-in tag %s", tagHexString(t), name, tagHexString(old))
	}
	if old, ok := r.tagName[t]; ok {
		if old == name {
			return nil
		}
		return fmt.Errorf("ttlv: cannot define tag %s as %q: already defined as %q", tagHexString(t), name, old)
	}
	if old, ok := r.tagByName[name]; ok {
		return fmt.Errorf("ttlv: cannot define tag %s as %q: already the name of %s", tagHexString(t), name, tagHexString(old))
	}
	r.tagName[t] = name
	r.tagByName[name] = t
	return nil
}

// DefineEnum names value v of tag t: an Enumeration value, or a single bit
// if t is a built-in mask. t is a built-in tag with an enumeration or mask
// set, or a tag defined with DefineTag; Attribute Reference and Tag take
// their names from the tag tables (use DefineTag). Neither v nor name may
// already be used for t, by the built-in tables (aliases included) or an
// earlier definition. Defining the same triple twice is not an error.
func (r *Registry) DefineEnum(t Tag, v uint32, name string) error {
	if r == nil {
		return errors.New("ttlv: DefineEnum on a nil *Registry")
	}
	if !validName(name) {
		return fmt.Errorf("ttlv: cannot define %s value 0x%08X as %q: not a normalized name", tagHexString(t), v, name)
	}
	s := builtinSet(t)
	_, userTag := r.tagName[t]
	switch {
	case s == nil && !userTag:
		return fmt.Errorf("ttlv: cannot define values of %s: neither an enumeration or mask tag nor a defined tag", tagHexString(t))
	case s != nil && s.kind == setKindTag:
		return fmt.Errorf("ttlv: cannot define values of %s: its values are tags, use DefineTag", tagHexString(t))
	case s != nil && s.kind == setKindMask && (v == 0 || v&(v-1) != 0):
		return fmt.Errorf("ttlv: cannot define mask %s value 0x%08X: not a single bit", tagHexString(t), v)
	}
	if s != nil {
		if old, ok := s.valueName(v); ok {
			return fmt.Errorf("ttlv: cannot define %s value 0x%08X: built-in name %s", tagHexString(t), v, old)
		}
		if _, ok := lookupEnumName(s, name); ok {
			return fmt.Errorf("ttlv: cannot define %s value 0x%08X as %q: a built-in name", tagHexString(t), v, name)
		}
	}
	if old, ok := r.enumName[t][v]; ok {
		if old == name {
			return nil
		}
		return fmt.Errorf("ttlv: cannot define %s value 0x%08X as %q: already defined as %q", tagHexString(t), v, name, old)
	}
	if old, ok := r.enumValue[t][name]; ok {
		return fmt.Errorf("ttlv: cannot define %s value 0x%08X as %q: already the name of 0x%08X", tagHexString(t), v, name, old)
	}
	if r.enumName[t] == nil {
		r.enumName[t] = map[uint32]string{}
		r.enumValue[t] = map[string]uint32{}
	}
	r.enumName[t][v] = name
	r.enumValue[t][name] = v
	return nil
}

func tagHexString(t Tag) string {
	if !t.Valid() {
		return fmt.Sprintf("0x%X", uint32(t))
	}
	return t.Hex()
}

// TagName returns the name of t: a defined name, else the built-in one.
func (r *Registry) TagName(t Tag) (string, bool) {
	if r != nil {
		if name, ok := r.tagName[t]; ok {
			return name, true
		}
	}
	return builtinTagName(t)
}

// LookupTag is the package-level LookupTag, also accepting defined names.
func (r *Registry) LookupTag(name string) (Tag, bool) {
	if r != nil && len(r.tagByName) > 0 {
		if t, ok := r.tagByName[name]; ok {
			return t, true
		}
	}
	return LookupTag(name)
}

// LookupTagBytes is LookupTag for a name held in a []byte.
func (r *Registry) LookupTagBytes(name []byte) (Tag, bool) {
	if r != nil && len(r.tagByName) > 0 {
		if t, ok := r.tagByName[string(name)]; ok {
			return t, true
		}
	}
	return LookupTagBytes(name)
}

// EnumName is the package-level EnumName, also consulting defined values
// and, for Attribute Reference and Tag, defined tags.
func (r *Registry) EnumName(t Tag, v uint32) (string, bool) {
	if r == nil {
		return EnumName(t, v)
	}
	if name, ok := r.enumName[t][v]; ok {
		return name, true
	}
	if s := builtinSet(t); s != nil && s.kind == setKindTag && v <= 0xFFFFFF {
		return r.TagName(Tag(v))
	}
	return EnumName(t, v)
}

// LookupEnum is the package-level LookupEnum, also accepting defined names.
func (r *Registry) LookupEnum(t Tag, name string) (uint32, bool) {
	if r != nil {
		if v, ok := r.enumValue[t][name]; ok {
			return v, true
		}
		if s := builtinSet(t); s != nil && s.kind == setKindTag {
			tag, ok := r.LookupTag(name)
			return uint32(tag), ok
		}
	}
	return LookupEnum(t, name)
}

// LookupEnumBytes is LookupEnum for a name held in a []byte.
func (r *Registry) LookupEnumBytes(t Tag, name []byte) (uint32, bool) {
	if r != nil {
		if v, ok := r.enumValue[t][string(name)]; ok {
			return v, true
		}
		if s := builtinSet(t); s != nil && s.kind == setKindTag {
			tag, ok := r.LookupTagBytes(name)
			return uint32(tag), ok
		}
	}
	return LookupEnumBytes(t, name)
}

// IsMask reports whether t is a built-in bit mask (see the package-level
// IsMask); a Registry cannot turn other tags into masks.
func (r *Registry) IsMask(t Tag) bool { return IsMask(t) }

// bitName names one bit of mask t.
func (r *Registry) bitName(s *enumSet, t Tag, bit uint32) (string, bool) {
	if r != nil {
		if name, ok := r.enumName[t][bit]; ok {
			return name, true
		}
	}
	if s != nil {
		return s.valueName(bit)
	}
	return "", false
}

// AppendMask is the package-level AppendMask, also using defined bit names.
func (r *Registry) AppendMask(dst []byte, t Tag, v uint32) []byte {
	s := builtinSet(t)
	if s != nil && s.kind != setKindMask {
		s = nil
	}
	first := true
	rest := v
	if s != nil {
		for bits := v; bits != 0; bits &= bits - 1 {
			bit := bits & -bits
			if name, ok := r.bitName(s, t, bit); ok {
				if !first {
					dst = append(dst, '|')
				}
				dst = append(dst, name...)
				first = false
				rest &^= bit
			}
		}
	}
	if rest != 0 || first {
		if !first {
			dst = append(dst, '|')
		}
		dst = appendHex(dst, rest, 8)
	}
	return dst
}

func isMaskSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// ParseMask is the package-level ParseMask, also accepting defined bit
// names.
func (r *Registry) ParseMask(t Tag, s []byte) (uint32, bool) {
	set := builtinSet(t)
	if set != nil && set.kind != setKindMask {
		set = nil
	}
	var v uint32
	elems, afterBar := 0, false
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case isMaskSpace(c):
			i++
		case c == '|':
			if elems == 0 || afterBar {
				return 0, false
			}
			afterBar = true
			i++
		default:
			j := i
			for j < len(s) && s[j] != '|' && !isMaskSpace(s[j]) {
				j++
			}
			bits, ok := r.maskElement(set, t, s[i:j])
			if !ok {
				return 0, false
			}
			v |= bits
			elems++
			afterBar = false
			i = j
		}
	}
	if elems == 0 || afterBar {
		return 0, false
	}
	return v, true
}

// maskElement parses one element of a mask: hex or a bit name.
func (r *Registry) maskElement(set *enumSet, t Tag, e []byte) (uint32, bool) {
	if len(e) > 2 && e[0] == '0' && (e[1] == 'x' || e[1] == 'X') {
		if len(e) > 10 {
			return 0, false
		}
		var v uint32
		for _, c := range e[2:] {
			switch {
			case c >= '0' && c <= '9':
				c -= '0'
			case c|0x20 >= 'a' && c|0x20 <= 'f':
				c = c | 0x20 - 'a' + 10
			default:
				return 0, false
			}
			v = v<<4 | uint32(c)
		}
		return v, true
	}
	if r != nil {
		if v, ok := r.enumValue[t][string(e)]; ok {
			return v, true
		}
	}
	if set == nil {
		return 0, false
	}
	return lookupEnumName(set, e)
}

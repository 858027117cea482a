package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Set Defaults (KMIP 2.1 §6.1.53) and Query Defaults Information (2.1
// §6.1.40): "the default attributes that will be applied to Managed
// Objects during factory operations if the client does not supply
// values". The Defaults Information (§7.11) holds Object Defaults
// (§7.22), each the Attributes for an Object Type — 2.1's table gives
// "Object Type | ObjectTypes, Enumeration | Structure": one Object Type
// Enumeration or an Object Types Structure of them, both read — and,
// optionally, the Object Groups they pertain to ("if not pertinent to
// ALL Object Group values").
//
// kmipd applies them when an operation makes an object: Create, Create
// Key Pair (the Private Key's defaults to the private key, the Public
// Key's to the public key), Register, Derive Key, Certify, Re-certify,
// Create Split Key, Join Split Key and the 3.0 draft's Create User, Group
// and Credential. An attribute the object already has — from the
// request, a Template it names, or the object it registers (the key
// block's algorithm and length) — is kept; one it lacks is taken from
// the Object Defaults for its type that name one of its Object Groups,
// in the order set, then from those that name none, and is read as the
// request's attributes are (applyInitial) before the operation makes the
// key material and checks the constraints. Re-key and Re-key Key Pair
// (the replacement takes the replaced object's attributes) and Import
// (the object comes whole) apply none. The defaults are the server's,
// for every client, and kept in memory only, as the constraints are
// (constraints.go): under access control only an administrator sets them.
const (
	opSetDefaults uint32 = 0x36 // Operation, 2.1 §11.36

	queryDefaultsInformation uint32 = 0x0D // Query Function, 2.1 §11.44 (2.0 §11.43 Table 437 has it)

	rrInvalidObjectType uint32 = 0x30 // Result Reason, 2.1 §11.46
)

// defaultSet is what Set Defaults last set (Server.defaults: nil before
// any), never changed once set: a new set replaces it whole.
type defaultSet struct {
	rules []objectDefaults
}

// objectDefaults is one Object Defaults of the set.
type objectDefaults struct {
	scope        // its Object Types (at least one) and Object Groups
	enc   []byte // the Object Defaults structure as set, for Query
	attrs []attrIn
	tree  ttlv.Value // enc decoded, which attrs and groups alias
}

// setDefaults answers Set Defaults: the Object Defaults of the Defaults
// Information given replace the server's; none given (no Defaults
// Information, or one without Object Defaults) removes them all (2.1
// §6.1.53). An Undo batch that fails puts the previous ones back. An
// Object Type the server does not store in the request's version is
// Invalid Object Type; an attribute a client could not give a new object
// (one the server sets: Attribute Read Only), its Object Type, or one
// that names a single object (Name, Unique Identifier, Link) is refused.
func (c *reqCtx) setDefaults(p *ttlv.Value, b []byte) ([]byte, *opError) {
	if c.s.access != nil && !c.admin {
		return b, fail(rrPermissionDenied, "only an administrator sets the server's defaults")
	}
	set := &defaultSet{}
	if di := p.Child(ttlv.TagDefaultsInformation); di != nil {
		if di.Type != ttlv.TypeStructure {
			return b, fail(rrInvalidField, "Defaults Information is not a Structure")
		}
		for i := range di.Children {
			r, err := c.parseObjectDefaults(&di.Children[i])
			if err != nil {
				return b, err
			}
			set.rules = append(set.rules, r)
		}
	}
	prev := c.s.defaults.Swap(set)
	if c.journaling { // an Undo batch (server.go)
		c.journal = append(c.journal, journalEntry{defaults: set, prevDefaults: prev})
	}
	return b, nil
}

// parseObjectDefaults reads and checks one Object Defaults (2.1 §7.22).
func (c *reqCtx) parseObjectDefaults(v *ttlv.Value) (objectDefaults, *opError) {
	var r objectDefaults
	if v.Tag != ttlv.TagObjectDefaults || v.Type != ttlv.TypeStructure {
		return r, fail(rrInvalidField, "Defaults Information holds a %s", v.Tag)
	}
	r.enc = ttlv.Marshal(v)
	if err := ttlv.Unmarshal(r.enc, &r.tree); err != nil {
		return r, fail(rrInvalidMessage, "%v", err)
	}
	var hasAttrs bool
	seen := map[ttlv.Tag]bool{}
	for i := range r.tree.Children {
		ch := &r.tree.Children[i]
		if seen[ch.Tag] || ch.Tag == ttlv.TagObjectTypes && seen[ttlv.TagObjectType] || ch.Tag == ttlv.TagObjectType && seen[ttlv.TagObjectTypes] {
			return r, fail(rrInvalidField, "Object Defaults with two %s", ch.Tag)
		}
		seen[ch.Tag] = true
		switch {
		case ch.Tag == ttlv.TagObjectType && ch.Type == ttlv.TypeEnumeration:
			r.types = append(r.types, uint32(ch.Num))
		case (ch.Tag == ttlv.TagObjectTypes || ch.Tag == ttlv.TagObjectGroups) && ch.Type == ttlv.TypeStructure:
			if err := r.readList(ch); err != nil { // constraints.go
				return r, err
			}
		case ch.Tag == ttlv.TagAttributes && ch.Type == ttlv.TypeStructure:
			var err *opError
			if r.attrs, err = collectAttrs(nil, ch); err != nil {
				return r, err
			}
			hasAttrs = true
		default:
			return r, fail(rrInvalidField, "Object Defaults with a %s %s", ch.Tag, ch.Type)
		}
	}
	if len(r.types) == 0 || !hasAttrs {
		return r, fail(rrInvalidField, "Object Defaults needs an Object Type and Attributes")
	}
	for _, t := range r.types {
		if !c.storesType(t) {
			return r, fail(rrInvalidObjectType, "Object Defaults for Object Type %d, which this server does not store in %d.%d", t, c.major, c.minor)
		}
	}
	for i := range r.attrs {
		switch a := &r.attrs[i]; a.tag {
		case ttlv.TagObjectType, ttlv.TagName, ttlv.TagUniqueIdentifier, ttlv.TagLink, ttlv.TagTemplate:
			return r, fail(rrInvalidField, "a %s cannot be a default: it is the object's own", a.tag)
		}
	}
	// As a request's attributes are read, on an object of each type.
	for _, t := range r.types {
		if err := c.applyInitial(&object{objState: objState{typ: t}}, r.attrs); err != nil {
			return r, err
		}
	}
	return r, nil
}

// storesType reports whether the server stores objects of the type in
// the request's version (Query Objects lists it).
func (c *reqCtx) storesType(t uint32) bool {
	for _, s := range objectTypes {
		if s == t {
			return c.definesType(t)
		}
	}
	return false
}

// withDefaults gives the new object o, of type typ (o.typ but for the
// base of a Create Split Key), the server's default attributes it lacks,
// as the package comment says, and returns those it took (Create Key
// Pair reads its key's algorithm and length from them). Call it after
// the request's attributes are applied, with o not yet shared.
func (c *reqCtx) withDefaults(o *object, typ uint32) ([]attrIn, *opError) {
	set := c.s.defaults.Load()
	if set == nil || len(set.rules) == 0 {
		return nil, nil
	}
	var took []attrIn
	for _, grouped := range [2]bool{true, false} {
		for i := range set.rules {
			r := &set.rules[i]
			if (len(r.groups) > 0) != grouped || !r.binds(c, o, typ) {
				continue
			}
			// what o has before this rule (so that all the instances of
			// an attribute the rule gives more than once are taken)
			var has []bool
			for j := range r.attrs {
				has = append(has, hasAttribute(o, &r.attrs[j]))
			}
			for j := range r.attrs {
				if has[j] {
					continue
				}
				if err := c.applyInitial(o, r.attrs[j:j+1]); err != nil {
					return nil, err
				}
				took = append(took, r.attrs[j])
			}
		}
	}
	return took, nil
}

// hasAttribute reports whether o has the attribute a request's a names
// (its field attributes included).
func hasAttribute(o *object, a *attrIn) bool {
	switch a.tag {
	case ttlv.TagCryptographicAlgorithm:
		return o.alg != 0
	case ttlv.TagCryptographicLength:
		return o.length != 0
	case ttlv.TagCryptographicUsageMask:
		return o.hasUsage
	}
	return o.findAttr(a.tag, a.vendor, a.name, 0) >= 0
}

// appendDefaults appends, for Query Defaults Information, the Defaults
// Information: the Object Defaults set, those for the Object Groups the
// Query names if it names any (with the ones for all groups), each as
// the request's version has it (versionDefaults); nothing when there
// are none ("the response payload is empty if there are no values to
// return", 2.1 §6.1.40).
func (c *reqCtx) appendDefaults(p *ttlv.Value, b []byte) []byte {
	set := c.s.defaults.Load()
	if set == nil {
		return b
	}
	var groups []ttlv.Value
	if og := p.Child(ttlv.TagObjectGroups); og != nil {
		for i := range og.Children {
			if g := &og.Children[i]; g.Tag == ttlv.TagObjectGroup && g.Type == ttlv.TypeTextString {
				groups = append(groups, *g)
			}
		}
	}
	var out [][]byte
	for i := range set.rules {
		r := &set.rules[i]
		if len(groups) > 0 && len(r.groups) > 0 && !sharesGroup(r.groups, groups) {
			continue
		}
		out = c.versionDefaults(out, r)
	}
	if len(out) == 0 {
		return b
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagDefaultsInformation)
	for _, enc := range out {
		b = append(b, enc...)
	}
	ttlv.EndStructure(b, m)
	return b
}

// versionDefaults appends to out the Object Defaults r as the request's
// protocol version has them, for Query: the Object Types it does not
// have (definesType: the 3.0 draft's users, groups and credentials
// before 3.0) and the attributes it does not have (hasAttr) left out,
// and nothing when none of either is left. KMIP 2.0 has Defaults
// Information (2.0 §7.7 Table 327) and the Query Function (2.0 Table
// 437), but its Object Defaults (2.0 §7.18 Table 338) is one Object Type
// Enumeration and Attributes, without the Object Types and Object
// Groups of 2.1 §7.22 (tags 0x420166 and 0x420167, not in 2.0's Table
// 446): in 2.0, Object Defaults for several types are one Object
// Defaults each, and those for some Object Groups only are left out, as
// 2.0 cannot say that they do not apply to every object of the type.
// Object Defaults the version has whole are answered as set.
func (c *reqCtx) versionDefaults(out [][]byte, r *objectDefaults) [][]byte {
	v20 := c.major == 2 && c.minor == 0
	if v20 && len(r.groups) > 0 {
		return out
	}
	types := make([]uint32, 0, len(r.types))
	for _, t := range r.types {
		if c.definesType(t) {
			types = append(types, t)
		}
	}
	var attrs, kept []ttlv.Value
	if a := r.tree.Child(ttlv.TagAttributes); a != nil {
		attrs = a.Children
	}
	for i := range attrs {
		if c.hasAttr(attrs[i].Tag) {
			kept = append(kept, attrs[i])
		}
	}
	if len(types) == 0 || len(kept) == 0 {
		return out
	}
	if !v20 && len(types) == len(r.types) && len(kept) == len(attrs) {
		return append(out, r.enc)
	}
	appendAttrs := func(b []byte) []byte {
		b, m := ttlv.BeginStructure(b, ttlv.TagAttributes)
		for i := range kept {
			b = append(b, ttlv.Marshal(&kept[i])...)
		}
		ttlv.EndStructure(b, m)
		return b
	}
	if v20 {
		for _, t := range types {
			b, m := ttlv.BeginStructure(nil, ttlv.TagObjectDefaults)
			b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, t)
			b = appendAttrs(b)
			ttlv.EndStructure(b, m)
			out = append(out, b)
		}
		return out
	}
	b, m := ttlv.BeginStructure(nil, ttlv.TagObjectDefaults)
	if r.tree.Child(ttlv.TagObjectTypes) == nil && len(types) == 1 {
		b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, types[0])
	} else {
		var mt int
		b, mt = ttlv.BeginStructure(b, ttlv.TagObjectTypes)
		for _, t := range types {
			b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, t)
		}
		ttlv.EndStructure(b, mt)
	}
	b = appendAttrs(b)
	if len(r.groups) > 0 {
		var mg int
		b, mg = ttlv.BeginStructure(b, ttlv.TagObjectGroups)
		for i := range r.groups {
			b = append(b, ttlv.Marshal(&r.groups[i])...)
		}
		ttlv.EndStructure(b, mg)
	}
	ttlv.EndStructure(b, m)
	return append(out, b)
}

// sharesGroup reports whether two lists of Object Group Text Strings
// have one in common.
func sharesGroup(a, b []ttlv.Value) bool {
	for i := range a {
		for j := range b {
			if string(a[i].Bytes) == string(b[j].Bytes) {
				return true
			}
		}
	}
	return false
}

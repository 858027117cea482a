package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Set Constraints and Get Constraints (KMIP 2.1 §6.1.52, §6.1.22): the
// constraints "applied to operations that create Managed Objects" (2.1
// §7.6). 2.1 gives a Constraint's parts — Object Types, Object Groups,
// Attributes — but not how a server applies them; kmipd reads one as a
// rule on the objects an operation makes: an object of one of its Object
// Types (any type, when it names none), in one of its Object Groups (any
// object, when it names none), must have each of its Attributes, matched
// as a Locate filter matches them (so a Cryptographic Usage Mask there is
// the bits the object's mask must have, a Name the Name Value). A new
// object that breaks one fails its operation with Constraint Violation
// (2.1 §11.46), before it is stored and before the operation changes any
// other object. The constraints are the server's, for every client, and
// kept in memory only: a restart forgets them.
const (
	opSetConstraints uint32 = 0x37 // Operation, 2.1 §11.36
	opGetConstraints uint32 = 0x38

	rrConstraintViolation uint32 = 0x4B // Result Reason, 2.1 §11.46
)

// constraintSet is what Set Constraints last set (Server.constraints: nil
// before any), never changed once set: a new set replaces it whole.
type constraintSet struct {
	// enc is the Constraints structure as set, answered by Get Constraints.
	enc []byte
	// tree is enc decoded, which rules alias.
	tree  ttlv.Value
	rules []constraint
}

// constraint is one Constraint of the set.
type constraint struct {
	scope
	attrs []attrIn
}

// scope is the objects a constraint or an Object Defaults binds: those of
// one of its Object Types (none given: any type) that are in one of its
// Object Groups (none given: any group).
type scope struct {
	types  []uint32
	groups []ttlv.Value // Object Group Text Strings
}

// readList adds to s the items of an Object Types Structure (Object
// Type Enumerations) or an Object Groups Structure (Object Group Text
// Strings), as a Constraint (2.1 §7.6) and an Object Defaults (§7.22)
// give them; an item of another tag or type is Invalid Field. list is
// one of the two.
func (s *scope) readList(list *ttlv.Value) *opError {
	tag, typ, name := ttlv.TagObjectType, ttlv.TypeEnumeration, "Object Types"
	if list.Tag == ttlv.TagObjectGroups {
		tag, typ, name = ttlv.TagObjectGroup, ttlv.TypeTextString, "Object Groups"
	}
	for i := range list.Children {
		it := &list.Children[i]
		if it.Tag != tag || it.Type != typ {
			return fail(rrInvalidField, "%s holds a %s", name, it.Tag)
		}
		if tag == ttlv.TagObjectType {
			s.types = append(s.types, uint32(it.Num))
		} else {
			s.groups = append(s.groups, *it)
		}
	}
	return nil
}

// setConstraints answers Set Constraints: the Constraints given replace
// the server's (an empty Constraints structure removes them); an Undo
// batch that fails puts the previous ones back. Under
// access control only an administrator may set them, as they bind every
// client's objects: anyone else is Permission Denied.
func (c *reqCtx) setConstraints(p *ttlv.Value, b []byte) ([]byte, *opError) {
	if c.s.access != nil && !c.admin {
		return b, fail(rrPermissionDenied, "only an administrator sets the server's constraints")
	}
	cs := p.Child(ttlv.TagConstraints)
	if cs == nil || cs.Type != ttlv.TypeStructure {
		return b, fail(rrInvalidField, "Set Constraints without a Constraints structure")
	}
	set := &constraintSet{enc: ttlv.Marshal(cs)}
	if err := ttlv.Unmarshal(set.enc, &set.tree); err != nil {
		return b, fail(rrInvalidMessage, "%v", err)
	}
	for i := range set.tree.Children {
		r, err := parseConstraint(&set.tree.Children[i])
		if err != nil {
			return b, err
		}
		set.rules = append(set.rules, r)
	}
	prev := c.s.constraints.Swap(set)
	if c.journaling { // an Undo batch (server.go)
		c.journal = append(c.journal, journalEntry{constraints: set, prevConstraints: prev})
	}
	return b, nil
}

// parseConstraint reads one Constraint (2.1 §7.6): its Object Types
// (Object Type Enumerations), Object Groups (Object Group Text Strings)
// and Attributes (any attributes, as a Locate gives them), each optional
// and at most once.
func parseConstraint(v *ttlv.Value) (constraint, *opError) {
	var r constraint
	if v.Tag != ttlv.TagConstraint || v.Type != ttlv.TypeStructure {
		return r, fail(rrInvalidField, "Constraints holds a %s", v.Tag)
	}
	seen := map[ttlv.Tag]bool{}
	for i := range v.Children {
		ch := &v.Children[i]
		if seen[ch.Tag] {
			return r, fail(rrInvalidField, "Constraint with two %s", ch.Tag)
		}
		seen[ch.Tag] = true
		if ch.Type != ttlv.TypeStructure {
			return r, fail(rrInvalidField, "%s is not a Structure", ch.Tag)
		}
		switch ch.Tag {
		case ttlv.TagObjectTypes, ttlv.TagObjectGroups:
			if err := r.readList(ch); err != nil {
				return r, err
			}
		case ttlv.TagAttributes:
			var err *opError
			if r.attrs, err = collectAttrs(nil, ch); err != nil {
				return r, err
			}
		default:
			return r, fail(rrInvalidField, "Constraint with a %s", ch.Tag)
		}
	}
	return r, nil
}

// getConstraints answers Get Constraints: the Constraints last set, an
// empty Constraints structure before any (the item is required, 2.1
// Table 230).
func (c *reqCtx) getConstraints(_ *ttlv.Value, b []byte) ([]byte, *opError) {
	k := c.s.constraints.Load()
	if k == nil {
		b, m := ttlv.BeginStructure(b, ttlv.TagConstraints)
		ttlv.EndStructure(b, m)
		return b, nil
	}
	return append(b, k.enc...), nil
}

// constrain checks the objects an operation is about to store against the
// server's constraints: Constraint Violation for the first one a
// constraint applies to that lacks one of its attributes. Call it before
// the operation stores anything or changes another object, with no lock
// of the objects held (nobody else holds them yet).
func (c *reqCtx) constrain(objs ...*object) *opError {
	k := c.s.constraints.Load()
	if k == nil {
		return nil
	}
	for _, o := range objs {
		for i := range k.rules {
			r := &k.rules[i]
			if !r.binds(c, o, o.typ) {
				continue
			}
			for j := range r.attrs {
				if !c.matches(o, &r.attrs[j]) {
					name, _ := ttlv.EnumName(ttlv.TagObjectType, o.typ)
					return fail(rrConstraintViolation, "the new %s breaks constraint %d of the server: it lacks the %s asked for", name, i+1, r.attrs[j].tag)
				}
			}
		}
	}
	return nil
}

// binds reports whether the scope takes in o, of type typ (o.typ but
// for the base of a Create Split Key). Call it with o unshared or its
// lock held.
func (s *scope) binds(c *reqCtx, o *object, typ uint32) bool {
	if len(s.types) > 0 {
		in := false
		for _, t := range s.types {
			in = in || t == typ
		}
		if !in {
			return false
		}
	}
	if len(s.groups) == 0 {
		return true
	}
	for i := range s.groups {
		if c.matches(o, &attrIn{tag: ttlv.TagObjectGroup, index: -1, val: s.groups[i]}) {
			return true
		}
	}
	return false
}

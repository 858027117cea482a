package conform

import (
	"bytes"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/kmipwire/kmipwire/ttlv"
)

// node is one item element as encoding/xml reads it: the comparisons use
// the standard library's parser, independent of xmlttlv's scanner.
type node struct {
	index    int // pre-order position in the message, from 0
	line     int
	tag      ttlv.Tag
	vtag     ttlv.Tag // the tag whose names the value uses (KMIP 1.x AttributeValue: its AttributeName's)
	typ      ttlv.Type
	value    string
	hasValue bool
	children []*node
}

// parseTree reads one message element with encoding/xml.
func parseTree(src []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(src))
	var stack []*node
	var root *node
	n := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("encoding/xml: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			line, _ := dec.InputPos()
			nd := &node{index: n, line: line, typ: ttlv.TypeStructure}
			n++
			name := t.Name.Local
			for _, a := range t.Attr {
				switch a.Name.Local {
				case "tag":
					if name == "TTLV" {
						name = a.Value
					}
				case "type":
					typ, ok := typeByName[a.Value]
					if !ok {
						return nil, fmt.Errorf("line %d: unknown type %q", line, a.Value)
					}
					nd.typ = typ
				case "value":
					nd.value, nd.hasValue = a.Value, true
				}
			}
			tag, ok := resolveTag(name)
			if !ok {
				return nil, fmt.Errorf("line %d: unknown tag %q", line, name)
			}
			nd.tag, nd.vtag = tag, tag
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				if tag == ttlv.TagAttributeValue {
					for _, sib := range p.children {
						if sib.tag == ttlv.TagAttributeName {
							if at, ok := ttlv.LookupAttributeName(sib.value); ok {
								nd.vtag = at
							}
						}
					}
				}
				p.children = append(p.children, nd)
			} else if root == nil {
				root = nd
			}
			stack = append(stack, nd)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, errors.New("no element")
	}
	return root, nil
}

var typeByName = func() map[string]ttlv.Type {
	m := map[string]ttlv.Type{}
	for t := ttlv.TypeStructure; t.Valid(); t++ {
		m[t.String()] = t
	}
	return m
}()

func resolveTag(name string) (ttlv.Tag, bool) {
	if h, ok := strings.CutPrefix(name, "0x"); ok && len(h) == 6 {
		v, err := strconv.ParseUint(h, 16, 32)
		return ttlv.Tag(v), err == nil
	}
	if len(name) == 7 && name[0] == 'x' {
		if v, err := strconv.ParseUint(name[1:], 16, 32); err == nil {
			return ttlv.Tag(v), true
		}
	}
	return Registry().LookupTag(name)
}

// Diff is the first difference between two messages.
type Diff struct {
	// Path is the tag path of the item that differs (its parent's, for a
	// missing or extra item).
	Path ttlv.Path
	// Line is the line of the expected item in its message, from 1.
	Line int
	// What says how it differs.
	What string
}

// Error implements error: the tag path and how the item differs.
func (d *Diff) Error() string {
	return fmt.Sprintf("%s: %s", d.Path, d.What)
}

// comparer compares an expected tree with an actual one. valueOf returns
// the expected text for an expected value that begins with '$' (check
// false to ignore the item's value), binding unbound names when bind is
// true; ignore marks items whose value is
// inherently variable.
//
// Order matters, except where KMIP gives it no meaning (see unordered):
// those items are matched as a set. In a Query response
// payload (subset true), the expected Operation and ObjectType items must
// all be present, the server may list more, and the other items describe
// the reference server (vendor, server information, profiles) and are not
// compared.
type comparer struct {
	valueOf func(exp, act *node, bind bool) (want string, check bool)
	ignore  func(item int, path ttlv.Path, exp *node) bool
	// same, for a value ignore skipped, returns what the server must
	// answer there (check true) because the test case wrote the same
	// value earlier: a randomized output the reference run gave twice
	// (the key two sides agree by ECDH) must be one value from the server
	// too. bind lets it note the first.
	same func(item int, path ttlv.Path, exp, act *node, bind bool) (want string, check bool)
	// query marks Query response payloads, compared as described above.
	query func(path ttlv.Path) bool
	// versions marks Discover Versions response payloads: the expected
	// Protocol Versions must be listed in the same relative order; the
	// server may list more (those it supports beyond the reference).
	versions func(path ttlv.Path) bool
	// item is the index of the BatchItem being compared, from 0 (-1
	// before the first): ignore may depend on the request item it answers.
	item int
	// opaque lists the Structures compared by presence and type only.
	opaque map[ttlv.Tag]bool
	// trial disables binding (valueOf is not called for unbound names):
	// set while trying candidate matches of unordered items.
	trial bool
	// normalized counts values equal in meaning but written differently.
	normalized int
}

func (c *comparer) compare(exp, act *node, path ttlv.Path) *Diff {
	path = append(path, exp.tag)
	if exp.tag != act.tag {
		return &Diff{Path: path[:len(path)-1], Line: exp.line, What: fmt.Sprintf("item %s where %s was expected", act.tag, exp.tag)}
	}
	if exp.typ != act.typ {
		return &Diff{Path: path, Line: exp.line, What: fmt.Sprintf("type %s, want %s", act.typ, exp.typ)}
	}
	if exp.typ == ttlv.TypeStructure {
		if len(path) == 2 && exp.tag == ttlv.TagBatchItem {
			c.item++
		}
		if c.opaque[exp.tag] || c.opaque[exp.vtag] {
			return nil // present, with the right type: enough
		}
		if c.query != nil && c.query(path) {
			return c.subset(exp, act, path)
		}
		if c.versions != nil && c.versions(path) {
			return c.subsequence(exp, act, path)
		}
		return c.children(exp, act, path)
	}
	if c.ignore != nil && c.ignore(c.item, path, exp) {
		if c.same != nil {
			if want, check := c.same(c.item, path, exp, act, !c.trial); check && want != act.value {
				return &Diff{Path: path, Line: exp.line, What: fmt.Sprintf("value %q, want %q (the server's earlier answer where the test case has this same value)", act.value, want)}
			}
		}
		return nil
	}
	want := exp.value
	if strings.HasPrefix(want, "$") && c.valueOf != nil {
		w, check := c.valueOf(exp, act, !c.trial)
		if !check {
			return nil
		}
		want = w
	}
	if want == act.value {
		return nil
	}
	if sameValue(exp.typ, exp.vtag, want, act.value) {
		c.normalized++
		return nil
	}
	return &Diff{Path: path, Line: exp.line, What: fmt.Sprintf("value %q, want %q", act.value, want)}
}

// describesServer lists the Structures that describe the server rather
// than the object or the operation: only their presence and type are
// compared. A Random Number Generator attribute (KMIP 1.4 §3.44, KMIP 2.1
// §4.48) names the RNG of the server that made the object (the reference
// run's ANSI X9.31, another server's DRBG); Server Information (KMIP 1.4
// §4.25, KMIP 2.1 §6.1.37) is vendor-specific.
var describesServer = map[ttlv.Tag]bool{
	ttlv.TagRandomNumberGenerator: true,
	ttlv.TagServerInformation:     true,
}

// optional lists the response items a server may add where the reference
// response has none: Located Items, which "a server MAY elect to return
// … even if Offset Items is not present in the Request" (KMIP 2.1 §6.1.28;
// KMIP 1.4 §4.9 likewise).
var optional = map[ttlv.Tag]bool{
	ttlv.TagLocatedItems:           true,
	ttlv.TagServerCorrelationValue: true,
}

// serverChoice lists the items whose presence is the server's choice
// either way: a Server Correlation Value, which the server "SHOULD"
// provide (KMIP 2.1 §9.10, 1.4 §6.19) — some reference runs have one in
// every response header, most none; its value is the server's (ignored).
var serverChoice = map[ttlv.Tag]bool{
	ttlv.TagServerCorrelationValue: true,
}

func hasChild(n *node, tag ttlv.Tag) bool {
	for _, c := range n.children {
		if c.tag == tag {
			return true
		}
	}
	return false
}

// unordered reports whether child of a Structure tagged parent is matched
// as a member of a set: KMIP 1.x Attributes, the items of a KMIP 2.x
// Attributes, and the attribute names of a Get Attribute List response
// payload (AttributeName in 1.x, AttributeReference in 2.x).
func unordered(parent ttlv.Tag, child *node) bool {
	switch {
	case parent == ttlv.TagAttributes, child.tag == ttlv.TagAttribute:
		return true
	case parent == ttlv.TagResponsePayload:
		return child.tag == ttlv.TagAttributeName || child.tag == ttlv.TagAttributeReference
	}
	return false
}

// children compares the items of two Structures: the ordered ones pairwise
// in order, the unordered ones as sets.
func (c *comparer) children(exp, act *node, path ttlv.Path) *Diff {
	var eo, ao, eu, au []*node
	for _, n := range exp.children {
		if serverChoice[n.tag] && !hasChild(act, n.tag) {
			continue // the server chose not to send it
		}
		if unordered(exp.tag, n) {
			eu = append(eu, n)
		} else {
			eo = append(eo, n)
		}
	}
	for _, n := range act.children {
		if optional[n.tag] && !hasChild(exp, n.tag) {
			continue // may be added by the server
		}
		if unordered(act.tag, n) {
			au = append(au, n)
		} else {
			ao = append(ao, n)
		}
	}
	for i, ec := range eo {
		if i >= len(ao) {
			return &Diff{Path: path, Line: ec.line, What: fmt.Sprintf("missing item %s (and %d more)", ec.tag, len(eo)-i-1)}
		}
		if d := c.compare(ec, ao[i], path); d != nil {
			return d
		}
	}
	if len(ao) > len(eo) {
		extra := ao[len(eo)]
		return &Diff{Path: path, Line: exp.line, What: fmt.Sprintf("unexpected item %s %s", extra.tag, describe(extra))}
	}
	used := make([]bool, len(au))
	for _, ec := range eu {
		match := -1
		for j, ac := range au {
			if used[j] {
				continue
			}
			trial := comparer{valueOf: c.valueOf, ignore: c.ignore, same: c.same, query: c.query, versions: c.versions, item: c.item, opaque: c.opaque, trial: true}
			if trial.compare(ec, ac, path) == nil {
				match = j
				break
			}
		}
		if match < 0 {
			// The item with the same name, if any, says what differs.
			for j, ac := range au {
				if !used[j] && ac.tag == ec.tag && attrLabel(ac) == attrLabel(ec) {
					trial := comparer{valueOf: c.valueOf, ignore: c.ignore, same: c.same, query: c.query, versions: c.versions, item: c.item, opaque: c.opaque, trial: true}
					if d := trial.compare(ec, ac, path); d != nil {
						return d
					}
				}
			}
			return &Diff{Path: path, Line: ec.line, What: fmt.Sprintf("missing item %s%s", ec.tag, attrLabel(ec))}
		}
		used[match] = true
		if d := c.compare(ec, au[match], path); d != nil { // binds placeholders
			return d
		}
	}
	for j, ac := range au {
		if !used[j] {
			return &Diff{Path: path, Line: exp.line, What: fmt.Sprintf("unexpected item %s%s", ac.tag, attrLabel(ac))}
		}
	}
	return nil
}

// attrLabel names a KMIP 1.x Attribute by its AttributeName, a primitive
// by its value.
func attrLabel(n *node) string {
	for _, c := range n.children {
		if c.tag == ttlv.TagAttributeName {
			return fmt.Sprintf(" (%q)", c.value)
		}
	}
	if n.typ != ttlv.TypeStructure {
		return " " + describe(n)
	}
	return ""
}

// subset compares a Query response payload: every expected Operation and
// ObjectType is listed.
func (c *comparer) subset(exp, act *node, path ttlv.Path) *Diff {
	have := map[string]bool{}
	for _, a := range act.children {
		if a.tag == ttlv.TagOperation || a.tag == ttlv.TagObjectType {
			have[a.tag.String()+"="+a.value] = true
		}
	}
	for _, e := range exp.children {
		if e.tag == ttlv.TagOperation || e.tag == ttlv.TagObjectType {
			if !have[e.tag.String()+"="+e.value] {
				return &Diff{Path: path, Line: e.line, What: fmt.Sprintf("%s %s not listed", e.tag, e.value)}
			}
		}
	}
	return nil
}

// subsequence compares a Discover Versions response payload: the expected
// items appear among the actual ones in the same order, others may come
// between them.
func (c *comparer) subsequence(exp, act *node, path ttlv.Path) *Diff {
	j := 0
	for _, e := range exp.children {
		found := false
		for ; j < len(act.children); j++ {
			trial := comparer{valueOf: c.valueOf, ignore: c.ignore, same: c.same, item: c.item, opaque: c.opaque, trial: true}
			if trial.compare(e, act.children[j], path) == nil {
				found = true
				j++
				break
			}
		}
		if !found {
			return &Diff{Path: path, Line: e.line, What: fmt.Sprintf("%s %s not listed in this order", e.tag, versionLabel(e))}
		}
	}
	return nil
}

// versionLabel writes a Protocol Version as "1.4".
func versionLabel(n *node) string {
	return childValue(n, ttlv.TagProtocolVersionMajor) + "." + childValue(n, ttlv.TagProtocolVersionMinor)
}

func describe(n *node) string {
	if n.typ == ttlv.TypeStructure {
		return "(Structure)"
	}
	v := n.value
	if len(v) > 40 {
		v = v[:40] + "…"
	}
	return fmt.Sprintf("%s %q", n.typ, v)
}

// sameValue reports whether a and b, written differently, mean the same
// value of type typ. It is independent of xmlttlv: it parses with the
// standard library and the ttlv registry.
func sameValue(typ ttlv.Type, vtag ttlv.Tag, a, b string) bool {
	switch typ {
	case ttlv.TypeInteger, ttlv.TypeLongInteger, ttlv.TypeInterval:
		x, okx := number(vtag, a)
		y, oky := number(vtag, b)
		return okx && oky && x == y
	case ttlv.TypeEnumeration:
		x, okx := enumValue(vtag, a)
		y, oky := enumValue(vtag, b)
		return okx && oky && x == y
	case ttlv.TypeBoolean:
		x, errx := strconv.ParseBool(strings.TrimSpace(a))
		y, erry := strconv.ParseBool(strings.TrimSpace(b))
		return errx == nil && erry == nil && x == y
	case ttlv.TypeByteString:
		return strings.EqualFold(a, b)
	case ttlv.TypeBigInteger:
		x, okx := bigValue(a)
		y, oky := bigValue(b)
		return okx && oky && x.Cmp(y) == 0
	case ttlv.TypeDateTime, ttlv.TypeDateTimeExtended:
		x, errx := time.Parse(time.RFC3339Nano, a)
		y, erry := time.Parse(time.RFC3339Nano, b)
		return errx == nil && erry == nil && x.Equal(y)
	}
	return false
}

// number parses an Integer, Long Integer or Interval written in decimal,
// in hex, or as a mask (names and hex separated by spaces or '|', in any
// order).
func number(vtag ttlv.Tag, s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseInt(s, 10, 64); err == nil {
		return v, true
	}
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		if v, err := strconv.ParseUint(h, 16, 64); err == nil {
			return int64(v), true
		}
	}
	var m uint32
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '|' }) {
		if h, ok := strings.CutPrefix(f, "0x"); ok {
			v, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				return 0, false
			}
			m |= uint32(v)
			continue
		}
		v, ok := maskBit(vtag, f)
		if !ok {
			return 0, false
		}
		m |= v
	}
	return int64(int32(m)), true
}

// maskBit resolves one mask name through the registry.
func maskBit(vtag ttlv.Tag, name string) (uint32, bool) {
	if Registry().IsMask(vtag) {
		return Registry().ParseMask(vtag, []byte(name))
	}
	return 0, false
}

func enumValue(vtag ttlv.Tag, s string) (uint32, bool) {
	if h, ok := strings.CutPrefix(s, "0x"); ok {
		v, err := strconv.ParseUint(h, 16, 32)
		return uint32(v), err == nil
	}
	return Registry().LookupEnum(vtag, s)
}

func bigValue(s string) (*big.Int, bool) {
	s = strings.TrimPrefix(s, "0x")
	b, err := hex.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, false
	}
	x := new(big.Int).SetBytes(b)
	if b[0]&0x80 != 0 {
		x.Sub(x, new(big.Int).Lsh(big.NewInt(1), uint(8*len(b))))
	}
	return x, true
}

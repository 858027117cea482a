package kmipserver

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"strings"

	"github.com/kmipwire/kmipwire/ttlv"
)

// attr is a stored attribute. Standard attributes are encoded as a TTLV
// item tagged with the attribute's own tag (the KMIP 2.x form, KMIP 2.1
// §4); custom and vendor attributes (KMIP 1.4 §3.39 Custom Attribute, 2.1
// §4.x Vendor Attribute) have tag 0, a name and a value item tagged
// Attribute Value.
type attr struct {
	tag    ttlv.Tag
	vendor string
	name   string
	enc    []byte
}

// attrIn is an attribute as a request carries it.
type attrIn struct {
	tag    ttlv.Tag
	vendor string
	name   string
	index  int32 // KMIP 1.x Attribute Index, -1 when absent
	val    ttlv.Value
}

// encode returns the stored form of an attribute from a request.
func (a *attrIn) encode() attr {
	v := a.val
	if a.tag != 0 {
		v.Tag = a.tag
	} else {
		v.Tag = ttlv.TagAttributeValue
	}
	return attr{tag: a.tag, vendor: a.vendor, name: a.name, enc: ttlv.AppendValue(nil, &v)}
}

// sameAttr reports whether a stored attribute is the one a request names.
func (a *attr) is(tag ttlv.Tag, vendor, name string) bool {
	if tag != 0 {
		return a.tag == tag
	}
	return a.tag == 0 && a.name == name && (vendor == "" || a.vendor == vendor)
}

// defaultVendor is the Vendor Identification KMIP 2.x clients see for
// custom attributes set by KMIP 1.x clients.
const defaultVendor = "x"

// isCustomName reports a KMIP 1.x custom attribute name (1.4 §3.39:
// "x-" client-defined, "y-" server-defined).
func isCustomName(name string) bool {
	return strings.HasPrefix(name, "x-") || strings.HasPrefix(name, "y-") ||
		strings.HasPrefix(name, "X-") || strings.HasPrefix(name, "Y-")
}

// parseAttribute reads an Attribute Structure: KMIP 1.x {Attribute Name,
// Attribute Index, Attribute Value}, or the KMIP 2.x vendor form {Vendor
// Identification, Attribute Name, Attribute Value}.
func parseAttribute(v *ttlv.Value) (attrIn, *opError) {
	a := attrIn{index: -1}
	if v.Type != ttlv.TypeStructure {
		return a, fail(rrInvalidField, "Attribute is not a Structure")
	}
	var val *ttlv.Value
	for i := range v.Children {
		ch := &v.Children[i]
		switch ch.Tag {
		case ttlv.TagVendorIdentification:
			a.vendor = string(ch.Bytes)
		case ttlv.TagAttributeName:
			a.name = string(ch.Bytes)
		case ttlv.TagAttributeIndex:
			a.index = int32(ch.Num)
		case ttlv.TagAttributeValue:
			val = ch
		}
	}
	if a.name == "" {
		return a, fail(rrInvalidField, "Attribute without Attribute Name")
	}
	if val == nil {
		return a, fail(rrInvalidField, "Attribute %q without Attribute Value", a.name)
	}
	a.val = *val
	if a.vendor == "" && isCustomName(a.name) {
		a.vendor = defaultVendor // a 1.x custom attribute as 2.x sees it
	}
	if a.vendor == "" {
		t, ok := ttlv.LookupAttributeName(a.name)
		if !ok {
			return a, fail(rrInvalidField, "unknown attribute %q", a.name)
		}
		a.tag = t
		a.val.Tag = t
	}
	return a, nil
}

// collectAttrs appends the attributes of a TemplateAttribute (KMIP 1.x) or
// Attributes (2.x) Structure. Template references (a Name in a 1.x
// TemplateAttribute) are not supported and ignored.
func collectAttrs(dst []attrIn, v *ttlv.Value) ([]attrIn, *opError) {
	if v == nil {
		return dst, nil
	}
	if v.Type != ttlv.TypeStructure {
		return dst, fail(rrInvalidField, "%s is not a Structure", v.Tag)
	}
	legacy := legacyContainer(v.Tag)
	for i := range v.Children {
		ch := &v.Children[i]
		switch {
		case ch.Tag == ttlv.TagAttribute:
			a, err := parseAttribute(ch)
			if err != nil {
				return dst, err
			}
			dst = append(dst, a)
		case legacy && ch.Tag == ttlv.TagName:
			// a Template's Name: its attributes come first (template.go)
			dst = append(dst, attrIn{tag: ttlv.TagTemplate, index: -1, val: *ch})
		default:
			dst = append(dst, attrIn{tag: ch.Tag, index: -1, val: *ch})
		}
	}
	return dst, nil
}

// legacyContainer reports the KMIP 1.x attribute containers, the
// Template-Attributes, which may name Templates.
func legacyContainer(t ttlv.Tag) bool {
	return t == ttlv.TagTemplateAttribute || t == ttlv.TagCommonTemplateAttribute ||
		t == ttlv.TagPrivateKeyTemplateAttribute || t == ttlv.TagPublicKeyTemplateAttribute
}

// multiValued lists the attributes that may have several instances.
func multiValued(t ttlv.Tag) bool {
	switch t {
	case 0, ttlv.TagName, ttlv.TagLink, ttlv.TagApplicationSpecificInformation, ttlv.TagObjectGroup,
		ttlv.TagAlternativeName, ttlv.TagDigest, ttlv.TagCryptographicParameters, ttlv.TagCertificateIdentifier,
		ttlv.TagCredentialLink, ttlv.TagGroupLink: // 3.0 draft §4.35: a user may hold several
		return true
	}
	return false
}

// readOnly lists the attributes only the server sets (KMIP 2.1 §4 "Rules",
// "Modifiable by client: No"). Cryptographic Algorithm and Length may be
// given at creation; apply checks that separately.
func readOnly(t ttlv.Tag) bool {
	switch t {
	case ttlv.TagUniqueIdentifier, ttlv.TagObjectType, ttlv.TagCryptographicAlgorithm,
		ttlv.TagCryptographicLength, ttlv.TagState, ttlv.TagInitialDate, ttlv.TagDestroyDate,
		ttlv.TagCompromiseDate, ttlv.TagCompromiseOccurrenceDate, ttlv.TagRevocationReason,
		ttlv.TagDeactivationReason, ttlv.TagLastChangeDate, ttlv.TagFresh, ttlv.TagKeyValuePresent,
		ttlv.TagDigest, ttlv.TagCertificateType, ttlv.TagCertificateLength, ttlv.TagAlwaysSensitive,
		ttlv.TagNeverExtractable, ttlv.TagArchiveDate, ttlv.TagKeyFormatType:
		return true
	}
	return certDerived(t)
}

// immutable lists the attributes a client may not modify or delete: the
// read-only ones, and Original Creation Date, which a client may add once
// (KMIP 1.4 §3.43).
func immutable(t ttlv.Tag) bool {
	return readOnly(t) || t == ttlv.TagOriginalCreationDate
}

// attr1xSince gives, for each attribute KMIP 1.x defines, the first 1.x
// minor version that has it (KMIP 1.0–1.4 §3; an attribute's tag was
// allocated by the version that introduced it).
func attr1xSince(t ttlv.Tag) (int32, bool) {
	switch t {
	case ttlv.TagUniqueIdentifier, ttlv.TagName, ttlv.TagObjectType, ttlv.TagCryptographicAlgorithm,
		ttlv.TagCryptographicLength, ttlv.TagCryptographicParameters, ttlv.TagCryptographicDomainParameters,
		ttlv.TagCertificateType, ttlv.TagCertificateIdentifier, ttlv.TagCertificateSubject,
		ttlv.TagCertificateIssuer, ttlv.TagDigest, ttlv.TagOperationPolicyName,
		ttlv.TagCryptographicUsageMask, ttlv.TagLeaseTime, ttlv.TagUsageLimits, ttlv.TagState,
		ttlv.TagInitialDate, ttlv.TagActivationDate, ttlv.TagProcessStartDate, ttlv.TagProtectStopDate,
		ttlv.TagDeactivationDate, ttlv.TagDestroyDate, ttlv.TagCompromiseOccurrenceDate,
		ttlv.TagCompromiseDate, ttlv.TagRevocationReason, ttlv.TagArchiveDate, ttlv.TagObjectGroup,
		ttlv.TagLink, ttlv.TagApplicationSpecificInformation, ttlv.TagContactInformation,
		ttlv.TagLastChangeDate, ttlv.TagCustomAttribute:
		return 0, true
	case ttlv.TagCertificateLength, ttlv.TagX_509CertificateIdentifier, ttlv.TagX_509CertificateSubject,
		ttlv.TagX_509CertificateIssuer, ttlv.TagDigitalSignatureAlgorithm, ttlv.TagFresh:
		return 1, true
	case ttlv.TagAlternativeName, ttlv.TagKeyValuePresent, ttlv.TagKeyValueLocation,
		ttlv.TagOriginalCreationDate:
		return 2, true
	case ttlv.TagRandomNumberGenerator:
		return 3, true
	case ttlv.TagPKCS_12FriendlyName, ttlv.TagDescription, ttlv.TagComment, ttlv.TagSensitive,
		ttlv.TagAlwaysSensitive, ttlv.TagExtractable, ttlv.TagNeverExtractable:
		return 4, true
	}
	return 0, false
}

// hasAttr reports whether the conversation's protocol version defines the
// attribute: KMIP 1.x clients get only the attributes of their version.
func (c *reqCtx) hasAttr(t ttlv.Tag) bool {
	if t == 0 {
		return true
	}
	if c.v1() {
		since, ok := attr1xSince(t)
		return ok && since <= c.minor
	}
	switch t { // KMIP 1.x attributes that 2.0 removed
	case ttlv.TagCertificateIdentifier, ttlv.TagCertificateSubject, ttlv.TagCertificateIssuer,
		ttlv.TagOperationPolicyName, ttlv.TagCustomAttribute:
		return false
	case ttlv.TagObjectClass, ttlv.TagCredentialLink, ttlv.TagGroupLink, ttlv.TagDeactivationReason: // the 3.0 draft's (§4.40, §4.35, §4.21)
		return c.major >= 3
	}
	return true
}

// fieldTags are the attributes held in objState fields, in output order.
var fieldTags = [...]ttlv.Tag{ttlv.TagUniqueIdentifier, ttlv.TagObjectType, ttlv.TagCryptographicAlgorithm,
	ttlv.TagCryptographicLength, ttlv.TagCryptographicUsageMask, ttlv.TagState}

// appendField appends a field attribute, tagged tag; ok is false when the
// object has no such attribute.
func (o *object) appendField(b []byte, t ttlv.Tag, as ttlv.Tag) ([]byte, bool) {
	switch t {
	case ttlv.TagUniqueIdentifier:
		return ttlv.AppendTextString(b, as, o.id), true
	case ttlv.TagObjectType:
		return ttlv.AppendEnumeration(b, as, o.typ), true
	case ttlv.TagCryptographicAlgorithm:
		if o.alg != 0 {
			return ttlv.AppendEnumeration(b, as, o.alg), true
		}
	case ttlv.TagCryptographicLength:
		if o.length != 0 {
			return ttlv.AppendInteger(b, as, o.length), true
		}
	case ttlv.TagCryptographicUsageMask:
		if o.hasUsage {
			return ttlv.AppendInteger(b, as, int32(o.usage)), true
		}
	case ttlv.TagState:
		return ttlv.AppendEnumeration(b, as, o.state), true
	}
	return b, false
}

func isField(t ttlv.Tag) bool {
	for _, f := range fieldTags {
		if f == t {
			return true
		}
	}
	return false
}

// attrName is the KMIP 1.x Attribute Name of a stored attribute.
func (a *attr) attrName() string {
	if a.tag == 0 {
		return a.name
	}
	n, _ := ttlv.TagSpecName(a.tag)
	return n
}

// appendAttr appends one attribute in the conversation's form: KMIP 1.x
// Attribute{Attribute Name, Attribute Index, Attribute Value}; in 2.x the
// tagged item itself, or Attribute{Vendor Identification, Attribute Name,
// Attribute Value} for a custom one.
func (c *reqCtx) appendAttr(b []byte, a *attr, index int32) []byte {
	if !c.v1() && a.tag != 0 {
		return append(b, a.enc...)
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagAttribute)
	if !c.v1() {
		b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, a.vendor)
	}
	b = ttlv.AppendTextString(b, ttlv.TagAttributeName, a.attrName())
	if c.v1() && index > 0 {
		b = ttlv.AppendInteger(b, ttlv.TagAttributeIndex, index)
	}
	if a.tag == ttlv.TagDigest && c.major == 1 && c.minor == 0 {
		b = appendDigest10(b, a.enc)
	} else {
		b = appendRetagged(b, a.enc, ttlv.TagAttributeValue)
	}
	ttlv.EndStructure(b, m)
	return b
}

// appendDigest10 appends a stored Digest as the Attribute Value of a KMIP
// 1.0 answer: its Hashing Algorithm and Digest Value only (1.0 §3.17,
// Table 58), without the Key Format Type that 1.1 added (1.1 §3.17).
func appendDigest10(b, enc []byte) []byte {
	_, body, n := ttlv.ConsumeStructure(enc)
	if n < 0 {
		return appendRetagged(b, enc, ttlv.TagAttributeValue)
	}
	b, m := ttlv.BeginStructure(b, ttlv.TagAttributeValue)
	for len(body) >= ttlv.HeaderSize {
		tag, _, length, _ := ttlv.ConsumeHeader(body)
		k := ttlv.HeaderSize + (int(length)+7)&^7
		if k > len(body) {
			break
		}
		if tag != ttlv.TagKeyFormatType {
			b = append(b, body[:k]...)
		}
		body = body[k:]
	}
	ttlv.EndStructure(b, m)
	return b
}

// appendRetagged appends an encoded item with its tag replaced.
func appendRetagged(b, enc []byte, t ttlv.Tag) []byte {
	n := len(b)
	b = append(b, enc...)
	b[n], b[n+1], b[n+2] = byte(t>>16), byte(t>>8), byte(t)
	return b
}

// each calls fn for every attribute of the object that the conversation's
// version has, field attributes first; index counts the instances of one
// attribute from 0.
func (c *reqCtx) eachAttr(o *object, fn func(a *attr, index int32)) {
	for _, t := range fieldTags {
		enc, ok := o.appendField(nil, t, t)
		if ok {
			fn(&attr{tag: t, enc: enc}, 0)
		}
	}
	for i := range o.attrs {
		a := &o.attrs[i]
		if !c.hasAttr(a.tag) {
			continue
		}
		var idx int32
		for j := 0; j < i; j++ {
			if o.attrs[j].is(a.tag, a.vendor, a.name) {
				idx++
			}
		}
		fn(a, idx)
	}
}

// findAttr returns the index in o.attrs of instance idx of an attribute,
// or -1.
func (o *object) findAttr(t ttlv.Tag, vendor, name string, idx int32) int {
	n := int32(0)
	for i := range o.attrs {
		if o.attrs[i].is(t, vendor, name) {
			if n == idx {
				return i
			}
			n++
		}
	}
	return -1
}

// setAttr stores a non-field attribute: replaces the single instance of a
// single-valued one, appends to a multi-valued one. (Changing o.attrs in
// place is safe: journal snapshots hold copies.)
func (o *object) setAttr(a attr) {
	if !multiValued(a.tag) {
		if i := o.findAttr(a.tag, a.vendor, a.name, 0); i >= 0 {
			o.attrs[i] = a
			return
		}
	}
	o.attrs = append(o.attrs, a)
}

// setDate stores a Date-Time attribute.
func (o *object) setDate(t ttlv.Tag, unix int64) {
	o.setAttr(attr{tag: t, enc: ttlv.AppendDateTime(nil, t, unix)})
}

// date returns a Date-Time attribute, ok false when absent.
func (o *object) date(t ttlv.Tag) (int64, bool) {
	if i := o.findAttr(t, "", "", 0); i >= 0 {
		_, v, n := ttlv.ConsumeDateTime(o.attrs[i].enc)
		if n > 0 {
			return v, true
		}
	}
	return 0, false
}

// applyInitial applies the attributes of a Create, Create Key Pair or
// Register to a new object.
func (c *reqCtx) applyInitial(o *object, in []attrIn) *opError {
	for i := range in {
		a := &in[i]
		switch a.tag {
		case ttlv.TagObjectType:
			if uint32(a.val.Num) != o.typ {
				return fail(rrInvalidField, "Object Type attribute %d differs from the object's %d", a.val.Num, o.typ)
			}
		case ttlv.TagCryptographicAlgorithm:
			if a.val.Type != ttlv.TypeEnumeration {
				return fail(rrInvalidField, "Cryptographic Algorithm is not an Enumeration")
			}
			o.alg = uint32(a.val.Num)
		case ttlv.TagCryptographicLength:
			if a.val.Type != ttlv.TypeInteger || a.val.Num <= 0 {
				return fail(rrInvalidField, "Cryptographic Length is not a positive Integer")
			}
			o.length = int32(a.val.Num)
		case ttlv.TagCryptographicUsageMask:
			if a.val.Type != ttlv.TypeInteger && a.val.Type != ttlv.TypeEnumeration {
				return fail(rrInvalidField, "Cryptographic Usage Mask is not an Integer")
			}
			o.usage, o.hasUsage = uint32(a.val.Num), true
		case ttlv.TagUniqueIdentifier, ttlv.TagState, ttlv.TagInitialDate, ttlv.TagLastChangeDate,
			ttlv.TagDestroyDate, ttlv.TagCompromiseDate, ttlv.TagCompromiseOccurrenceDate,
			ttlv.TagRevocationReason, ttlv.TagKeyValuePresent, ttlv.TagDigest,
			ttlv.TagArchiveDate:
			return fail(rrAttributeReadOnly, "attribute %s is set by the server", a.tag)
		case ttlv.TagTemplate: // a Template named in a Template-Attribute
			tin, err := c.templateAttrs(&a.val)
			if err != nil {
				return err
			}
			if err := c.applyInitial(o, tin); err != nil {
				return err
			}
		case ttlv.TagFresh:
			// the client's at Register (2.1 §4.24: "unless the client
			// provides a False value in Register or Import")
			if a.val.Type != ttlv.TypeBoolean {
				return fail(rrInvalidField, "Fresh is not a Boolean")
			}
			o.setAttr(a.encode())
		case ttlv.TagKeyFormatType:
			// a wish for the format of the key material (KMIP 2.x)
			o.setAttr(a.encode())
		case ttlv.TagLink:
			if err := c.resolveLink(a); err != nil {
				return err
			}
			o.setAttr(a.encode())

		default:
			if a.tag == 0 && a.name == "" {
				continue
			}
			o.setAttr(a.encode())
		}
	}
	return nil
}

// initDates sets the dates and state of a new object: Initial Date and
// Last Change Date now, Original Creation Date for the objects the server
// made,
// Active right away when an Activation Date not after now was given.
func (c *reqCtx) initDates(o *object, registered bool) {
	now := c.now.Unix()
	o.state = statePreActive
	o.setDate(ttlv.TagInitialDate, now)
	o.setDate(ttlv.TagLastChangeDate, now)
	if !registered {
		// set by the server for the objects it makes, equal to the
		// Initial Date; a client may give it at Register (1.4 §3.43)
		o.setDate(ttlv.TagOriginalCreationDate, now)
		// how the key was made (1.4 §3.44, 2.1 §4.48)
		rng := rngUnspecified
		if c.s.rand == rand.Reader {
			rng = rngDRBG // Go's crypto/rand: an AES CTR_DRBG
		}
		b, m := ttlv.BeginStructure(nil, ttlv.TagRandomNumberGenerator)
		b = ttlv.AppendEnumeration(b, ttlv.TagRNGAlgorithm, rng)
		ttlv.EndStructure(b, m)
		o.setAttr(attr{tag: ttlv.TagRandomNumberGenerator, enc: b})
	}
	// Short Unique Identifier: SHA-256 of the Unique Identifier (2.1
	// §4.56; a 2.x attribute, hidden from 1.x clients by hasAttr).
	sui := sha256.Sum256([]byte(o.id))
	o.setAttr(attr{tag: ttlv.TagShortUniqueIdentifier, enc: ttlv.AppendByteString(nil, ttlv.TagShortUniqueIdentifier, sui[:])})
	// Object Class (3.0 draft §4.40, hidden from earlier versions by
	// hasAttr): User for the objects clients manage; the users, groups and
	// credentials of Create User, Create Group and Create Credential are
	// System objects (kmip30.go).
	class := objectClassUser
	if systemObject(o.typ) {
		class = objectClassSystem
	}
	o.setAttr(attr{tag: ttlv.TagObjectClass, enc: ttlv.AppendEnumeration(nil, ttlv.TagObjectClass, class)})
	// Fresh until Get serves the object (2.1 §4.24, 1.4 §3.34), unless
	// the client gave it.
	if o.findAttr(ttlv.TagFresh, "", "", 0) < 0 {
		o.setAttr(attr{tag: ttlv.TagFresh, enc: ttlv.AppendBoolean(nil, ttlv.TagFresh, true)})
	}
	// Key Format Type of the key material (2.1 §4.26, a 2.x attribute),
	// unless the client asked for one.
	if o.kf != 0 && o.findAttr(ttlv.TagKeyFormatType, "", "", 0) < 0 {
		o.setAttr(attr{tag: ttlv.TagKeyFormatType, enc: ttlv.AppendEnumeration(nil, ttlv.TagKeyFormatType, o.kf)})
	}
	// Lease Time: the longest lease the server grants (2.1 §4.30, 1.4
	// §3.20).
	o.setAttr(attr{tag: ttlv.TagLeaseTime, enc: ttlv.AppendInterval(nil, ttlv.TagLeaseTime, uint32(c.s.lease))})
	// Protection Storage Mask (2.1 §4.44): the server keeps keys in
	// software, in memory.
	o.setAttr(attr{tag: ttlv.TagProtectionStorageMask, enc: ttlv.AppendInteger(nil, ttlv.TagProtectionStorageMask, protectionSoftware)})
	// Export flags (1.4 §3.48–3.51, 2.1 §4.3, §4.21, §4.31, §4.50):
	// Sensitive and Extractable as given (false and true by default),
	// Always Sensitive and Never Extractable following them.
	sensitive, extractable := false, true
	if i := o.findAttr(ttlv.TagSensitive, "", "", 0); i >= 0 {
		_, sensitive, _ = ttlv.ConsumeBoolean(o.attrs[i].enc)
	} else {
		o.setAttr(attr{tag: ttlv.TagSensitive, enc: ttlv.AppendBoolean(nil, ttlv.TagSensitive, false)})
	}
	if i := o.findAttr(ttlv.TagExtractable, "", "", 0); i >= 0 {
		_, extractable, _ = ttlv.ConsumeBoolean(o.attrs[i].enc)
	} else {
		o.setAttr(attr{tag: ttlv.TagExtractable, enc: ttlv.AppendBoolean(nil, ttlv.TagExtractable, true)})
	}
	o.setAttr(attr{tag: ttlv.TagAlwaysSensitive, enc: ttlv.AppendBoolean(nil, ttlv.TagAlwaysSensitive, sensitive)})
	o.setAttr(attr{tag: ttlv.TagNeverExtractable, enc: ttlv.AppendBoolean(nil, ttlv.TagNeverExtractable, !extractable)})
	c.refresh(o)
}

// protectionSoftware is the Software bit of the Protection Storage Mask
// (KMIP 2.1 §11.40).
const protectionSoftware = 0x01

// syncFresh turns the Fresh attribute false once Get has served the
// object. Call with o.mu held for writing.
func (o *object) syncFresh() {
	if !o.served.Load() {
		return
	}
	if i := o.findAttr(ttlv.TagFresh, "", "", 0); i >= 0 {
		if _, fresh, _ := ttlv.ConsumeBoolean(o.attrs[i].enc); fresh {
			o.attrs[i] = attr{tag: ttlv.TagFresh, enc: ttlv.AppendBoolean(nil, ttlv.TagFresh, false)}
		}
	}
}

// syncUsage rewrites the Usage Limits attribute with the Usage Limits
// Count the server keeps — Total less what Encrypt, Sign and MAC used
// (KMIP 2.1 §4.59: the count a client gives at creation is ignored).
// Call with o.mu held for writing.
func (o *object) syncUsage() {
	i := o.findAttr(ttlv.TagUsageLimits, "", "", 0)
	if i < 0 {
		return
	}
	var v ttlv.Value
	if ttlv.Unmarshal(o.attrs[i].enc, &v) != nil {
		return
	}
	total, unit := v.Child(ttlv.TagUsageLimitsTotal), v.Child(ttlv.TagUsageLimitsUnit)
	if total == nil || unit == nil {
		return
	}
	u := ttlv.Structure(ttlv.TagUsageLimits, ttlv.LongInteger(ttlv.TagUsageLimitsTotal, total.Num),
		ttlv.LongInteger(ttlv.TagUsageLimitsCount, total.Num-o.used.Load()),
		ttlv.Enumeration(ttlv.TagUsageLimitsUnit, uint32(unit.Num)))
	o.attrs[i] = attr{tag: ttlv.TagUsageLimits, enc: ttlv.Marshal(&u)}
}

// refresh applies the time-driven transitions (KMIP 2.1 §5, 1.4 §3.22):
// Pre-Active → Active at the Activation Date, Active → Deactivated at the
// Deactivation Date. Call with o.mu held for writing.
func (c *reqCtx) refresh(o *object) {
	now := c.now.Unix()
	if o.state == statePreActive {
		if t, ok := o.date(ttlv.TagActivationDate); ok && t <= now {
			o.state = stateActive
		}
	}
	if o.state == stateActive || o.state == statePreActive {
		if t, ok := o.date(ttlv.TagDeactivationDate); ok && t <= now {
			o.state = stateDeactivated
		}
	}
}

// useFacts is what the checks of a cryptographic operation read of an
// object's attributes — its dates that the State and the use depend on,
// where its Usage Limits are —, found in one pass over them (facts)
// rather than one a check.
type useFacts struct {
	activation, deactivation, archive, protectStop, processStart int64
	has                                                          uint8 // the fact… bits of the dates present
	limits                                                       int   // the index of the Usage Limits in attrs, -1 without
}

// The bits of useFacts.has.
const (
	factActivation = 1 << iota
	factDeactivation
	factArchive
	factProtectStop
	factProcessStart
	factLimits // in seen only
)

// facts reads o's useFacts (call with o.mu held): for each attribute its
// first instance, as findAttr finds it, a Date-Time that does not decode
// counting as absent, as for date.
func (o *object) facts() useFacts {
	f := useFacts{limits: -1}
	var seen uint8
	for i := range o.attrs {
		a := &o.attrs[i]
		var bit uint8
		var dst *int64
		switch a.tag {
		case ttlv.TagActivationDate:
			bit, dst = factActivation, &f.activation
		case ttlv.TagDeactivationDate:
			bit, dst = factDeactivation, &f.deactivation
		case ttlv.TagArchiveDate:
			bit, dst = factArchive, &f.archive
		case ttlv.TagProtectStopDate:
			bit, dst = factProtectStop, &f.protectStop
		case ttlv.TagProcessStartDate:
			bit, dst = factProcessStart, &f.processStart
		case ttlv.TagUsageLimits:
			if seen&factLimits == 0 {
				seen |= factLimits
				f.limits = i
			}
			continue
		default:
			continue
		}
		if seen&bit != 0 {
			continue
		}
		seen |= bit
		if _, v, n := ttlv.ConsumeDateTime(a.enc); n > 0 {
			*dst = v
			f.has |= bit
		}
	}
	return f
}

// due reports whether refresh would change the State of an object in
// state with these facts at now: a Pre-Active object at or past its
// Activation Date, a Pre-Active or Active one at or past its Deactivation
// Date.
func (f *useFacts) due(state uint32, now int64) bool {
	if state != statePreActive && state != stateActive {
		return false
	}
	return state == statePreActive && f.has&factActivation != 0 && f.activation <= now ||
		f.has&factDeactivation != 0 && f.deactivation <= now
}

// timed reports an object whose state may change with time.
func (o *object) timed() bool {
	if o.state != statePreActive && o.state != stateActive {
		return false
	}
	for i := range o.attrs {
		if o.attrs[i].tag == ttlv.TagActivationDate || o.attrs[i].tag == ttlv.TagDeactivationDate {
			return true
		}
	}
	return false
}

// matches reports whether o has the attribute a Locate request gives.
// Usage masks match when the object's has every bit of the request's;
// Names by their Name Value.
func (c *reqCtx) matches(o *object, a *attrIn) bool {
	switch a.tag {
	case ttlv.TagUniqueIdentifier:
		return string(a.val.Bytes) == o.id
	case ttlv.TagObjectType:
		return uint32(a.val.Num) == o.typ
	case ttlv.TagState:
		return uint32(a.val.Num) == o.state
	case ttlv.TagCryptographicAlgorithm:
		return uint32(a.val.Num) == o.alg
	case ttlv.TagCryptographicLength:
		return int32(a.val.Num) == o.length
	case ttlv.TagCryptographicUsageMask:
		return o.hasUsage && o.usage&uint32(a.val.Num) == uint32(a.val.Num)
	case ttlv.TagName:
		want := nameValue(&a.val)
		if want == nil {
			return false
		}
		for i := range o.attrs {
			if o.attrs[i].tag != ttlv.TagName {
				continue
			}
			var v ttlv.Value
			if ttlv.Unmarshal(o.attrs[i].enc, &v) == nil {
				if nv := nameValue(&v); nv != nil && bytes.Equal(nv.Bytes, want.Bytes) {
					return true
				}
			}
		}
		return false
	}
	enc := a.encode().enc
	for i := range o.attrs {
		s := &o.attrs[i]
		if s.is(a.tag, a.vendor, a.name) && bytes.Equal(s.enc[3:], enc[3:]) {
			return true
		}
	}
	return false
}

// nameValue returns the text of a Name attribute: its Name Value (KMIP
// 1.x, 2.x), or the Name itself, a Text String in the KMIP 3.0 draft.
func nameValue(v *ttlv.Value) *ttlv.Value {
	if v.Type == ttlv.TypeTextString {
		return v
	}
	return v.Child(ttlv.TagNameValue)
}

package load

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/kmipwire/kmipwire/ttlv"
)

// Enumeration values of the requests the generator sends (KMIP 2.1 §11;
// the same numbers in KMIP 1.x §9.1.3.2). TestEnums checks them against
// the registry.
const (
	opCreate   = 0x01 // Operation, §11.33
	opLocate   = 0x08
	opGet      = 0x0A
	opActivate = 0x12
	opEncrypt  = 0x1F

	objSymmetricKey = 0x02        // Object Type, §11.34
	algAES          = 0x03        // Cryptographic Algorithm, §11.13
	modeGCM         = 0x09        // Block Cipher Mode, §11.4
	usageEncDec     = 0x04 | 0x08 // Cryptographic Usage Mask Encrypt|Decrypt, §11.15

	statusSuccess = 0x00 // Result Status, §11.46
)

// Op is an operation the generator can put in a batch.
type Op int

// The operations of a mix.
const (
	OpGet Op = iota
	OpLocate
	OpEncrypt
	OpCreate
	numOps
)

var opNames = [numOps]string{"get", "locate", "encrypt", "create"}

// String returns the operation's name in a mix.
func (o Op) String() string { return opNames[o] }

// Mix is a weighted choice of operations.
type Mix [numOps]int

// ParseMix reads "get=70,locate=10,encrypt=10,create=10" (weights, any
// positive integers; operations left out weigh 0).
func ParseMix(s string) (Mix, error) {
	var m Mix
	total := 0
	for _, part := range strings.Split(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			w = "1"
		}
		i := -1
		for j, n := range opNames {
			if strings.EqualFold(name, n) {
				i = j
			}
		}
		if i < 0 {
			return m, fmt.Errorf("mix: unknown operation %q (have %s)", name, strings.Join(opNames[:], ", "))
		}
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 {
			return m, fmt.Errorf("mix: weight of %s: %q is not a non-negative integer", name, w)
		}
		m[i] += n
		total += n
	}
	if total == 0 {
		return m, fmt.Errorf("mix: %q weighs nothing", s)
	}
	return m, nil
}

// pick maps r in [0, total weight) to an operation.
func (m *Mix) pick(r int) Op {
	for i, w := range m {
		if r < w {
			return Op(i)
		}
		r -= w
	}
	return numOps - 1
}

// total returns the sum of the weights.
func (m *Mix) total() int {
	t := 0
	for _, w := range m {
		t += w
	}
	return t
}

// Version is the KMIP protocol version the requests use: 1.x requests carry
// attributes in TemplateAttribute and Attribute structures, 2.x in Attributes.
type Version struct{ Major, Minor int32 }

// legacy reports the KMIP 1.x wire forms.
func (v Version) legacy() bool { return v.Major < 2 }

// builder appends request messages into a reused buffer.
type builder struct {
	v    Version
	data []byte // the plaintext of Encrypt requests
	buf  []byte
}

// begin starts a RequestMessage of n items and returns the mark of its
// outer Structure.
func (b *builder) begin(n int) int {
	buf, m := ttlv.BeginStructure(b.buf[:0], ttlv.TagRequestMessage)
	buf, h := ttlv.BeginStructure(buf, ttlv.TagRequestHeader)
	buf, pv := ttlv.BeginStructure(buf, ttlv.TagProtocolVersion)
	buf = ttlv.AppendInteger(buf, ttlv.TagProtocolVersionMajor, b.v.Major)
	buf = ttlv.AppendInteger(buf, ttlv.TagProtocolVersionMinor, b.v.Minor)
	ttlv.EndStructure(buf, pv)
	buf = ttlv.AppendInteger(buf, ttlv.TagBatchCount, int32(n))
	ttlv.EndStructure(buf, h)
	b.buf = buf
	return m
}

// end closes the message and returns it.
func (b *builder) end(m int) []byte {
	ttlv.EndStructure(b.buf, m)
	return b.buf
}

// item appends one BatchItem of operation op; id is the object it acts on.
func (b *builder) item(op Op, index int, id []byte) {
	buf, bi := ttlv.BeginStructure(b.buf, ttlv.TagBatchItem)
	var code uint32
	switch op {
	case OpGet:
		code = opGet
	case OpLocate:
		code = opLocate
	case OpEncrypt:
		code = opEncrypt
	case OpCreate:
		code = opCreate
	}
	buf = ttlv.AppendEnumeration(buf, ttlv.TagOperation, code)
	buf = appendBatchID(buf, index)
	buf, p := ttlv.BeginStructure(buf, ttlv.TagRequestPayload)
	switch op {
	case OpGet:
		buf = ttlv.AppendTextBytes(buf, ttlv.TagUniqueIdentifier, id)
	case OpLocate:
		buf = ttlv.AppendInteger(buf, ttlv.TagMaximumItems, 16)
		buf = b.attrs(buf, false)
	case OpEncrypt:
		buf = ttlv.AppendTextBytes(buf, ttlv.TagUniqueIdentifier, id)
		var cp int
		buf, cp = ttlv.BeginStructure(buf, ttlv.TagCryptographicParameters)
		buf = ttlv.AppendEnumeration(buf, ttlv.TagBlockCipherMode, modeGCM)
		buf = ttlv.AppendEnumeration(buf, ttlv.TagCryptographicAlgorithm, algAES)
		ttlv.EndStructure(buf, cp)
		buf = ttlv.AppendByteString(buf, ttlv.TagData, b.data)
	case OpCreate:
		buf = ttlv.AppendEnumeration(buf, ttlv.TagObjectType, objSymmetricKey)
		buf = b.attrs(buf, true)
	}
	ttlv.EndStructure(buf, p)
	ttlv.EndStructure(buf, bi)
	b.buf = buf
}

// activate appends an Activate item for id.
func (b *builder) activate(index int, id []byte) {
	buf, bi := ttlv.BeginStructure(b.buf, ttlv.TagBatchItem)
	buf = ttlv.AppendEnumeration(buf, ttlv.TagOperation, opActivate)
	buf = appendBatchID(buf, index)
	buf, p := ttlv.BeginStructure(buf, ttlv.TagRequestPayload)
	buf = ttlv.AppendTextBytes(buf, ttlv.TagUniqueIdentifier, id)
	ttlv.EndStructure(buf, p)
	ttlv.EndStructure(buf, bi)
	b.buf = buf
}

// appendBatchID appends a 4-byte UniqueBatchItemID.
func appendBatchID(buf []byte, index int) []byte {
	var id [4]byte
	id[0], id[1], id[2], id[3] = byte(index>>24), byte(index>>16), byte(index>>8), byte(index)
	return ttlv.AppendByteString(buf, ttlv.TagUniqueBatchItemID, id[:])
}

// attrs appends the attributes of a 256-bit AES key (create) or the
// Locate filter on symmetric keys, in the version's form.
func (b *builder) attrs(buf []byte, create bool) []byte {
	if b.v.legacy() {
		var ta int
		if create {
			buf, ta = ttlv.BeginStructure(buf, ttlv.TagTemplateAttribute)
			buf = attr(buf, "Cryptographic Algorithm", func(x []byte) []byte {
				return ttlv.AppendEnumeration(x, ttlv.TagAttributeValue, algAES)
			})
			buf = attr(buf, "Cryptographic Length", func(x []byte) []byte {
				return ttlv.AppendInteger(x, ttlv.TagAttributeValue, 256)
			})
			buf = attr(buf, "Cryptographic Usage Mask", func(x []byte) []byte {
				return ttlv.AppendInteger(x, ttlv.TagAttributeValue, usageEncDec)
			})
			ttlv.EndStructure(buf, ta)
			return buf
		}
		return attr(buf, "Object Type", func(x []byte) []byte {
			return ttlv.AppendEnumeration(x, ttlv.TagAttributeValue, objSymmetricKey)
		})
	}
	buf, a := ttlv.BeginStructure(buf, ttlv.TagAttributes)
	if create {
		buf = ttlv.AppendEnumeration(buf, ttlv.TagCryptographicAlgorithm, algAES)
		buf = ttlv.AppendInteger(buf, ttlv.TagCryptographicLength, 256)
		buf = ttlv.AppendInteger(buf, ttlv.TagCryptographicUsageMask, usageEncDec)
	} else {
		buf = ttlv.AppendEnumeration(buf, ttlv.TagObjectType, objSymmetricKey)
	}
	ttlv.EndStructure(buf, a)
	return buf
}

// attr appends a KMIP 1.x Attribute structure.
func attr(buf []byte, name string, value func([]byte) []byte) []byte {
	buf, a := ttlv.BeginStructure(buf, ttlv.TagAttribute)
	buf = ttlv.AppendTextString(buf, ttlv.TagAttributeName, name)
	buf = value(buf)
	ttlv.EndStructure(buf, a)
	return buf
}

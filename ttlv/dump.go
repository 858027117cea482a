package ttlv

import (
	"bufio"
	"encoding/hex"
	"io"
	"math/big"
	"strconv"
	"time"
)

// DumpOptions configures Dump.
type DumpOptions struct {
	// Decode configures the Decoder that reads the input. Dump sets
	// Sequence so that a file of several messages dumps them all.
	Decode DecodeOptions
	// Registry names extension tags and enumerations; nil means the
	// built-in tables only.
	Registry *Registry
	// NoOffsets leaves out the offset column.
	NoOffsets bool
}

// Dump writes a human-readable tree of the TTLV items in b to w: one line
// per item with its offset, tag name, type and value, indented by depth.
// Enumerations show their names and masks their flag names; in KMIP 1.x
// attributes, the AttributeValue is named through the sibling AttributeName.
// On malformed input Dump writes the items before the fault and returns the
// decoder's *Error.
//
//	 0 RequestMessage Structure (80 bytes)
//	 8   RequestHeader Structure (40 bytes)
//	16     ProtocolVersion Structure (32 bytes)
//	24       ProtocolVersionMajor Integer 1
func Dump(w io.Writer, b []byte, opts DumpOptions) error {
	opts.Decode.Sequence = true
	dd := dumper{
		d:    NewDecoder(b, opts.Decode),
		w:    bufio.NewWriter(w),
		opts: &opts,
	}
	err := dd.level(0)
	if ferr := dd.w.Flush(); err == nil {
		err = ferr
	}
	return err
}

type dumper struct {
	d    *Decoder
	w    *bufio.Writer
	opts *DumpOptions
	line []byte
	num  [20]byte
}

// level dumps the items of the current Structure (depth 0: the input).
func (dd *dumper) level(depth int) error {
	var attrTag Tag // the tag a KMIP 1.x AttributeName names, in this Structure
	for {
		it, err := dd.d.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		tagForValue := it.Tag
		if it.Tag == tagAttributeValue && attrTag != 0 {
			tagForValue = attrTag
		}
		dd.writeItem(depth, dd.d.ItemOffset(), it, tagForValue)
		if it.Tag == tagAttributeName && it.Type == TypeTextString {
			attrTag, _ = LookupAttributeName(string(it.Value))
		}
		if it.Type == TypeStructure {
			if err := dd.d.Enter(); err != nil {
				return err
			}
			if err := dd.level(depth + 1); err != nil {
				return err
			}
			if err := dd.d.Leave(); err != nil {
				return err
			}
		}
	}
}

// The KMIP 1.x attribute tags (KMIP 1.4 §2.1.1), named here so the dump can
// work without the generated constants.
const (
	tagAttributeName  Tag = 0x42000A
	tagAttributeValue Tag = 0x42000B
)

func (dd *dumper) writeItem(depth int, offset int64, it Item, valueTag Tag) {
	b := dd.line[:0]
	if !dd.opts.NoOffsets {
		off := strconv.AppendInt(dd.num[:0], offset, 10)
		for i := len(off); i < 6; i++ {
			b = append(b, ' ')
		}
		b = append(b, off...)
		b = append(b, ' ')
	}
	for range depth {
		b = append(b, ' ', ' ')
	}
	if name, ok := dd.opts.Registry.TagName(it.Tag); ok {
		b = append(b, name...)
	} else {
		b = appendHex(b, uint32(it.Tag), 6)
	}
	b = append(b, ' ')
	b = append(b, it.Type.String()...)
	b = append(b, ' ')
	b = dd.appendValue(b, it, valueTag)
	b = append(b, '\n')
	dd.line = b
	dd.w.Write(b)
}

func (dd *dumper) appendValue(b []byte, it Item, valueTag Tag) []byte {
	reg := dd.opts.Registry
	switch it.Type {
	case TypeStructure:
		b = append(b, '(')
		b = strconv.AppendInt(b, int64(len(it.Value)), 10)
		return append(b, " bytes)"...)
	case TypeInteger:
		v := it.Int()
		if reg.IsMask(valueTag) {
			b = reg.AppendMask(b, valueTag, uint32(v))
			b = append(b, " ("...)
			b = strconv.AppendInt(b, int64(v), 10)
			return append(b, ')')
		}
		return strconv.AppendInt(b, int64(v), 10)
	case TypeEnumeration:
		v := it.Enum()
		if name, ok := reg.EnumName(valueTag, v); ok {
			b = append(b, name...)
			b = append(b, " ("...)
			b = appendHex(b, v, 8)
			return append(b, ')')
		}
		return appendHex(b, v, 8)
	case TypeLongInteger:
		return strconv.AppendInt(b, it.Long(), 10)
	case TypeBigInteger:
		b = append(b, BigIntegerValue(new(big.Int), it.Value).String()...)
		b = append(b, " (0x"...)
		b = hex.AppendEncode(b, it.Value)
		return append(b, ')')
	case TypeBoolean:
		return strconv.AppendBool(b, it.Bool())
	case TypeTextString, TypeIdentifier, TypeReference, TypeNameReference:
		return strconv.AppendQuote(b, string(it.Value))
	case TypeByteString:
		b = hex.AppendEncode(b, it.Value)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(len(it.Value)), 10)
		return append(b, " bytes)"...)
	case TypeDateTime:
		b = time.Unix(it.Long(), 0).UTC().AppendFormat(b, time.RFC3339)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, it.Long(), 10)
		return append(b, ')')
	case TypeDateTimeExtended:
		b = time.UnixMicro(it.Long()).UTC().AppendFormat(b, time.RFC3339Nano)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, it.Long(), 10)
		return append(b, ')')
	case TypeInterval:
		s := it.Interval()
		b = strconv.AppendUint(b, uint64(s), 10)
		b = append(b, "s ("...)
		b = append(b, (time.Duration(s) * time.Second).String()...)
		return append(b, ')')
	}
	return hex.AppendEncode(b, it.Value)
}

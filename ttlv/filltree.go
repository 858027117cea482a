package ttlv

import (
	"encoding/binary"
	"unsafe"
)

// fillDepth is how many levels of nesting below its starting Structure
// fillChildren follows on its own stack; a deeper Structure (never seen in
// real KMIP) is filled by a recursive call. A small array keeps the cost
// of zeroing it per call negligible.
const fillDepth = 16

// treeFill is the state of fillChildren's walk, kept in one place so that
// its fast loop (fillRun) holds it in registers and the slow steps between
// runs find it.
type treeFill struct {
	cur      *Value  // the Structure being filled
	kids     []Value // cur's children so far
	pos, end int     // the next item's offset, the end of cur's contents
	top      int     // Values on parents
	parents  [fillDepth]*Value
}

// What stopped fillRun.
const (
	fillDone = iota // the starting Structure's end
	fillGrow        // a child needs room: kids is full
	fillSlow        // an item for NextToken to decide
)

// fillChildren decodes the items of the Structure just entered into
// v.Children, reusing the storage of every level, up to the Structure's
// end.
//
// It is the Decoder's walk fused with the tree's stores: fillRun takes
// every item that passes every strict check and writes it in place; what
// it stops for is done here — growing a full Children slice, and any item
// it does not take (a fault, non-zero padding or a Boolean other than 0
// or 1 that a Lax option may accept, text that is not ASCII, nesting
// beyond fillDepth), which NextToken decides from the same position as the
// walk would, building the error. So the tree and the Decoder end as the
// walk with setScalar would leave them (FuzzDecodeValueTwin holds them to
// a tree built with NextToken).
func (d *Decoder) fillChildren(v *Value) error {
	f := treeFill{cur: v, kids: v.Children[:0], pos: d.pos, end: d.end}
	for {
		switch d.fillRun(&f) {
		case fillDone:
			return nil
		case fillGrow:
			// append's growth, as the walk's fill had it; the new
			// element is zero.
			n := len(f.kids)
			f.kids = append(f.kids, Value{})[:n]
			continue
		}
		d.pos, d.end = f.pos, f.end
		it, err := d.NextToken()
		if err != nil {
			f.cur.Children = f.kids
			return err
		}
		// fillRun stops inside a level, so NextToken returns an item (a
		// level's end is fillRun's to take).
		var c *Value
		f.kids, c = grow(f.kids)
		c.Tag, c.Type = it.Tag, it.Type
		if it.Type == TypeStructure {
			// NextToken has entered it. fillRun leaves a Structure only
			// when it would nest deeper than fillDepth (or to fail).
			c.Num, c.Bytes = 0, nil
			f.cur.Children = f.kids
			if err := d.fillChildren(c); err != nil {
				return err
			}
		} else {
			c.Children = c.Children[:0]
			c.setScalar(it)
		}
		f.pos, f.end = d.pos, d.end
	}
}

// fillRun is fillChildren's fast loop. For an item inside the current
// level that passes every strict check it reads the header and the value
// through a pointer after one bounds test (as Decoder.next does) and
// writes the child in place; it enters a child Structure and leaves one at
// its end inline, pushing and popping the Decoder's frames as NextToken
// does and the Values being filled on f.parents. It calls nothing (the
// write barrier aside), so that f's fields stay in registers; it stops
// with f at the item it does not take, or at the end, the Decoder's
// position and level set as NextToken would have left them.
func (d *Decoder) fillRun(f *treeFill) int {
	// The position, the level's end and the children being written live
	// in registers; the Value being filled and the stack of its parents,
	// used once per Structure, stay in f.
	kids, pos, end := f.kids, f.pos, f.end
	buf := d.buf
	// Every end this loop sets lies inside end, and pos only grows: with
	// this test, the per-item tests of end-pos against the header and
	// the item keep every read in bounds.
	if pos < 0 || end > len(buf) {
		goto stop
	}
	for {
		if pos >= end {
			// f.cur's end: NextToken's end token, inline. Every child
			// lay inside the level, so pos == end.
			d.depth--
			end = d.stack[d.depth&(MaxDepthLimit-1)].parentEnd
			f.cur.Children = kids
			if f.top == 0 {
				d.pos, d.end, d.lastPos = pos, end, -1
				return fillDone
			}
			f.top--
			f.cur = f.parents[f.top&(fillDepth-1)]
			kids = f.cur.Children
			continue
		}
		if end-pos < HeaderSize {
			goto stop
		}
		{
			p := unsafe.Add(unsafe.Pointer(unsafe.SliceData(buf)), pos)
			h := binary.BigEndian.Uint64(word(p, 0))
			tag, typ, length := Tag(h>>40), Type(h>>32), int(uint32(h))
			if r := lengthRules[typ]; uint32(length)&r.mask != r.want {
				goto stop
			}
			total := HeaderSize + (length+7)&^7
			if total > end-pos {
				goto stop
			}
			n := len(kids)
			if n == cap(kids) {
				f.kids, f.pos, f.end = kids, pos, end
				return fillGrow
			}
			var num int64
			var val []byte
			switch typ {
			case TypeStructure:
				if d.depth >= d.maxDepth || f.top == fillDepth {
					goto stop
				}
				// NextToken's entry into the Structure, inline.
				d.stack[d.depth&(MaxDepthLimit-1)] = frame{tag: tag, parentEnd: end}
				d.depth++
				kids = kids[:n+1]
				c := &kids[n]
				c.Tag, c.Type, c.Num, c.Bytes = tag, typ, 0, nil
				f.cur.Children = kids
				f.parents[f.top&(fillDepth-1)] = f.cur
				f.top++
				f.cur, kids = c, c.Children[:0]
				pos, end = pos+HeaderSize, pos+total
				continue
			case TypeInteger, TypeEnumeration, TypeInterval:
				w := binary.BigEndian.Uint64(word(p, HeaderSize))
				if uint32(w) != 0 { // padding
					goto stop
				}
				num = int64(w >> 32)
				if typ == TypeInteger {
					num = int64(int32(w >> 32))
				}
			case TypeLongInteger, TypeDateTime, TypeDateTimeExtended:
				num = int64(binary.BigEndian.Uint64(word(p, HeaderSize)))
			case TypeBoolean:
				w := binary.BigEndian.Uint64(word(p, HeaderSize))
				if w > 1 {
					goto stop
				}
				num = int64(w)
			default: // the text types, Byte String, Big Integer
				// An empty value's slice points at the header, as
				// NextToken's does.
				voff := HeaderSize
				if length == 0 {
					voff = 0
				}
				// The padding is the low pad bytes of the value's last 8
				// (a Big Integer has none).
				if pad := total - HeaderSize - length; pad != 0 &&
					binary.BigEndian.Uint64(word(p, total-8))<<((64-8*pad)&63) != 0 {
					goto stop
				}
				val = at(p, voff, length)
				if typ.IsString() && !asciiWords(at(p, voff, total-HeaderSize)) {
					goto stop
				}
			}
			kids = kids[:n+1]
			c := &kids[n]
			c.Tag, c.Type, c.Num, c.Bytes = tag, typ, num, val
			c.Children = c.Children[:0]
			pos += total
		}
	}
stop:
	f.kids, f.pos, f.end = kids, pos, end
	return fillSlow
}

// grow extends k by one Value, reusing its storage (and the new
// element's Children) when the capacity allows, and returns it with the
// new element.
func grow(k []Value) ([]Value, *Value) {
	n := len(k)
	if n < cap(k) {
		k = k[:n+1]
	} else {
		k = append(k, Value{})
	}
	return k, &k[n]
}

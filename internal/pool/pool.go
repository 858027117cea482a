// Package pool holds the byte-buffer pool shared by the codecs. Buffers
// above a size cap are dropped on Put rather than kept, so that one huge
// message does not pin its memory for the life of the process.
package pool

import "sync"

// MaxKeep is the largest capacity Put keeps; larger buffers are dropped.
const MaxKeep = 1 << 20

const initialSize = 4 << 10

var buffers = sync.Pool{New: func() any {
	b := make([]byte, 0, initialSize)
	return &b
}}

// Get returns an empty buffer. The pointer lets Put store it back without
// allocating a new interface value.
func Get() *[]byte {
	p := buffers.Get().(*[]byte)
	*p = (*p)[:0]
	return p
}

// Put returns a buffer to the pool, dropping it when its capacity exceeds
// MaxKeep. The caller must not use *p afterwards.
func Put(p *[]byte) {
	if p == nil || cap(*p) > MaxKeep {
		return
	}
	*p = (*p)[:0]
	buffers.Put(p)
}

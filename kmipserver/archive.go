package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Archive and Recover (KMIP 1.4 §4.21–4.22, 2.1 §6.1.4, §6.1.41).
const (
	opArchive uint32 = 0x15 // Operation, 1.4 §9.1.3.2.27
	opRecover uint32 = 0x16

	rrObjectArchived uint32 = 0x0D // Result Reason, 1.4 §9.1.3.2.29
)

// An archived object carries an Archive Date (1.4 §3.32, 2.1 §4.2), set by
// Archive and removed by Recover. kmipd has no off-line storage: the
// object stays in its store, but until it is recovered Get and the
// cryptographic operations answer Object Archived; its attributes remain
// readable and Locate still finds it. (An archived object has no
// pre-encoded Get answer, so Get's fast path passes it to get, which
// refuses it.)

// archived reports an object that Archive took off-line. Call it with o.mu
// held.
func (o *object) archived() bool {
	_, ok := o.date(ttlv.TagArchiveDate)
	return ok
}

// archive answers Archive.
func (c *reqCtx) archive(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	c.refresh(o)
	if destroyed(o.state) {
		return b, c.wrongState("object %s is destroyed", o.id)
	}
	if o.archived() {
		return b, fail(rrObjectArchived, "object %s is already archived", o.id)
	}
	c.record(o)
	o.setDate(ttlv.TagArchiveDate, c.now.Unix())
	o.encodeGetResp() // none: Get's fast path must not serve it
	c.touch(o)
	return appendID(b, o), nil
}

// recoverOp answers Recover: the Archive Date is removed.
func (c *reqCtx) recoverOp(p *ttlv.Value, b []byte) ([]byte, *opError) {
	o, err := c.lookup(p)
	if err != nil {
		return b, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.archived() {
		return b, fail(rrInvalidField, "object %s is not archived", o.id)
	}
	c.record(o)
	i := o.findAttr(ttlv.TagArchiveDate, "", "", 0)
	o.attrs = append(o.attrs[:i:i], o.attrs[i+1:]...)
	o.encodeGetResp()
	c.touch(o)
	return appendID(b, o), nil
}

// Package batch splits KMIP RequestMessages into their batch items and
// assembles ResponseMessages, streaming and without allocating: the core
// of a KMIP server's bulk mode (KMIP 2.1 §8, "Messages"; KMIP 1.4 §7).
//
// A RequestMessage is a RequestHeader and N independent BatchItems; the
// server answers one ResponseMessage with one result per item. Splitter
// reads the header fields a server acts on (protocol version, maximum
// response size, batch count, error continuation and order options,
// asynchronous indicator, authentication left raw) and then yields the
// items one at a time: operation, unique batch item ID and the raw payload,
// all aliasing the input. ResetReader takes a stream instead (a KMIP
// connection): it returns the header as soon as the RequestHeader has
// arrived and each item as soon as that item has, so a server works on item
// 0 while item 1 is still on the wire, and the stream is left at the next
// message. ResetJSON and ResetJSONReader take the JSON form (what HTTP
// clients POST to /kmip), converted with jsonttlv into a buffer the
// Splitter reuses. Assembler writes the ResponseMessage as results come,
// patching the batch count and lengths at the end.
//
// # Errors
//
// Errors are *Error values with the item index (-1 for the message and its
// header), the byte offset, the tag path and a sentinel. An error confined
// to one item (a missing Operation, a malformed payload) leaves the
// Splitter usable: the server answers that item with a failure and goes on.
// A framing error (a BatchItem overrunning the message) ends the split.
//
// # Tolerance
//
// Following the specification on output and real peers on input
// (shared/INTEROP.md): a missing UniqueBatchItemID is accepted even when
// BatchCount > 1; unknown header and item fields are skipped; a BatchCount
// that disagrees with the items is reported, after the last item, as
// ErrBatchCount.
package batch

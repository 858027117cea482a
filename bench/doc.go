// Package bench is kmipwire's benchmark suite: every codec path over one
// realistic corpus (bench/corpus, the two large messages generated in
// code), named so that a report can group them:
//
//	BenchmarkCodec/path=walk/msg=get-batch-100
//
// The paths:
//
//   - walk: ttlv.Decoder.NextToken over the whole message, every strict check on
//   - validate: ttlv.Validate, the same checks fused into one loop
//   - encode: the message built with ttlv.Encoder into a reused buffer
//   - encode-value: ttlv.AppendValue from a decoded tree into a reused buffer
//   - decode-tree: ttlv.Decoder.DecodeValue into a reused ttlv.Value
//   - to-json: jsonttlv.AppendJSON, binary to the JSON form
//   - from-json: jsonttlv.AppendBinary, the JSON form to binary
//   - split, split-stream, split-json: batch.Splitter over a RequestMessage
//     (Reset on a slice, ResetReader on a stream, ResetJSON on the JSON form)
//
// b.SetBytes is the size of what the path reads (for encode and
// encode-value, of what it writes), so MB/s compares paths over the same
// message. Every path runs with a reused destination and allocates nothing;
// TestZeroAllocs, which `go test ./bench/` runs in CI, fails otherwise.
//
// `make bench` runs the suite and prints the report of bench/cmd/report;
// `make bench-check` compares a fresh run with bench/baseline.txt (see
// bench/internal/benchreport).
package bench

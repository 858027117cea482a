// Package peers compares kmipwire with the Go KMIP libraries people use
// instead — github.com/ovh/kmip-go and github.com/gemalto/kmip-go — on the
// same messages and the same paths, side by side in one interleaved run.
//
// It is a module of its own (bench/peers/go.mod) so that the main module
// never depends on a peer; kmipwire comes from the repository root by a
// replace directive, the peers at exact versions.
//
// Everything is in the tests: BenchmarkPeers/path=P/msg=M/codec=C, with
// b.SetBytes the size of the binary message on every path (so that a JSON
// or XML path compares with the binary ones), and TestEquivalence, which
// proves that each peer path measured does the work kmipwire's does (its
// output re-encodes to the same bytes, its JSON and XML parse back) and
// logs, as "finding:" lines, what it sees a peer get wrong. `make
// bench-peers` in the repository root runs both and prints the table
// (go run ./bench/cmd/report -peers).
package peers

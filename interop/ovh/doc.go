// Package ovh holds the interop tests of kmipclient against ovh/kmip-go's
// kmipserver (github.com/ovh/kmip-go v0.9.2), in a module of its own so
// that the peer library never enters kmipwire's go.mod. ovh's kmipserver
// is a framework (TLS listener, TTLV codec, batch executor, ID
// placeholders) with no key store: the tests route each operation to a
// handler over a small in-memory store written with ovh's payload types,
// so what they check is that the two implementations read each other's
// messages. Run with `make interop` (or `cd interop/ovh && go test ./...`).
package ovh

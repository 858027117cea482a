// Package example shows cmd/ttlvgen on a vendor's payload: the struct types
// below are annotated with struct tags naming their KMIP tags by name or
// number, and vendor_ttlv.go is what ttlvgen writes for them (go generate).
package example

import (
	"time"

	"github.com/kmipwire/kmipwire/kmip"
)

//go:generate go run github.com/kmipwire/kmipwire/cmd/ttlvgen -type VendorPayload

// VendorPayload is the request payload of a vendor operation (an
// Operation in the extension range 0x8XXXXXXX), its items under the
// vendor's extension tags 0x54xxxx and some of the standard's.
type VendorPayload struct {
	ID        string                      `ttlv:"UniqueIdentifier"`
	Algorithm kmip.CryptographicAlgorithm `ttlv:"CryptographicAlgorithm"`
	Usage     kmip.CryptographicUsageMask `ttlv:"CryptographicUsageMask,omitempty"`
	Counter   int32                       `ttlv:"0x540001"`
	Label     string                      `ttlv:"0x540002,omitempty"`
	Seed      []byte                      `ttlv:"0x540003,omitempty"`
	Expires   time.Time                   `ttlv:"0x540004,omitempty"`
	Lease     uint32                      `ttlv:"0x540005,Interval,omitempty"`
	Shards    []Shard                     `ttlv:"0x540006"`
	Policy    *Policy                     `ttlv:"0x540007"`
	Rest      []kmip.Raw                  `ttlv:",unknown"`
}

// Shard is one element of VendorPayload.Shards.
type Shard struct {
	Index int32  `ttlv:"0x540010"`
	Host  string `ttlv:"0x540011"`
}

// Policy is VendorPayload's optional policy.
type Policy struct {
	Exportable bool  `ttlv:"0x540020"`
	MaxUses    int64 `ttlv:"0x540021,omitempty"`
}

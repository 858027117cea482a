package kmipmetrics_test

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmipmetrics"
	"github.com/kmipwire/kmipwire/ttlv"
)

// A Server counted by kmipmetrics: its Middleware in Config.Middleware,
// its Handler around the Server (Hooks would go into
// EndpointConfig.Hooks), then two messages answered in process: a Create,
// and a Get of an object that does not exist.
func Example() {
	reg := prometheus.NewRegistry()
	m := kmipmetrics.New(reg)
	srv := kmipserver.New(kmipserver.Config{Middleware: []kmipserver.Middleware{m.Middleware()}})
	m.WatchObjects(srv)
	h := m.Handler(srv)

	message := func(item ttlv.Value) []byte {
		return ttlv.Marshal(&ttlv.Value{Tag: ttlv.TagRequestMessage, Type: ttlv.TypeStructure, Children: []ttlv.Value{
			ttlv.Structure(ttlv.TagRequestHeader,
				ttlv.Structure(ttlv.TagProtocolVersion,
					ttlv.Integer(ttlv.TagProtocolVersionMajor, 2),
					ttlv.Integer(ttlv.TagProtocolVersionMinor, 1)),
				ttlv.Integer(ttlv.TagBatchCount, 1)),
			item,
		}})
	}
	create := ttlv.Structure(ttlv.TagBatchItem,
		ttlv.Enumeration(ttlv.TagOperation, 0x01), // Create
		ttlv.Structure(ttlv.TagRequestPayload,
			ttlv.Enumeration(ttlv.TagObjectType, 0x02), // Symmetric Key
			ttlv.Structure(ttlv.TagAttributes,
				ttlv.Enumeration(ttlv.TagCryptographicAlgorithm, 0x03), // AES
				ttlv.Integer(ttlv.TagCryptographicLength, 256),
				ttlv.Integer(ttlv.TagCryptographicUsageMask, 0x04|0x08))))
	get := ttlv.Structure(ttlv.TagBatchItem,
		ttlv.Enumeration(ttlv.TagOperation, 0x0A), // Get
		ttlv.Structure(ttlv.TagRequestPayload, ttlv.TextString(ttlv.TagUniqueIdentifier, "nope")))
	h.ServeTTLV(context.Background(), nil, message(create))
	h.ServeTTLV(context.Background(), nil, message(get))

	families, err := reg.Gather()
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, f := range families {
		switch f.GetName() {
		case "kmip_batch_items_total":
			for _, s := range f.GetMetric() {
				l := s.GetLabel() // sorted by name: operation, result
				fmt.Println(f.GetName(), l[0].GetValue(), l[1].GetValue(), s.GetCounter().GetValue())
			}
		case "kmip_requests_total":
			fmt.Println(f.GetName(), f.GetMetric()[0].GetCounter().GetValue())
		case "kmip_objects":
			fmt.Println(f.GetName(), f.GetMetric()[0].GetGauge().GetValue())
		}
	}
	// Output:
	// kmip_batch_items_total Create Success 1
	// kmip_batch_items_total Get ObjectNotFound 1
	// kmip_objects 1
	// kmip_requests_total 2
}

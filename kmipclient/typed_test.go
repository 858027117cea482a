package kmipclient_test

import (
	"context"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// TestTyped: Do with a Result, DoTyped for any operation, in 1.4 and
// 2.1.
func TestTyped(t *testing.T) {
	cfg := startKmipd(t, kmipclient.Plain, kmipserver.EndpointConfig{})
	for _, v := range []kmipclient.Version{kmipclient.V1_4, kmipclient.V2_1} {
		cfg.Version = v
		c := dial(t, cfg)
		ctx := context.Background()
		id := newKey(t, c)
		req := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id), KeyFormatType: kmip.Some(kmip.KeyFormatTypeRaw)}
		var resp kmipclient.Result[kmip.GetResponsePayload]
		if err := c.Do(ctx, req, &resp); err != nil {
			t.Fatalf("%v: Get: %v", v, err)
		}
		if resp.Payload.UniqueIdentifier != id || resp.Payload.ObjectType != kmip.ObjectTypeSymmetricKey {
			t.Errorf("%v: Get: %+v", v, resp.Payload)
		}
		p, err := c.DoTyped(ctx, &kmip.ActivateRequestPayload{UniqueIdentifier: kmip.Some(id)})
		if err == nil {
			t.Errorf("%v: Activate of an active key: %+v, want an error", v, p)
		} else if kmipclient.ReasonOf(err) == 0 {
			t.Errorf("%v: Activate of an active key: %v, want a *kmipclient.Error", v, err)
		}
		p, err = c.DoTyped(ctx, &kmip.DestroyRequestPayload{UniqueIdentifier: kmip.Some("no-such-key")})
		if kmipclient.ReasonOf(err) != notFoundIn(v) {
			t.Errorf("%v: Destroy of a missing key: %v %v", v, p, err)
		}
		q, err := c.DoTyped(ctx, &kmip.QueryRequestPayload{QueryFunction: []kmip.QueryFunction{kmip.QueryFunctionQueryOperations}})
		if err != nil {
			t.Fatalf("%v: Query: %v", v, err)
		}
		if qr, ok := q.(*kmip.QueryResponsePayload); !ok || len(qr.Operations) == 0 {
			t.Errorf("%v: Query: %T %+v", v, q, q)
		}
	}
}

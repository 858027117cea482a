package load_test

import (
	"context"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipload/internal/load"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// More setup keys than a server takes items in one message (kmipd's
// default limit is 10 000): setup sends them in chunks and every Get of
// the run finds its key.
func TestSetupAboveItemLimit(t *testing.T) {
	srv, err := kmipserver.Listen(context.Background(),
		kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{MaxItems: 10_000}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	mix, _ := load.ParseMix("get=1")
	rep, err := load.Run(context.Background(), load.Config{
		Client: kmipclient.Config{Addr: srv.Addr().String(), Transport: kmipclient.Plain, Version: kmipclient.V2_1}, Keys: 10_001,
		Conns: 1, Batch: 100, Mix: mix, Requests: 20, Duration: time.Minute,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Items != 2000 || rep.ItemsFailed != 0 {
		t.Errorf("%d items, %d failed; want 2000, none failed", rep.Items, rep.ItemsFailed)
	}
}

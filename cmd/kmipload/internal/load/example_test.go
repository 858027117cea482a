package load_test

import (
	"context"
	"fmt"
	"time"

	"github.com/kmipwire/kmipwire/cmd/kmipload/internal/load"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// A short run against kmipd started in process on loopback: 50 messages of
// 10 items drawn from a mix of Get, Encrypt and Locate, on 2 connections.
func ExampleRun() {
	srv, err := kmipserver.Listen(context.Background(),
		kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{}))
	if err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()
	mix, _ := load.ParseMix("get=7,encrypt=2,locate=1")
	rep, err := load.Run(context.Background(), load.Config{
		Client: kmipclient.Config{Addr: srv.Addr().String(), Transport: kmipclient.Plain, Version: kmipclient.V2_1},
		Conns:  2, Batch: 10, Mix: mix, Requests: 50, Duration: time.Minute,
	}, nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(rep.Requests, "messages,", rep.Items, "items,", rep.ItemsFailed, "failed")
	fmt.Println("latency observations:", rep.Latency.Count)
	// Output:
	// 50 messages, 500 items, 0 failed
	// latency observations: 50
}

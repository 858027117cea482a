package conform

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/ttlv"
)

// alwaysPass are copied test cases that kmipwire's server passes: a
// regression guard (the table of the others is logged).
var alwaysPass = []string{"CS-RNG-M-1-14.xml", "OMOS-M-1-14.xml", "CS-RNG-M-1-21.xml", "SASED-M-1-21.xml",
	"SKLC-M-1-30.xml", "SASED-M-2-30.xml"} // the last two: KMIP 3.0 (draft)

func checkServerReport(t *testing.T, r *Report) {
	t.Helper()
	var out bytes.Buffer
	r.Write(&out)
	t.Log("\n" + out.String())
	_, _, all := r.ByProfile()
	if all.Files != 13 || all.Unreadable != 1 {
		t.Fatalf("totals %+v", all)
	}
	for _, f := range r.Files {
		for _, name := range alwaysPass {
			if strings.HasSuffix(f.Path, "/"+name) && f.Outcome != Passed {
				t.Errorf("%s: %s: %s", name, f.Outcome, f.Detail)
			}
		}
		if f.Outcome == Failed && !strings.Contains(f.Detail, "step ") {
			t.Errorf("%s: failure without its step: %s", f.Path, f.Detail)
		}
	}
}

// TestReplayInProcess replays the copied test cases against kmipwire's
// server, in process, a fresh server per test case.
func TestReplayInProcess(t *testing.T) {
	files, err := Walk(testdata)
	if err != nil {
		t.Fatal(err)
	}
	r, err := RunServer(context.Background(), files, Server{SkipUnlisted: true, New: func() (RoundTripper, func(), error) {
		return InProcess{Handler: kmipserver.New(kmipserver.Config{})}, func() {}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkServerReport(t, r)
}

// TestReplayNetwork: the same over TCP through Conn, against a minimal
// listener that frames messages by their 8-byte header.
func TestReplayNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Skipf("no loopback: %v", err)
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	defer ln.Close()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				srv := kmipserver.New(kmipserver.Config{}) // one per connection: one per test case
				var hdr [ttlv.HeaderSize]byte
				for {
					if _, err := io.ReadFull(c, hdr[:]); err != nil {
						return
					}
					req := make([]byte, ttlv.HeaderSize+int(binary.BigEndian.Uint32(hdr[4:])))
					copy(req, hdr[:])
					if _, err := io.ReadFull(c, req[ttlv.HeaderSize:]); err != nil {
						return
					}
					if _, err := c.Write(srv.ServeTTLV(context.Background(), nil, req)); err != nil {
						return
					}
				}
			}()
		}
	}()
	files, err := Walk(testdata)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r, err := RunServer(ctx, files, Server{SkipUnlisted: true, New: func() (RoundTripper, func(), error) {
		c, err := Dial(ctx, ln.Addr().String(), nil)
		if err != nil {
			return nil, nil, err
		}
		return c, func() { c.Close() }, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	checkServerReport(t, r)
}

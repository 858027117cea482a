package kmiptest_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
	"github.com/kmipwire/kmipwire/ttlv"
)

// discoverVersions is a KMIP 2.1 request with one Discover Versions item.
func discoverVersions() []byte {
	b, msg := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	b, hdr := ttlv.BeginStructure(b, ttlv.TagRequestHeader)
	b, pv := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, 2)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, 1)
	ttlv.EndStructure(b, pv)
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(b, hdr)
	b, it := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	b = ttlv.AppendEnumeration(b, ttlv.TagOperation, 0x1E) // Discover Versions
	b, p := ttlv.BeginStructure(b, ttlv.TagRequestPayload)
	ttlv.EndStructure(b, p)
	ttlv.EndStructure(b, it)
	ttlv.EndStructure(b, msg)
	return b
}

func roundTrip(t *testing.T, c net.Conn, req []byte) []byte {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(req); err != nil {
		t.Fatal(err)
	}
	var h [8]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint32(h[4:]))
	if _, err := io.ReadFull(c, body); err != nil {
		t.Fatal(err)
	}
	return append(h[:], body...)
}

// succeeded fails the test unless every item of the response has Result
// Status Success.
func succeeded(t *testing.T, resp []byte) {
	t.Helper()
	var v ttlv.Value
	if err := ttlv.Unmarshal(resp, &v); err != nil {
		t.Fatal(err)
	}
	n := 0
	for i := range v.Children {
		it := &v.Children[i]
		if it.Tag != ttlv.TagBatchItem {
			continue
		}
		n++
		if st := it.Child(ttlv.TagResultStatus); st == nil || st.Num != 0 {
			t.Fatalf("item failed: %v", it)
		}
	}
	if n == 0 {
		t.Fatal("no batch item in the response")
	}
}

func TestNewServer(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	s := kmiptest.NewServer(t, kmipserver.Config{Middleware: []kmipserver.Middleware{
		func(next kmipserver.ItemFunc) kmipserver.ItemFunc {
			return func(ctx context.Context, it *kmipserver.Item, dst []byte) ([]byte, error) {
				mu.Lock()
				seen = append(seen, it.Identity)
				mu.Unlock()
				return next(ctx, it, dst)
			}
		}}})
	succeeded(t, roundTrip(t, s.Dial(t), discoverVersions()))
	resp, err := s.HTTPClient().Post(s.URL, "application/octet-stream", bytes.NewReader(discoverVersions()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("HTTP %s: %s", resp.Status, body)
	}
	succeeded(t, body)
	// Without a client certificate the caller is anonymous.
	anon := s.ClientTLS.Clone()
	anon.Certificates = nil
	c, err := tls.Dial("tcp", s.Addr, anon)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	succeeded(t, roundTrip(t, c, discoverVersions()))
	mu.Lock()
	defer mu.Unlock()
	want := []string{kmiptest.ClientName, kmiptest.ClientName, ""}
	if len(seen) != len(want) || seen[0] != want[0] || seen[1] != want[1] || seen[2] != want[2] {
		t.Errorf("identities the middleware saw: %q, want %q", seen, want)
	}
}

// 1 000 malformed messages on concurrent connections, plaintext and TLS,
// while a well-behaved client keeps working: every one of its requests
// succeeds.
func TestHostileFlood(t *testing.T) {
	for _, tlsOn := range []bool{false, true} {
		name := "plaintext"
		if tlsOn {
			name = "tls"
		}
		t.Run(name, func(t *testing.T) {
			const maxSize = 4096
			n := 1000
			if tlsOn {
				n = 200 // a handshake each: keep the run short under -race
			}
			var addr string
			var clientTLS *tls.Config
			if tlsOn {
				s := kmiptest.NewServer(t, kmipserver.Config{MaxMessageSize: maxSize, ReadTimeout: 5 * time.Second})
				addr, clientTLS = s.Addr, s.ClientTLS
			} else {
				ks := kmipserver.New(kmipserver.Config{MaxMessageSize: maxSize, ReadTimeout: 5 * time.Second})
				ln, err := net.Listen("tcp", "127.0.0.1:0")
				if err != nil {
					t.Fatal(err)
				}
				go ks.Serve(ln)
				t.Cleanup(func() { ks.Close() })
				addr = ln.Addr().String()
			}
			valid := [][]byte{discoverVersions()}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			var st kmiptest.Stats
			go func() {
				var err error
				st, err = kmiptest.Flood(ctx, addr, clientTLS, valid, maxSize, n, 8, 1, 10*time.Second)
				done <- err
			}()
			var good net.Conn
			var err error
			if tlsOn {
				good, err = tls.Dial("tcp", addr, clientTLS)
			} else {
				good, err = net.Dial("tcp", addr)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer good.Close()
			served := 0
			for flooding := true; flooding; {
				select {
				case err := <-done:
					if err != nil {
						t.Fatal(err)
					}
					flooding = false
				default:
				}
				succeeded(t, roundTrip(t, good, discoverVersions()))
				served++
			}
			t.Logf("%d malformed messages (by kind %v; %d answered, %d closed without an answer); %d well-behaved requests served meanwhile",
				n, st.Kinds, st.Answered, st.Closed, served)
			if st.Answered == 0 || st.Closed == 0 {
				t.Error("the flood should mix messages the server answers and framing faults it closes on")
			}
		})
	}
}

// itemRequest is a KMIP 2.1 request: Create of an AES-256 key (id empty) or
// Get of id.
func itemRequest(id string) []byte {
	b, msg := ttlv.BeginStructure(nil, ttlv.TagRequestMessage)
	b, hdr := ttlv.BeginStructure(b, ttlv.TagRequestHeader)
	b, pv := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, 2)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, 1)
	ttlv.EndStructure(b, pv)
	b = ttlv.AppendInteger(b, ttlv.TagBatchCount, 1)
	ttlv.EndStructure(b, hdr)
	b, it := ttlv.BeginStructure(b, ttlv.TagBatchItem)
	var p, as int
	if id == "" {
		b = ttlv.AppendEnumeration(b, ttlv.TagOperation, 0x01) // Create
		b, p = ttlv.BeginStructure(b, ttlv.TagRequestPayload)
		b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, 0x02) // Symmetric Key
		b, as = ttlv.BeginStructure(b, ttlv.TagAttributes)
		b = ttlv.AppendEnumeration(b, ttlv.TagCryptographicAlgorithm, 0x03) // AES
		b = ttlv.AppendInteger(b, ttlv.TagCryptographicLength, 256)
		b = ttlv.AppendInteger(b, ttlv.TagCryptographicUsageMask, 0x04|0x08) // Encrypt, Decrypt
		ttlv.EndStructure(b, as)
		ttlv.EndStructure(b, p)
	} else {
		b = ttlv.AppendEnumeration(b, ttlv.TagOperation, 0x0A) // Get
		b, p = ttlv.BeginStructure(b, ttlv.TagRequestPayload)
		b = ttlv.AppendTextString(b, ttlv.TagUniqueIdentifier, id)
		ttlv.EndStructure(b, p)
	}
	ttlv.EndStructure(b, it)
	ttlv.EndStructure(b, msg)
	return b
}

// firstItem returns the Result Reason (0: success) and the Unique
// Identifier of the response's first item.
func firstItem(t *testing.T, resp []byte) (reason int64, id string) {
	t.Helper()
	var v ttlv.Value
	if err := ttlv.Unmarshal(resp, &v); err != nil {
		t.Fatal(err)
	}
	it := v.Child(ttlv.TagBatchItem)
	if it == nil {
		t.Fatal("no batch item")
	}
	if r := it.Child(ttlv.TagResultReason); r != nil {
		reason = r.Num
	}
	if p := it.Child(ttlv.TagResponsePayload); p != nil && p.Child(ttlv.TagUniqueIdentifier) != nil {
		id = p.Child(ttlv.TagUniqueIdentifier).Text()
	}
	return reason, id
}

// NewClient's certificates are identities of their own: with access
// control, bob's Get of alice's key is Permission Denied over binary TTLV
// and HTTPS, alice's succeeds.
func TestNewClientAccess(t *testing.T) {
	s := kmiptest.NewServer(t, kmipserver.Config{Access: &kmipserver.AccessControl{}})
	alice, bob := s.NewClient(t, "alice"), s.NewClient(t, "bob")
	if _, err := tls.LoadX509KeyPair(alice.CertFile, alice.KeyFile); err != nil {
		t.Fatalf("alice's files: %v", err)
	}
	dial := func(c *kmiptest.Client) net.Conn {
		conn, err := tls.Dial("tcp", s.Addr, c.TLS)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { conn.Close() })
		return conn
	}
	reason, id := firstItem(t, roundTrip(t, dial(alice), itemRequest("")))
	if reason != 0 || id == "" {
		t.Fatalf("alice's Create: reason %d", reason)
	}
	const permissionDenied = 0x0C
	if reason, _ := firstItem(t, roundTrip(t, dial(bob), itemRequest(id))); reason != permissionDenied {
		t.Errorf("bob's Get: reason 0x%X, want Permission Denied", reason)
	}
	if reason, _ := firstItem(t, roundTrip(t, dial(alice), itemRequest(id))); reason != 0 {
		t.Errorf("alice's Get: reason 0x%X", reason)
	}
	for c, want := range map[*kmiptest.Client]int64{bob: permissionDenied, alice: 0} {
		hc := &http.Client{Transport: &http.Transport{TLSClientConfig: c.TLS}, Timeout: 10 * time.Second}
		resp, err := hc.Post(s.URL, "application/octet-stream", bytes.NewReader(itemRequest(id)))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if reason, _ := firstItem(t, body); reason != want {
			t.Errorf("Get over HTTPS: reason 0x%X, want 0x%X", reason, want)
		}
	}
}

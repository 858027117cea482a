package transport

import (
	"context"
	"crypto/tls"
	"testing"
	"time"

	"github.com/kmipwire/kmipwire/internal/transport/transporttest"
	"github.com/kmipwire/kmipwire/ttlv"
)

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
			s, _ := start(t, Config{Plaintext: !tlsOn, CertDir: t.TempDir(), MaxMessageSize: maxSize, ReadTimeout: 5 * time.Second}, newFake())
			var clientTLS *tls.Config
			if tlsOn {
				clientTLS = &tls.Config{InsecureSkipVerify: true}
			}
			valid := [][]byte{message(ttlv.TagRequestMessage, 0), message(ttlv.TagRequestMessage, 40), message(ttlv.TagRequestMessage, 1000)}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			done := make(chan error, 1)
			var st transporttest.Stats
			go func() {
				var err error
				st, err = transporttest.Flood(ctx, s.Addr().String(), clientTLS, valid, maxSize, n, 8, 1, 10*time.Second)
				done <- err
			}()
			good := dial(t, s)
			if tlsOn {
				good = tls.Client(good, clientTLS)
			}
			req := message(ttlv.TagRequestMessage, 16)
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
				resp, err := roundTrip(good, req)
				if err != nil {
					t.Fatalf("well-behaved request %d failed: %v", served, err)
				}
				wantEcho(t, req, resp)
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

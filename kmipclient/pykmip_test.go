package kmipclient_test

import (
	"context"
	"testing"

	"github.com/kmipwire/kmipwire/internal/pykmiptest"
	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
)

// config is a client configuration for the server: its CA, the client
// certificate, and the RSA-key-exchange suite its TLS 1.2 policy needs.
func pykmipConfig(s *pykmiptest.Server, v kmipclient.Version) kmipclient.Config {
	suites, err := kmipclient.ParseCipherSuites(pykmiptest.CipherSuite)
	if err != nil {
		panic(err)
	}
	return kmipclient.Config{Addr: s.Addr, CAFile: s.CAFile, CertFile: s.ClientCertFile, KeyFile: s.ClientKeyFile,
		CipherSuites: suites, Version: v}
}

// TestPyKMIPServer runs every method against PyKMIP's server in KMIP 1.2
// and 2.0, and the version negotiation.
func TestPyKMIPServer(t *testing.T) {
	s := pykmiptest.Start(t)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pykmip-server log (tail):\n%s", s.LogTail())
		}
	})
	t.Run("negotiate", func(t *testing.T) {
		c := dial(t, pykmipConfig(s, 0))
		if c.Version() != kmipclient.V2_0 {
			t.Errorf("negotiated %v with PyKMIP, want 2.0 (its newest)", c.Version())
		}
	})
	t.Run("no cipher suite", func(t *testing.T) {
		cfg := pykmipConfig(s, kmipclient.V1_2)
		cfg.CipherSuites = nil
		if _, err := kmipclient.Dial(context.Background(), cfg); err == nil {
			t.Error("connected without listing an RSA-key-exchange suite: the README's advice is stale")
		}
	})
	for _, v := range []kmipclient.Version{kmipclient.V1_2, kmipclient.V2_0} {
		t.Run(v.String(), func(t *testing.T) {
			everyMethod(t, dial(t, pykmipConfig(s, v)), serverPyKMIP)
		})
	}
	t.Run("batch", func(t *testing.T) {
		c := dial(t, pykmipConfig(s, kmipclient.V1_2))
		var created kmipclient.Result[kmip.CreateResponsePayload]
		var got kmipclient.Result[kmip.GetResponsePayload]
		b := c.NewBatch(0)
		b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
		b.Add(&kmip.GetRequestPayload{}, &got)
		if err := b.Exec(context.Background()); err != nil {
			t.Fatalf("Create, Get on the ID Placeholder: %v", err)
		}
		if id := created.Payload.UniqueIdentifier; got.Payload.UniqueIdentifier != id || len(kmipclient.KeyMaterial(&got.Payload)) != 16 {
			t.Errorf("Get on the placeholder: %q, %d key bytes; created %q", got.Payload.UniqueIdentifier, len(kmipclient.KeyMaterial(&got.Payload)), id)
		}
		// PyKMIP requires the Unique Identifier of Activate (KMIP 1.2
		// §4.19 makes it optional): the whole message fails to parse.
		b.Reset()
		b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
		b.Add(&kmip.ActivateRequestPayload{}, nil)
		wantReason(t, "Create, Activate on the ID Placeholder", b.Exec(context.Background()), kmip.ResultReasonInvalidMessage)
	})
}

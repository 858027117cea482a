package kmipclient_test

import (
	"context"
	"testing"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
	"github.com/kmipwire/kmipwire/kmipserver/kmiptest"
)

// TestKmiptest: the client against kmiptest's server — TLS with the
// test's certificates and a client certificate, given as files and as a
// tls.Config, over the binary transport and HTTPS.
func TestKmiptest(t *testing.T) {
	s := kmiptest.NewServer(t, kmipserver.Config{})
	ctx := context.Background()
	for _, cfg := range []kmipclient.Config{
		{Addr: s.Addr, CAFile: s.CAFile, CertFile: s.ClientCertFile, KeyFile: s.ClientKeyFile},
		{Addr: s.Addr, TLS: s.ClientTLS},
		{Addr: s.URL, Transport: kmipclient.HTTPJSON, TLS: s.ClientTLS},
		{Addr: s.URL, Transport: kmipclient.HTTPBinary, CAFile: s.CAFile, CertFile: s.ClientCertFile, KeyFile: s.ClientKeyFile},
	} {
		c := dial(t, cfg)
		key, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)})
		if err != nil {
			t.Errorf("%v %s: Create: %v", cfg.Transport, cfg.Addr, err)
			continue
		}
		if _, err := c.Get(ctx, &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(key.UniqueIdentifier)}); err != nil {
			t.Errorf("%v: Get: %v", cfg.Transport, err)
		}
	}
}

package ovh

import (
	"context"
	"path/filepath"
	"testing"

	ovh "github.com/ovh/kmip-go"
	ovhclient "github.com/ovh/kmip-go/kmipclient"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// BenchmarkClients times warm Get and AES-GCM Encrypt round trips through
// kmipclient and through ovh/kmip-go's kmipclient, side by side, against
// one kmipd started in-process (TLS on loopback, KMIP 1.4). Allocations
// counted include the server's, the same for both clients.
func BenchmarkClients(b *testing.B) {
	dir := b.TempDir()
	srv, err := kmipserver.Listen(context.Background(), kmipserver.EndpointConfig{Addr: "127.0.0.1:0", CertDir: dir},
		kmipserver.New(kmipserver.Config{}))
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Close()
	ca := filepath.Join(dir, kmipserver.CertFileName)
	ctx := context.Background()
	kc, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: srv.Addr().String(), CAFile: ca, Version: kmipclient.V1_4, MaxConns: 1})
	if err != nil {
		b.Fatal(err)
	}
	defer kc.Close()
	oc, err := ovhclient.Dial(srv.Addr().String(), ovhclient.WithRootCAFile(ca), ovhclient.WithKmipVersions(ovh.V1_4))
	if err != nil {
		b.Fatal(err)
	}
	defer oc.Close()
	key, err := kc.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
	if err != nil {
		b.Fatal(err)
	}
	id := key.UniqueIdentifier
	if err := kc.Activate(ctx, id); err != nil {
		b.Fatal(err)
	}
	data := make([]byte, 64)
	get := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(id)}
	var getResp kmipclient.Result[kmip.GetResponsePayload]
	enc := &kmip.EncryptRequestPayload{UniqueIdentifier: kmip.Some(id), Data: kmip.Some(data),
		CryptographicParameters: &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeGCM), TagLength: kmip.Some(int32(16))}}
	var encResp kmipclient.Result[kmip.EncryptResponsePayload]
	ovhGCM := ovh.CryptographicParameters{BlockCipherMode: ovh.BlockCipherModeGCM, TagLength: 16}
	run := func(name string, call func() error) {
		b.Run(name, func(b *testing.B) {
			for range 10 {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := call(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	run("Get/kmipclient", func() error { return kc.Do(ctx, get, &getResp) })
	run("Get/ovh", func() error { _, err := oc.Get(id).ExecContext(ctx); return err })
	run("Encrypt/kmipclient", func() error { return kc.Do(ctx, enc, &encResp) })
	run("Encrypt/ovh", func() error {
		_, err := oc.Encrypt(id).WithCryptographicParameters(ovhGCM).Data(data).ExecContext(ctx)
		return err
	})
}

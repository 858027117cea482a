package kmipclient_test

import (
	"context"
	"fmt"
	"log"

	"github.com/kmipwire/kmipwire/kmip"
	"github.com/kmipwire/kmipwire/kmipclient"
	"github.com/kmipwire/kmipwire/kmipserver"
)

// Start the server in-process, create an AES key, encrypt, decrypt,
// destroy.
func Example() {
	ctx := context.Background()
	srv, err := kmipserver.Listen(ctx, kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{}))
	check(err)
	defer srv.Close()
	c, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: srv.Addr().String(), Transport: kmipclient.Plain})
	check(err)
	defer c.Close()

	key, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
	check(err)
	id := kmip.Some(key.UniqueIdentifier)
	check(c.Activate(ctx, key.UniqueIdentifier))
	gcm := &kmip.CryptographicParameters{BlockCipherMode: kmip.Some(kmip.BlockCipherModeGCM), TagLength: kmip.Some(int32(16))}
	ct, err := c.Encrypt(ctx, &kmip.EncryptRequestPayload{UniqueIdentifier: id, CryptographicParameters: gcm, Data: kmip.Some([]byte("attack at dawn"))})
	check(err)
	pt, err := c.Decrypt(ctx, &kmip.DecryptRequestPayload{UniqueIdentifier: id, CryptographicParameters: gcm,
		Data: ct.Data, IVCounterNonce: ct.IVCounterNonce, AuthenticatedEncryptionTag: ct.AuthenticatedEncryptionTag})
	check(err)
	check(c.Revoke(ctx, &kmip.RevokeRequestPayload{UniqueIdentifier: id,
		RevocationReason: &kmip.RevocationReason{RevocationReasonCode: kmip.RevocationReasonCodeCessationOfOperation}}))
	check(c.Destroy(ctx, key.UniqueIdentifier))

	fmt.Printf("KMIP %v: %q, %d bytes of ciphertext and a %d-byte tag\n", c.Version(), pt.Data.Value, len(ct.Data.Value), len(ct.AuthenticatedEncryptionTag.Value))
	// Output: KMIP 2.1: "attack at dawn", 14 bytes of ciphertext and a 16-byte tag
}

// exampleClient starts kmipserver on loopback and dials it; stop closes
// both.
func exampleClient(ctx context.Context) (c *kmipclient.Client, stop func()) {
	srv, err := kmipserver.Listen(ctx, kmipserver.EndpointConfig{Addr: "127.0.0.1:0", Plaintext: true}, kmipserver.New(kmipserver.Config{}))
	check(err)
	c, err = kmipclient.Dial(ctx, kmipclient.Config{Addr: srv.Addr().String(), Transport: kmipclient.Plain})
	check(err)
	return c, func() { c.Close(); srv.Close() }
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

// Create, Activate and Get in one message: the items after the Create work
// on its key through the ID Placeholder.
func ExampleBatch() {
	ctx := context.Background()
	c, stop := exampleClient(ctx) // kmipserver in-process, as in the package example
	defer stop()

	var created kmipclient.Result[kmip.CreateResponsePayload]
	var got kmipclient.Result[kmip.GetResponsePayload]
	b := c.NewBatch(kmip.BatchErrorContinuationOptionStop)
	b.Add(&kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(128)}, &created)
	b.Add(&kmip.ActivateRequestPayload{}, nil)
	b.Add(&kmip.GetRequestPayload{}, &got)
	check(b.Exec(ctx))
	fmt.Println(got.Payload.UniqueIdentifier == created.Payload.UniqueIdentifier, len(kmipclient.KeyMaterial(&got.Payload)))
	// Output: true 16
}

// Do with a request and a Result reused from call to call: once warm, a
// round trip allocates nothing on the client's side.
func ExampleClient_Do() {
	ctx := context.Background()
	c, stop := exampleClient(ctx) // kmipserver in-process, as in the package example
	defer stop()
	key, err := c.Create(ctx, &kmip.CreateRequestPayload{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
	check(err)

	req := &kmip.GetRequestPayload{UniqueIdentifier: kmip.Some(key.UniqueIdentifier)}
	var resp kmipclient.Result[kmip.GetResponsePayload]
	for range 3 {
		check(c.Do(ctx, req, &resp))
	}
	fmt.Println(resp.Payload.ObjectType, len(kmipclient.KeyMaterial(&resp.Payload)))
	// Output: SymmetricKey 32
}

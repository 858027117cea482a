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

	key, err := c.Create(ctx, &kmipclient.CreateRequest{ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
	check(err)
	id := key.UniqueIdentifier
	check(c.Activate(ctx, id))
	gcm := &kmipclient.CryptographicParameters{BlockCipherMode: kmip.BlockCipherModeGCM, TagLength: 16}
	ct, err := c.Encrypt(ctx, &kmipclient.EncryptRequest{UniqueIdentifier: id, CryptographicParameters: gcm, Data: []byte("attack at dawn")})
	check(err)
	pt, err := c.Decrypt(ctx, &kmipclient.DecryptRequest{UniqueIdentifier: id, CryptographicParameters: gcm,
		Data: ct.Data, IVCounterNonce: ct.IVCounterNonce, Tag: ct.Tag})
	check(err)
	check(c.Revoke(ctx, &kmipclient.RevokeRequest{UniqueIdentifier: id, Reason: kmip.RevocationReasonCodeCessationOfOperation}))
	check(c.Destroy(ctx, id))

	fmt.Printf("KMIP %v: %q, %d bytes of ciphertext and a %d-byte tag\n", c.Version(), pt.Data, len(ct.Data), len(ct.Tag))
	// Output: KMIP 2.1: "attack at dawn", 14 bytes of ciphertext and a 16-byte tag
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

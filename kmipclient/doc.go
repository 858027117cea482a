// Package kmipclient is a KMIP client: binary TTLV over TLS (the KMIP port,
// 5696) or HTTP(S) POSTs of the JSON or binary form, a pool of connections
// safe for concurrent use, a method per operation with typed payloads, bulk
// mode, and the protocol version negotiated with Discover Versions (KMIP
// 1.0–2.1) or fixed.
//
//	c, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: "kms.example:5696",
//		CAFile: "ca.pem", CertFile: "client.pem", KeyFile: "client.key"})
//	key, err := c.Create(ctx, &kmipclient.CreateRequest{
//		ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
//
// # Requests and responses
//
// Every operation has a request type (CreateRequest, EncryptRequest, …)
// implementing Request and a response type implementing Response; the
// client writes them in the protocol version in use (KMIP 1.x
// Template-Attributes and Attribute Names, or 2.x Attributes and Attribute
// References) and reads either form back. Attributes are always in the 2.x
// form. Client.Do sends any Request and decodes into any Response: with
// both reused, a call allocates nothing once warm on the binary transports
// (the response's byte slices alias its own buffer, valid until it is
// reused). The methods (Create, Get, Encrypt, …) return a new response each
// time. RawRequest, RawResponse and Client.Call carry operations this
// package does not model (vendor operations), Client.RoundTrip whole
// messages.
//
// # Errors
//
// A failed operation is an *Error carrying the Result Status, Result Reason
// and Result Message; an answer the client cannot use is a *ProtocolError
// (ErrProtocol); transport failures wrap the net or TLS error, and a
// context's end wraps context.Canceled or context.DeadlineExceeded.
//
// # Connections
//
// Config.MaxConns connections are opened as needed and kept for reuse for up
// to Config.MaxIdleTime. Servers drop idle connections: when a pooled
// connection fails before any byte of the answer arrives, a request whose
// operation is Idempotent is sent again on a new connection; any other
// fails, since the server may have run it. A call's context bounds it
// (deadline and cancellation); without a deadline, Config.Timeout does.
//
// # Security Considerations
//
// TLS is 1.2 or later unless Config.MinTLSVersion says otherwise; the
// server's certificate is verified against Config.CAFile or the system's
// CAs. Config.CipherSuites lists legacy suites for servers that need them.
// A response's size is checked against Config.MaxResponseSize before it is
// read, and every response is validated by the strict TTLV decoder before
// any field is used.
package kmipclient

// Package kmipclient is a KMIP client: binary TTLV over TLS (the KMIP port,
// 5696) or HTTP(S) POSTs of the JSON or binary form, a pool of connections
// safe for concurrent use, a method per operation with typed payloads, bulk
// mode, and the protocol version negotiated with Discover Versions (KMIP
// 1.0–2.1) or fixed.
//
//	c, err := kmipclient.Dial(ctx, kmipclient.Config{Addr: "kms.example:5696",
//		CAFile: "ca.pem", CertFile: "client.pem", KeyFile: "client.key"})
//	key, err := c.Create(ctx, &kmip.CreateRequestPayload{
//		ObjectType: kmip.ObjectTypeSymmetricKey, Attributes: kmipclient.AES(256)})
//
// # Requests and responses
//
// Requests and responses are the payload types package kmip generates for
// every operation (kmip.CreateRequestPayload, kmip.GetResponsePayload, …):
// each method (Create, Get, Encrypt, …) takes its request payload and
// returns the response payload in a new value. Set a request's KMIP 2.x
// fields whatever the version (Attributes, Attribute References, New
// Attribute): in a 1.x session the client writes them in the 1.x form
// (Template-Attribute, Attribute Names, Attribute), and gives a 1.x
// answer's attributes and names in the 2.x fields too. Client.Do sends any
// payload and decodes into a Response, a Result of the response payload
// type: with both reused, a call allocates nothing once warm on the binary
// transports (the Result's payload aliases its own copy of the answer,
// valid until it is reused). kmip.RawRequestPayload and Client.Call carry
// operations package kmip does not model (vendor operations), Client.DoTyped
// answers in whatever type the operation has, Client.RoundTrip sends
// whole messages.
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

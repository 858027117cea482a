// Package kmipserver is an embeddable KMIP server: the operations, the
// object store and its lifecycle rules, bulk mode, and the transports
// (binary TTLV over TLS, HTTP). kmipd is a thin main over it; tests start
// one on loopback with package kmiptest.
//
// New returns a Server. It answers messages in process (ServeTTLV,
// ServeJSON, ServeOperationJSON), serves binary TTLV on a net.Listener
// (Serve) and is an http.Handler for POST /kmip and /kmip/2_1
// (ServeHTTP). Every batch item goes through the Config.Middleware chain
// (see Middleware) before the operation runs: logging, access control,
// metrics and limits belong there; Item.Peer and Item.Identity say who is
// asking. Objects live in memory; a Server made with Open also keeps them
// in a Store (package boltstore: a bbolt file), each change stored before
// it is answered.
//
// # Transports
//
// An Endpoint carries KMIP messages between clients and a Handler:
// binary TTLV over TLS (the KMIP port, 5696) and HTTP (POST /kmip with the
// JSON or binary form, POST /kmip/2_1 with a bare operation). Server.Serve and
// Server.ServeHTTP use one; kmipd calls Listen, which opens its addresses.
//
// # Framing
//
// A KMIP connection carries one message after the other, each a TTLV
// Structure: an 8-byte header (tag, type, length, KMIP 2.1 §10.1) and
// length bytes. The binary transport reads the header, refuses anything
// that is not a Structure or that is larger than EndpointConfig.MaxMessageSize
// before reading or allocating anything, reads the body into a buffer the
// connection reuses (taken from a pool, grown only as bytes arrive), hands
// the message to the Handler and writes the response. A framing fault
// closes that connection only.
//
// # Security Considerations
//
// Hostile input never stops the server: sizes are bounded before reading,
// each connection has read, idle and write deadlines, the number of open
// connections is bounded (excess connections are closed at once), the
// bytes held for messages still arriving are bounded across all
// connections (EndpointConfig.MaxInflightBytes: past it, large messages
// wait unread while small ones are still served), and a
// panic in the Handler is recovered, logged and ends only that connection
// or request. TLS is 1.2 or later; with EndpointConfig.ClientCAFile, clients must
// present a certificate signed by one of its CAs (mutual TLS).
//
// # Messages
//
// A RequestMessage is split with batch.Splitter and answered with
// batch.Assembler in the request's protocol version (KMIP 1.0–1.4, 2.0,
// 2.1; KMIP 2.1 §8, 1.4 §7; and 3.0, a committee draft, for the
// operations implemented: no Batch Count, Unique Identifiers of type
// Identifier, a Name that is a Text String). Items run in order. Each item's result —
// payload or failure — is kept until the message ends, so that the Batch
// Error Continuation Option can act on it: Stop (the default) answers no
// item after the first failure; Continue runs them all; Undo reverts the
// effects of the earlier items (objects created are removed, changed
// objects restored from a journal) and reports them Operation Undone,
// with their responses (KMIP 2.1 §9.6, Table 434; 1.4 §6.13). Maximum Response Size is measured on the
// TTLV encoding as the items run: an item whose answer would exceed it
// fails with Response Too Large and its effects are reverted. A message
// that cannot be parsed gets one BatchItem without Operation, Result
// Reason Invalid Message; a malformed item fails alone; an unknown
// operation fails with Operation Not Supported (shared/INTEROP.md).
//
// An empty or absent Unique Identifier means the ID Placeholder: the
// identifier the last Create, Create Key Pair (the private key), Register
// or Locate (the first found) of the message returned (KMIP 2.1 §6.1, 1.4
// §4), so Create then Activate works in one batch.
//
// # Attributes
//
// Requests may carry attributes in either form: KMIP 1.x TemplateAttribute
// and Attribute{Attribute Name, Attribute Index, Attribute Value}, or KMIP
// 2.x Attributes with tagged attributes. Attributes are stored in the 2.x
// form; answers to KMIP 1.x clients use the 1.x form and hold only the
// attributes their minor version defines (1.4 §3; Original Creation Date
// is 1.2+, for instance).
//
// # Lifecycle
//
// Objects follow the KMIP state machine (KMIP 2.1 §5, 1.4 §3.22): created
// Pre-Active (Active at once if an Activation Date not after now is
// given); Activate only from Pre-Active; Revoke with Key or CA Compromise
// makes the object Compromised (Destroyed Compromised if destroyed), any
// other reason deactivates an Active object only; Destroy is
// refused for Active objects and drops the key material (Get then fails;
// the attributes stay). Encrypt, Sign and MAC need Active; Decrypt and
// Signature Verify also work Deactivated or Compromised. A forbidden
// transition fails with Wrong Key Lifecycle State in KMIP 2.x and
// Permission Denied in 1.x and 2.0, as the OASIS profile tests expect.
//
// # Access control
//
// Each object records the identity that created it (Config.Identify,
// by default the bearer token's or client certificate's). With
// Config.Access set, only the owner, the administrators and the
// identities the owner granted (GrantAttribute) use it: any other item
// naming it fails with Permission Denied and Locate does not list it
// (see AccessControl). The owner is part of the object's Store record.
//
// Login (2.x) answers a ticket bound to the requester's identity, for a
// Lease Time and a Request Count; a request header carrying it as a
// Ticket Credential is answered as that identity, until Logout ends it.
// Delegated Login's tickets are also held to their Rights (operations,
// objects, Object Groups): beyond them, Not Authorised. Tickets are kept
// in memory only.
//
// # Cryptography
//
// Create makes AES-128/192/256, 3DES and HMAC keys and Secret Data;
// Create Key Pair makes RSA 2048–4096, ECDSA, ECDH or EC keys on
// P-256/P-384/P-521 and secp256k1, X25519 (ECDH or EC on CURVE25519) and
// Ed25519 keys. Derive Key derives with PBKDF2, HASH, HMAC, NIST SP
// 800-108 counter mode, and Asymmetric Key (ECDH of a Private Key and a
// Public Key: the shared secret's leading bytes). Encrypt and Decrypt do
// AES-GCM (the default; the tag in Authenticated Encryption Tag from KMIP
// 1.4 on, appended to Data before, where the field does not exist), CBC,
// ECB and CTR (no padding unless PKCS5 is asked for), ChaCha20 and
// ChaCha20-Poly1305 (RFC 8439, registered keys; tags of 12 to 16 bytes),
// and RSA-OAEP (MGF1 hash and P Source as given); Sign and Signature Verify do ECDSA,
// Ed25519, RSA-PSS and RSA PKCS#1 v1.5; MAC and MAC Verify do
// HMAC-SHA-1/224/256/384/512; Hash (1.2+) SHA-1/224/256/384/512; RNG
// Retrieve reads Config.Rand. AES-GCM Encrypt also streams in parts
// (Init Indicator, Correlation Value, Final Indicator). Usage Limits
// bound what Encrypt, Sign and MAC may protect; Quantum Safe is refused
// for keys under 256 bits and public-key algorithms. Check weighs a
// Usage Limits Count, Cryptographic Usage Mask and Lease Time against
// the object (a refusal answers the values refused in 1.x and fails in
// 2.x); Obtain Lease grants the server's Lease Time
// (Config.LeaseTime, one hour by default). Log (2.x) writes to the
// server's log; Interop (2.x) exists only when Config.Interop enables
// it, for the OASIS interoperability test cases. The Protect Stop
// Date and Process Start Date bound protecting and processing use, the
// Cryptographic Usage Mask what a key may do. Get refuses the key
// material of an object that is not Extractable, and of a Sensitive one
// unless it is wrapped: Get wraps a Key Value under an AES key with the
// Wrap Key usage (Wrapping Method Encrypt, AES Key Wrap of RFC 3394; the
// Key Value's TTLV encoding, or the Key Material alone with Encoding
// Option No Encoding), and with Key Wrap Type Not Wrapped unwraps a key
// registered wrapped under a key with the Unwrap Key usage.
//
// # Certificates, key pairs and transfer
//
// A registered X.509 certificate gets the attributes derived from it
// (crypto/x509): Certificate Type and Length, Digest, the key's algorithm
// and length, Digital Signature Algorithm, the X.509 Certificate
// Identifier, Subject and Issuer, and the 2.x Certificate Subject and
// Issuer names (CN, O, …; the 1.0 forms in 1.x). Certify issues a
// certificate for a managed Public Key or a PKCS#10 request, signed by
// Config.CA or by a CA the server makes for itself
// (Server.CertificateAuthority); Re-certify renews one; Validate checks a
// chain against that CA and registered self-signed certificates. Re-key
// Key Pair (1.1+) replaces a key pair, Export and Import (1.4+) move an
// object with all its attributes, Adjust Attribute (2.x) increments,
// decrements or negates one, and Set Endpoint Role (2.x) keeps the
// server's role. Which operations a version has follows one table
// (opversion.go), for Query and for the items of that version alike.
//
// Keys get the attributes a server sets (KMIP 1.4 §3, 2.1 §4): Digest
// (SHA-256 of the key material), Original Creation Date and Random Number
// Generator for the keys the server made, Sensitive, Always Sensitive,
// Extractable and Never Extractable, Fresh (false once Get served the
// key), and in KMIP 2.x Short Unique Identifier (SHA-256 of the Unique
// Identifier), Key Format Type and Protection Storage Mask (Software).
//
// # Conformance
//
// TestOASISProfiles (an external test) replays the OASIS KMIP profile and
// test cases (XML form, shared/conformance/kmip-xml) against the server
// with cmd/kmipconform/conform's Replay, the comparer of cmd/kmipconform: every
// response structurally equal to the file's, placeholders bound. The
// SASED-M and TL-M families share a server (later cases use the objects
// of earlier ones). The cases listed in testdata/oasis-pass.txt must
// pass. TestPyKMIPClient drives the server with PyKMIP's ProxyKmipClient
// in KMIP 1.2, 1.4 and 2.0.
//
// # Performance
//
// Get answers from the object's pre-encoded Get payload: a 100-item Get
// batch allocates nothing (TestServeBatchAllocs). Get, Get Attributes,
// Export, Destroy, Encrypt, Decrypt, Sign, Create, Create Key Pair,
// Register and Locate read package kmip's typed request payloads
// (typed.go) — the last four their attribute sets and managed object as
// trees of those items alone — the other operations a ttlv.Value tree of
// theirs.
// Per-message state (splitter, assembler, payload tree, typed payloads,
// buffers) is pooled. The store is a
// sharded map of objects, each with its own lock; Locate finds its
// candidates in an index (index.go) by Object Type, Object Type and
// Cryptographic Algorithm, State, Name, Object Group and Link.
package kmipserver

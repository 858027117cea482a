package kmipserver

import "github.com/kmipwire/kmipwire/ttlv"

// Endpoint Role values (KMIP 2.1 §11.19).
const (
	roleClient uint32 = 0x01
	roleServer uint32 = 0x02
)

// setEndpointRole answers Set Endpoint Role (KMIP 2.1 §6.1.54, a 2.0
// operation), which asks the server to take a role on the connection for
// the requests and responses that follow. The server keeps the role it
// has: Endpoint Role Server is accepted and answered, as the role applied;
// Client — the server sending requests and the client answering them — is
// refused with Feature Not Supported (one of the operation's Result
// Reasons), since the only requests a KMIP server sends are the
// server-to-client Notify and Put (§6.2), which this server never
// initiates.
func (c *reqCtx) setEndpointRole(p *ttlv.Value, b []byte) ([]byte, *opError) {
	r := p.Child(ttlv.TagEndpointRole)
	if r == nil || r.Type != ttlv.TypeEnumeration {
		return b, fail(rrInvalidField, "Set Endpoint Role without an Endpoint Role")
	}
	switch uint32(r.Num) {
	case roleServer:
		return ttlv.AppendEnumeration(b, ttlv.TagEndpointRole, roleServer), nil
	case roleClient:
		return b, fail(rrFeatureNotSupported, "this server does not take the client role: it sends no requests (Notify, Put)")
	}
	return b, fail(rrInvalidField, "Endpoint Role %d not defined (Client, Server)", r.Num)
}

package kmipserver

import (
	"github.com/kmipwire/kmipwire/ttlv"
)

// VendorIdentification is what Query answers for Query Server Information.
const VendorIdentification = "kmipwire kmipd"

// operations lists the operations the server implements, in Query order.
var operations = [...]uint32{
	opCreate, opCreateKeyPair, opRegister, opReKey, opReKeyKeyPair, opDeriveKey, opCertify, opReCertify, opLocate, opCheck, opGet, opGetAttributes, opGetAttributeList,
	opAddAttribute, opModifyAttribute, opDeleteAttribute, opObtainLease, opGetUsageAllocation, opActivate, opRevoke, opDestroy, opArchive, opRecover, opValidate,
	opQuery, opCancel, opPoll, opQueryAsyncRequests, opProcess, opDiscoverVersions, opEncrypt, opDecrypt, opSign, opSignatureVerify, opMAC,
	opMACVerify, opRNGRetrieve, opRNGSeed, opHash, opCreateSplitKey, opJoinSplitKey, opImport, opExport, opLog, opLogin, opLogout, opDelegatedLogin, opSetAttribute, opAdjustAttribute, opSetEndpointRole, opInterop,
	opSetConstraints, opGetConstraints, opPing, opSetDefaults,
	opCreateUser, opCreateGroup, opCreateCredential, opObliterate, opDeactivate,
}

// objectTypes lists the object types the server stores.
var objectTypes = [...]uint32{objCertificate, objSymmetricKey, objPublicKey, objPrivateKey,
	objSplitKey, objTemplate, objSecretData, objOpaqueObject, objPGPKey, objCertificateRequest,
	objUser, objGroup, objPasswordCredential, objDeviceCredential, objOTPCredential, objHashedPasswordCredent}

// definesType reports whether the conversation's protocol version has the
// Object Type: PGP Key since 1.2 (1.2 §2.2.9), Template until 1.4 (2.0
// Table 430 makes 0x06 Reserved), Certificate Request since 2.0 (2.0
// §2.2), the users, groups and credentials of the 3.0 draft (its
// Object Type enumeration) in 3.0 only.
func (c *reqCtx) definesType(t uint32) bool {
	switch {
	case t == objPGPKey:
		return !c.v1() || c.minor >= 2
	case t == objTemplate:
		return c.v1()
	case t == objCertificateRequest:
		return !c.v1()
	case systemObject(t):
		return c.major >= 3
	}
	return true
}

// showsObject reports whether the conversation's protocol version has o's
// kind of object: its Object Type (definesType), and, before 3.0, not a
// System object (a Certificate that Create Credential made: Object Class,
// 3.0 draft §4.40). An object a version does not have is not there for a
// request in that version: Locate does not answer it and a lookup by
// identifier (find, getFast) answers as for an unknown identifier (Object
// Not Found from 2.0 on, Item Not Found in 1.x: notFound) — a 2.x client
// cannot get the 3.0 draft's User it could not have made, nor a 1.x
// client a 2.0 Certificate Request. Call it with o.mu held (visible
// takes it).
func (c *reqCtx) showsObject(o *object) bool {
	if !c.definesType(o.typ) {
		return false
	}
	return c.major >= 3 || o.typ != objCertificate || !isCredential(o)
}

// visible is showsObject for a caller without o.mu held: o's type and
// attributes may change under its lock (an Import replacing it).
func (c *reqCtx) visible(o *object) bool {
	o.mu.RLock()
	defer o.mu.RUnlock()
	return c.showsObject(o)
}

// OutOfScope returns the operations the server does not implement by
// design, as the Operation enumeration spells them (KMIP 2.1 §11.36):
// Notify and Put, server-to-client operations (1.4 §4.22–4.23) a server
// that never initiates a message cannot send, and PKCS_11, a pass-through
// to a PKCS#11 library (2.0 §6.1.37) the server has none of. Each is
// answered Operation Not Supported and absent from Query (README,
// "Operations kmipd does not implement"; TestQueryTellsTheTruth). A
// conformance replay can compare Query answers without them
// (cmd/kmipconform's -out-of-scope).
func OutOfScope() []string { return []string{"Notify", "Put", "PKCS_11"} }

// versions lists the protocol versions the server speaks, preferred first.
// KMIP 3.0, a committee draft, comes last: a client that picks the first
// version both sides speak keeps to the OASIS Standards.
var versions = [...][2]int32{{2, 1}, {2, 0}, {1, 4}, {1, 3}, {1, 2}, {1, 1}, {1, 0}, {3, 0}}

// query answers Query (2.1 §6.1.40, 1.4 §4.25).
func (c *reqCtx) query(p *ttlv.Value, b []byte) ([]byte, *opError) {
	var ops, objs, info, defaults bool
	for i := range p.Children {
		ch := &p.Children[i]
		if ch.Tag != ttlv.TagQueryFunction {
			continue
		}
		switch uint32(ch.Num) {
		case queryOperations:
			ops = true
		case queryObjects:
			objs = true
		case queryServerInfo:
			info = true
		case queryDefaultsInformation:
			// 2.0 has the Query Function and Defaults Information
			// (2.0 §6.1.37), 2.1 Set Defaults too (defaults.go)
			defaults = !c.v1()
		}
	}
	if ops {
		for _, op := range operations {
			if !c.defines(op) || op == opInterop && !c.s.interop || !c.allowsOp(op) {
				continue // see opSince; a Delegated Login ticket's Rights (login.go)
			}
			b = ttlv.AppendEnumeration(b, ttlv.TagOperation, op)
		}
	}
	if objs {
		for _, t := range objectTypes {
			if !c.definesType(t) {
				continue
			}
			b = ttlv.AppendEnumeration(b, ttlv.TagObjectType, t)
		}
	}
	if info {
		b = ttlv.AppendTextString(b, ttlv.TagVendorIdentification, VendorIdentification)
		var m int
		b, m = ttlv.BeginStructure(b, ttlv.TagServerInformation)
		ttlv.EndStructure(b, m)
	}
	if defaults {
		b = c.appendDefaults(p, b)
	}
	return b, nil
}

// discoverVersions answers Discover Versions (2.1 §6.1.17, 1.4 §4.26):
// the versions asked for that the server speaks, in the client's order,
// or all of them, preferred first.
func (c *reqCtx) discoverVersions(p *ttlv.Value, b []byte) ([]byte, *opError) {
	asked := false
	for i := range p.Children {
		ch := &p.Children[i]
		if ch.Tag != ttlv.TagProtocolVersion {
			continue
		}
		asked = true
		var major, minor int32
		if v := ch.Child(ttlv.TagProtocolVersionMajor); v != nil {
			major = int32(v.Num)
		}
		if v := ch.Child(ttlv.TagProtocolVersionMinor); v != nil {
			minor = int32(v.Num)
		}
		if supported(major, minor) {
			b = appendVersion(b, major, minor)
		}
	}
	if !asked {
		for _, v := range versions {
			b = appendVersion(b, v[0], v[1])
		}
	}
	return b, nil
}

func appendVersion(b []byte, major, minor int32) []byte {
	b, m := ttlv.BeginStructure(b, ttlv.TagProtocolVersion)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMajor, major)
	b = ttlv.AppendInteger(b, ttlv.TagProtocolVersionMinor, minor)
	ttlv.EndStructure(b, m)
	return b
}

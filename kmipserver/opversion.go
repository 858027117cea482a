package kmipserver

// opSince returns the protocol version that introduced a client-to-server
// operation, as the specifications' chapter 4 (KMIP 1.0–1.4) and §6.1
// (2.0, 2.1) list them: the 1.0 operations (1.0 §4.1–§4.26), then Re-key
// Key Pair and Discover Versions (1.1 §4.5, §4.26), the cryptographic
// operations, RNG Retrieve and Seed, Hash and the split keys (1.2
// §4.29–§4.39), Export and Import (1.4 §4.40, §4.41), and the 2.0
// operations (Log, Adjust Attribute, Set Attribute, Set Endpoint Role,
// Interop, …), the 2.1 ones (Set and Get Constraints, Ping, Process,
// Query Asynchronous Requests, Set Defaults: 2.1 §6.1 lists them, 2.0
// §6.1 does not)
// and the 3.0 draft's.
func opSince(op uint32) (major, minor int32) {
	switch op {
	case opReKeyKeyPair, opDiscoverVersions:
		return 1, 1
	case opEncrypt, opDecrypt, opSign, opSignatureVerify, opMAC, opMACVerify,
		opRNGRetrieve, opRNGSeed, opHash, opCreateSplitKey, opJoinSplitKey:
		return 1, 2
	case opImport, opExport:
		return 1, 4
	case opLog, opLogin, opLogout, opDelegatedLogin, opAdjustAttribute, opSetAttribute, opSetEndpointRole, opInterop:
		return 2, 0
	case opGetConstraints, opSetConstraints, opPing, opProcess, opQueryAsyncRequests, opSetDefaults:
		return 2, 1 // 2.1 §6.1.22, §6.1.52, §6.1.36, §6.1.39, §6.1.41, §6.1.53
	case opCreateGroup, opObliterate, opCreateUser, opCreateCredential, opDeactivate:
		return 3, 0 // the 3.0 committee draft's (§6.1.9, §6.1.10, §6.1.13, §6.1.39, §6.1.14)
	}
	return 1, 0
}

// defines reports whether the conversation's protocol version has the
// operation. Discover Versions is answered in every version: a client
// negotiating the version may send it before knowing what the server
// speaks (1.1 §4.26).
func (c *reqCtx) defines(op uint32) bool {
	if op == opDiscoverVersions {
		return true
	}
	major, minor := opSince(op)
	return c.major > major || c.major == major && c.minor >= minor
}

// Operations the table names that are implemented in files of their own
// (Operation enumeration, KMIP 2.1 §11.36, 1.4 §9.1.3.2.27).
const (
	opReKeyKeyPair    uint32 = 0x1D
	opImport          uint32 = 0x2A
	opExport          uint32 = 0x2B
	opAdjustAttribute uint32 = 0x30
	opSetEndpointRole uint32 = 0x32
)

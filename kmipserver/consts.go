package kmipserver

// Enumeration values the server reads and writes (KMIP 2.1 §11; the same
// numbers in KMIP 1.4 §9.1.3.2). TestEnums checks each against the ttlv
// registry's tables.
const (
	opCreate           uint32 = 0x01 // Operation, 2.1 §11.36
	opCreateKeyPair    uint32 = 0x02
	opRegister         uint32 = 0x03
	opLocate           uint32 = 0x08
	opCheck            uint32 = 0x09
	opObtainLease      uint32 = 0x10
	opGet              uint32 = 0x0A
	opGetAttributes    uint32 = 0x0B
	opGetAttributeList uint32 = 0x0C
	opAddAttribute     uint32 = 0x0D
	opModifyAttribute  uint32 = 0x0E
	opDeleteAttribute  uint32 = 0x0F
	opActivate         uint32 = 0x12
	opRevoke           uint32 = 0x13
	opDestroy          uint32 = 0x14
	opQuery            uint32 = 0x18
	opDiscoverVersions uint32 = 0x1E
	opEncrypt          uint32 = 0x1F
	opDecrypt          uint32 = 0x20
	opSign             uint32 = 0x21
	opSignatureVerify  uint32 = 0x22
	opMAC              uint32 = 0x23
	opMACVerify        uint32 = 0x24
	opRNGRetrieve      uint32 = 0x25
	opHash             uint32 = 0x27
	opLog              uint32 = 0x2C
	opInterop          uint32 = 0x34

	objCertificate  uint32 = 0x01 // Object Type, §11.34
	objSymmetricKey uint32 = 0x02
	objPublicKey    uint32 = 0x03
	objPrivateKey   uint32 = 0x04
	objSplitKey     uint32 = 0x05
	objSecretData   uint32 = 0x07
	objOpaqueObject uint32 = 0x08
	objPGPKey       uint32 = 0x09
	// objCertificateRequest: KMIP 2.0 on (2.1 §2.2); 1.x defines no such object.
	objCertificateRequest uint32 = 0x0A

	statePreActive            uint32 = 0x01 // State, 2.1 §11.55
	stateActive               uint32 = 0x02
	stateDeactivated          uint32 = 0x03
	stateCompromised          uint32 = 0x04
	stateDestroyed            uint32 = 0x05
	stateDestroyedCompromised uint32 = 0x06

	alg3DES             uint32 = 0x02 // Cryptographic Algorithm, 2.1 §11.12
	algAES              uint32 = 0x03
	algRSA              uint32 = 0x04
	algECDSA            uint32 = 0x06
	algHMACSHA1         uint32 = 0x07
	algHMACSHA224       uint32 = 0x08
	algHMACSHA256       uint32 = 0x09
	algHMACSHA384       uint32 = 0x0A
	algHMACSHA512       uint32 = 0x0B
	algECDH             uint32 = 0x0E
	algEC               uint32 = 0x1A
	algChaCha20         uint32 = 0x1C
	algChaCha20Poly1305 uint32 = 0x1E
	algEd25519          uint32 = 0x37

	curveP256       uint32 = 0x07 // Recommended Curve, 2.1 §11.45
	curveP384       uint32 = 0x0A
	curveP521       uint32 = 0x0D
	curveSECP256K1  uint32 = 0x19
	curve25519      uint32 = 0x45
	curveEd25519Alt uint32 = 0x47 // CURVEED25519 (not in KMIP 2.1; sent by some clients)

	kfRaw           uint32 = 0x01 // Key Format Type, 2.1 §11.25
	kfOpaque        uint32 = 0x02
	kfPKCS1         uint32 = 0x03
	kfPKCS8         uint32 = 0x04
	kfX509          uint32 = 0x05
	kfECPrivateKey  uint32 = 0x06
	kfTransparentSK uint32 = 0x07

	modeCBC  uint32 = 0x01 // Block Cipher Mode, 2.1 §11.6
	modeECB  uint32 = 0x02
	modeCTR  uint32 = 0x06
	modeGCM  uint32 = 0x09
	modeAEAD uint32 = 0x12

	padNone  uint32 = 0x01 // Padding Method, 2.1 §11.37
	padOAEP  uint32 = 0x02
	padPKCS5 uint32 = 0x03
	padPKCS1 uint32 = 0x08
	padPSS   uint32 = 0x0A

	hashSHA1   uint32 = 0x04 // Hashing Algorithm, 2.1 §11.21
	hashSHA224 uint32 = 0x05
	hashSHA256 uint32 = 0x06
	hashSHA384 uint32 = 0x07
	hashSHA512 uint32 = 0x08

	dsaSHA256WithRSA   uint32 = 0x05 // Digital Signature Algorithm, 2.1 §11.16
	dsaSHA384WithRSA   uint32 = 0x06
	dsaSHA512WithRSA   uint32 = 0x07
	dsaRSASSAPSS       uint32 = 0x08
	dsaECDSAWithSHA256 uint32 = 0x0E
	dsaECDSAWithSHA384 uint32 = 0x0F
	dsaECDSAWithSHA512 uint32 = 0x10

	revUnspecified   uint32 = 0x01 // Revocation Reason Code, 2.1 §11.48
	revKeyCompromise uint32 = 0x02
	revCACompromise  uint32 = 0x03

	linkPublicKey  uint32 = 0x102 // Link Type, 2.1 §11.28
	linkPrivateKey uint32 = 0x103

	nameText uint32 = 0x01 // Name Type, 2.1 §11.31

	secretPassword uint32 = 0x01 // Secret Data Type, 2.1 §11.52

	rngUnspecified uint32 = 0x01 // RNG Algorithm, 2.1 §11.49
	rngDRBG        uint32 = 0x03

	validityValid   uint32 = 0x01 // Validity Indicator, 2.1 §11.61
	validityInvalid uint32 = 0x02

	queryOperations uint32 = 0x01 // Query Function, 2.1 §11.44
	queryObjects    uint32 = 0x02
	queryServerInfo uint32 = 0x03

	storageOnline    uint32 = 0x01 // Storage Status Mask, §12.3
	storageDestroyed uint32 = 0x04

	usageSign    uint32 = 0x01 // Cryptographic Usage Mask, §12.1
	usageVerify  uint32 = 0x02
	usageEncrypt uint32 = 0x04
	usageDecrypt uint32 = 0x08
	usageWrapKey uint32 = 0x10
	usageMACGen  uint32 = 0x80
	usageMACVer  uint32 = 0x100

	// Result Reason, §11.46 (WrongKeyLifecycleState and later ones are
	// KMIP 2.x only; see reasonFor).
	rrItemNotFound             uint32 = 0x01
	rrResponseTooLarge         uint32 = 0x02
	rrInvalidMessage           uint32 = 0x04
	rrOperationNotSupported    uint32 = 0x05
	rrMissingData              uint32 = 0x06
	rrInvalidField             uint32 = 0x07
	rrFeatureNotSupported      uint32 = 0x08
	rrCryptographicFailure     uint32 = 0x0A
	rrPermissionDenied         uint32 = 0x0C
	rrKeyFormatTypeUnsupported uint32 = 0x10
	rrSensitive                uint32 = 0x16
	rrNotExtractable           uint32 = 0x17
	rrAttributeNotFound        uint32 = 0x21
	rrAttributeReadOnly        uint32 = 0x22
	rrAttributeSingleValued    uint32 = 0x23
	rrUsageLimitExceeded       uint32 = 0x1A
	rrIncompatibleUsageMask    uint32 = 0x29
	rrObjectDestroyed          uint32 = 0x36
	rrObjectNotFound           uint32 = 0x37
	rrWrongKeyLifecycleState   uint32 = 0x43
	rrBadPassword              uint32 = 0x25
	rrGeneralFailure           uint32 = 0x100
)

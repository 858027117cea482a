// Package kmip is the typed KMIP layer above package ttlv: Go types for the
// protocol's enumerations, bit masks and structures, generated from the
// specification tables in internal/spec (go generate; see internal/gen/kmip).
//
// # Enumerations and masks
//
// Every enumeration and bit mask of KMIP 1.0 to 2.1 is a named uint32 type
// with a constant for each value the specifications list
// (OperationCreate, CryptographicAlgorithmAES,
// CryptographicUsageMaskEncrypt|CryptographicUsageMaskDecrypt). String gives
// the name the JSON and XML forms write, Parse… reads it back (and the
// aliases the codec accepts), and values the tables do not list — vendor
// extensions 0x8XXXXXXX among them — convert and print in hexadecimal. The
// values of the KMIP 3.0 committee draft are included too; their comments
// mark them as draft, which may still change.
package kmip

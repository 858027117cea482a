package kmip

// The enumerations (enums_gen.go) and structures (structs_gen.go) are
// generated from the specification tables in internal/spec;
// TestGeneratedCurrent fails when they are stale.
//go:generate go run ../internal/gen/kmip

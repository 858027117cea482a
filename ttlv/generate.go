package ttlv

// The registry tables (tables_gen.go) are generated from the specification
// tables in internal/spec; TestGeneratedTablesCurrent fails when they are stale.
//go:generate go run ../internal/gen/tables

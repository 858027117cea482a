package fuzz

// seedKind selects the seeds of a native target (seeds_test.go).
type seedKind int

const (
	seedBinary seedKind = iota // binary messages
	seedStream                 // binary messages, and several in a row
	seedJSON                   // the JSON form
)

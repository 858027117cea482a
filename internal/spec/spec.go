// Package spec holds the specification tables the generators read (see
// README.md); it has no Go API. go generate here derives structs.tsv from
// the specifications' HTML in ../shared/spec/html.
package spec

//go:generate go run ../gen/specdefs -html ../../../shared/spec/html

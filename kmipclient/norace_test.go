//go:build !race

package kmipclient_test

const raceEnabled = false

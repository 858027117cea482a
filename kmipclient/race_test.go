//go:build race

package kmipclient_test

const raceEnabled = true

//go:build race

package bench

// raceEnabled: under the race detector sync.Pool drops a random share of
// what is put back, so pooled paths allocate now and then.
const raceEnabled = true

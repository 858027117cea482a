//go:build race

package kmipserver

// raceEnabled: the race detector makes sync.Pool drop values at random,
// so allocation counts mean nothing under it.
const raceEnabled = true

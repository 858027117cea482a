//go:build race

package xmlttlv

// raceEnabled: the race detector makes sync.Pool drop values at random
// (a dropped scanner comes back new, its caches empty), so allocation
// counts mean nothing under it; make test counts them without -race.
const raceEnabled = true

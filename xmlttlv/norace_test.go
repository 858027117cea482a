//go:build !race

package xmlttlv

const raceEnabled = false

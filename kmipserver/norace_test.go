//go:build !race

package kmipserver

const raceEnabled = false

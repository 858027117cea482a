package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/pprof"
	"runtime/trace"
)

// profiles records the run — the load generator and, without -addr, the
// in-process kmipd with it — as a runtime/trace (-trace) and a CPU
// profile (-cpuprofile), from the start of the load to its end, the setup
// phase left out.
type profiles struct {
	trace, cpu *os.File
	err        error // the first failure to start or stop a recording
}

func newProfiles(traceFile, cpuFile string) (*profiles, error) {
	p := &profiles{}
	for _, f := range []struct {
		name string
		dst  **os.File
	}{{traceFile, &p.trace}, {cpuFile, &p.cpu}} {
		if f.name == "" {
			continue
		}
		fh, err := os.Create(f.name)
		if err != nil {
			p.close()
			return nil, err
		}
		*f.dst = fh
	}
	return p, nil
}

func (p *profiles) start() {
	if p.trace != nil {
		if err := trace.Start(p.trace); err != nil {
			p.err = errors.Join(p.err, fmt.Errorf("-trace: %w", err))
		}
	}
	if p.cpu != nil {
		if err := pprof.StartCPUProfile(p.cpu); err != nil {
			p.err = errors.Join(p.err, fmt.Errorf("-cpuprofile: %w", err))
		}
	}
}

func (p *profiles) stop() {
	if p.cpu != nil {
		pprof.StopCPUProfile()
	}
	if p.trace != nil {
		trace.Stop()
	}
}

// close closes the files and returns what went wrong recording or
// writing them.
func (p *profiles) close() error {
	err := p.err
	for _, f := range []*os.File{p.trace, p.cpu} {
		if f != nil {
			err = errors.Join(err, f.Close())
		}
	}
	return err
}

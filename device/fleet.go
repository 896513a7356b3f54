package device

import (
	"context"
	"errors"
	"sync"
)

// Fleet runs many simulated devices at once. Its methods are safe for
// concurrent use.
type Fleet struct {
	sims []*Sim
}

// NewFleet returns a fleet of one simulated device per config. It returns
// the first config error.
func NewFleet(cfgs []Config) (*Fleet, error) {
	f := &Fleet{sims: make([]*Sim, 0, len(cfgs))}
	for _, c := range cfgs {
		s, err := New(c)
		if err != nil {
			return nil, err
		}
		f.sims = append(f.sims, s)
	}
	return f, nil
}

// Run runs every device until ctx is done. It returns the errors of devices
// that could not connect, joined; the others keep running until ctx is done.
func (f *Fleet) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make([]error, len(f.sims))
	for i, s := range f.sims {
		wg.Go(func() { errs[i] = s.Run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// Published returns how many readings the fleet's devices had acknowledged.
func (f *Fleet) Published() int64 {
	var n int64
	for _, s := range f.sims {
		n += s.Published()
	}
	return n
}

// Failed returns how many of the fleet's publishes failed or timed out.
func (f *Fleet) Failed() int64 {
	var n int64
	for _, s := range f.sims {
		n += s.Failed()
	}
	return n
}

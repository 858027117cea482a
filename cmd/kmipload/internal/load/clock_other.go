//go:build !linux

package load

import (
	"context"
	"errors"
	"time"
)

// hrClock is Linux's timerfd; elsewhere the open loop sleeps on Go's
// timers.
type hrClock struct{}

func newHRClock(context.Context) (*hrClock, error) { return nil, errors.ErrUnsupported }

func (*hrClock) sleep(time.Duration) (bool, error) { return false, errors.ErrUnsupported }

func (*hrClock) close() {}

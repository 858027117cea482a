package load

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// hrClock sleeps on a timerfd(2) read through Go's network poller. Go's
// own timers fire up to about a millisecond late in a process that is
// otherwise idle — the poller then sleeps in epoll_wait(2), whose timeout
// is in whole milliseconds, a wait under one becoming one — which an
// open loop would charge to the server: at 2 000 messages/s over 4
// connections on loopback they woke 0.5–1 ms late (p50 549 µs) where a
// timerfd, armed to the nanosecond, wakes the poller 40–60 µs late.
//
// A sleep costs two system calls: timerfd_settime(2) and the read after
// the wake. The read a poller-driven file makes first, to find it empty
// (EAGAIN) before it waits, is left out while the timer cannot have
// expired yet (see sleep).
type hrClock struct {
	f    *os.File
	rc   syscall.RawConn
	fd   int
	stop func() bool
	// The state of the sleep in progress, for read.
	buf      [8]byte   // the expiration count a read returns
	early    bool      // read's first call of this sleep
	deadline time.Time // no expiration before this
	n        int
	err      error
	read     func(fd uintptr) bool // made once: passing it allocates nothing
}

// newHRClock opens a one-shot CLOCK_MONOTONIC timerfd; when ctx ends, a
// sleep in progress returns false.
func newHRClock(ctx context.Context) (*hrClock, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_MONOTONIC, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("timerfd_create: %w", err)
	}
	c := &hrClock{f: os.NewFile(uintptr(fd), "timerfd"), fd: fd} // non-blocking: served by the poller
	if c.rc, err = c.f.SyscallConn(); err != nil {
		c.f.Close()
		return nil, fmt.Errorf("timerfd: %w", err)
	}
	c.read = func(fd uintptr) bool {
		if c.early {
			c.early = false
			// The poller has just forgotten any readiness it saw
			// (RawConn.Read resets it before the first call): an
			// expiration from now on wakes it, and there has been
			// none if the deadline has not come.
			if time.Now().Before(c.deadline) {
				return false
			}
		}
		for {
			c.n, c.err = unix.Read(int(fd), c.buf[:])
			if c.err != unix.EINTR {
				break
			}
		}
		return c.err != unix.EAGAIN
	}
	c.stop = context.AfterFunc(ctx, func() { c.f.SetReadDeadline(time.Now()) })
	return c, nil
}

// sleep returns after d, or false at once if the context ended or the
// timer failed (then the caller falls back on Go's timers).
func (c *hrClock) sleep(d time.Duration) (ok bool, err error) {
	spec := unix.ItimerSpec{Value: unix.NsecToTimespec(int64(d))}
	// The kernel reads its clock after this: the timer expires at
	// deadline or later.
	c.deadline = time.Now().Add(d)
	if err := unix.TimerfdSettime(c.fd, 0, &spec, nil); err != nil {
		return false, fmt.Errorf("timerfd_settime: %w", err)
	}
	for {
		c.early = true
		err := c.rc.Read(c.read)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return false, nil
		}
		if err == nil {
			err = c.err
		}
		if err != nil {
			return false, fmt.Errorf("timerfd read: %w", err)
		}
		if c.n == len(c.buf) {
			return true, nil
		}
	}
}

func (c *hrClock) close() {
	c.stop()
	c.f.Close()
}

package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/cronspec"
)

// LeaderPoll is how often Run asks whether this replica leads, so that a
// replica taking over from a dead leader starts its work within seconds,
// not at its next tick.
const LeaderPoll = 5 * time.Second

// Leader tells whether this replica is the one that plans. store.NewLeader
// (an advisory lock on PostgreSQL) and store.NewLease (a lease row)
// implement it; both are always true on SQLite.
type Leader interface {
	IsLeader(ctx context.Context) bool
	// Holds reports whether this replica led at its last check, without
	// checking again (for /metrics).
	Holds() bool
	Close()
}

// LeaderTerm is implemented by a Leader whose leadership can lapse while
// a tick runs (store.Lease, which must stop leader work before its lease
// expires): Run ticks under the context Term returns, which ends when this
// replica stops leading.
type LeaderTerm interface {
	Term(ctx context.Context) (context.Context, context.CancelFunc)
}

// ParseTick parses OUTREACH_TICK: a standard cron spec ("*/5 * * * *"), a
// descriptor ("@hourly") or "@every 10s".
// A spec that never fires, or a non-positive @every, is refused: Run
// would tick without pause (cronspec.Parse).
func ParseTick(spec string) (outreach.Schedule, error) {
	sched, err := cronspec.Parse(spec)
	var syntax *cronspec.SyntaxError
	switch {
	case errors.As(err, &syntax):
		return nil, fmt.Errorf("OUTREACH_TICK: %q is not a cron spec or @every DURATION (e.g. \"@every 1m\"): %v", spec, syntax.Err)
	case err != nil:
		return nil, fmt.Errorf("OUTREACH_TICK: %q: %v", spec, err)
	}
	return sched, nil
}

// Run is serve's loop: it turns wall time into ticks at the times spec
// gives, ticking only while leader says this replica leads, and at once
// when it becomes the leader (catching up on what the previous leader left).
// Tick errors are logged and retried at the next tick. Run returns nil when
// ctx is cancelled, and an error only for a bad spec.
func Run(ctx context.Context, s *Scheduler, leader Leader, spec string, now func() time.Time) error {
	sched, err := ParseTick(spec)
	if err != nil {
		return err
	}
	poll := time.NewTicker(LeaderPoll)
	defer poll.Stop()
	next := sched.Next(now())
	timer := time.NewTimer(next.Sub(now()))
	defer timer.Stop()
	leading := false
	tick := func() {
		tctx := ctx
		if lt, ok := leader.(LeaderTerm); ok {
			var cancel context.CancelFunc
			tctx, cancel = lt.Term(ctx)
			defer cancel()
		}
		if _, err := s.Tick(tctx, now()); err != nil && ctx.Err() == nil {
			if tctx.Err() != nil {
				s.logger().Warn("planning tick stopped: this replica is no longer the leader", "err", err)
				return
			}
			s.logger().Error("planning tick failed; retrying at the next tick", "err", err)
		}
	}
	check := func() {
		was := leading
		leading = leader.IsLeader(ctx)
		switch {
		case leading && !was:
			s.logger().Info("this replica is now the leader: planning")
			tick()
		case !leading && was:
			var why []any
			if e, ok := leader.(interface{ Err() error }); ok && e.Err() != nil {
				why = []any{"err", e.Err().Error()} // store.Leader and store.Lease say why
			}
			s.logger().Warn("this replica is no longer the leader", why...)
		}
	}
	check()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-poll.C:
			check()
		case <-timer.C:
			was := leading
			check() // logs a takeover or a loss, and ticks on a takeover
			if was && leading {
				tick()
			}
			next = sched.Next(now())
			timer.Reset(next.Sub(now()))
		}
	}
}

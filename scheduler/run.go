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
// implements it (an advisory lock on PostgreSQL, always true on SQLite).
type Leader interface {
	IsLeader(ctx context.Context) bool
	Close()
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
		if _, err := s.Tick(ctx, now()); err != nil && ctx.Err() == nil {
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
			s.logger().Warn("this replica is no longer the leader")
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

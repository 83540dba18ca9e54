package dispatch

import (
	"context"
	"time"
)

// Run dispatches continuously with Config.Workers concurrent sends until
// ctx is done, then drains: the sends in flight complete and are recorded,
// and deliveries reserved but not yet attempted are released for another
// process. Meanwhile it refreshes the heartbeat of its in-flight
// deliveries every Lease/3 and recovers those of dead processes. Transient
// errors are logged and retried; Run returns only a configuration error.
func (d *Dispatcher) Run(ctx context.Context) error {
	if err := d.check(); err != nil {
		return err
	}
	cfg := d.cfg()
	clock := d.Now
	if clock == nil {
		clock = time.Now
	}
	stopBeat := d.heartbeat(context.WithoutCancel(ctx), clock, cfg.Lease/3)
	defer stopBeat()
	var lastRecover time.Time
	for ctx.Err() == nil {
		if now := clock(); now.Sub(lastRecover) >= cfg.Lease/2 {
			lastRecover = now
			if _, err := d.Recover(ctx, now); err != nil && ctx.Err() == nil {
				d.logger().Error("recover sending deliveries", "err", err)
			}
		}
		rep, err := d.step(ctx, clock)
		if err != nil && ctx.Err() == nil {
			d.logger().Error("dispatch", "err", err)
			wait(ctx, cfg.Idle)
			continue
		}
		if rep.Contacts > 0 || rep.Sent+rep.Failed+rep.Retrying+rep.Unanswered > 0 {
			d.logger().Debug("dispatched", "contacts", rep.Contacts, "sent", rep.Sent, "deferred", rep.Deferred,
				"dropped", rep.Dropped, "suppressed", rep.Suppressed, "failed", rep.Failed, "retrying", rep.Retrying, "unanswered", rep.Unanswered)
			continue
		}
		idle := cfg.Idle
		if next, ok, err := d.Store.NextDue(ctx); err == nil && ok {
			idle = min(idle, max(next.Sub(clock()), time.Millisecond))
		}
		wait(ctx, idle)
	}
	return nil
}

// heartbeat refreshes the in-flight deliveries' heartbeat every period
// until the returned stop is called.
func (d *Dispatcher) heartbeat(ctx context.Context, clock func() time.Time, period time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := d.Store.Heartbeat(ctx, d.cfg().ProcessID, d.inflightIDs(), clock().UTC()); err != nil && ctx.Err() == nil {
					d.logger().Error("heartbeat", "err", err)
				}
			}
		}
	}()
	return func() { cancel(); <-done }
}

// wait returns after d or when ctx is done.
func wait(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

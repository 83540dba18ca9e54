package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// loadPack loads the pack in dir, or the built-in pack when dir is "".
func loadPack(dir string) (*campaigns.Loaded, error) {
	if dir == "" {
		return campaigns.Default(), nil
	}
	return campaigns.LoadDir(dir)
}

// packName names the pack of dir in messages.
func packName(dir string) string {
	if dir == "" {
		return campaigns.DefaultName
	}
	return dir
}

// planning is serve's campaign pack and leader work: the active pack
// (reloaded on SIGHUP) and the scheduler loop, which ticks while this
// replica is the leader.
type planning struct {
	m      *Main
	db     *store.DB
	active atomic.Pointer[campaigns.Loaded]
	mu     sync.Mutex // serialises reloads
	wg     sync.WaitGroup
	leader scheduler.Leader
	cancel context.CancelFunc

	stopOnce sync.Once
}

// startPlanning loads and applies the configured pack (an invalid pack
// stops serve with its errors), then reloads it on SIGHUP and runs the
// scheduler until ctx ends or stop is called.
func (m *Main) startPlanning(ctx context.Context, db *store.DB, digests scheduler.Digester) (*planning, error) {
	p := &planning{m: m, db: db}
	if err := p.reload(ctx); err != nil {
		return nil, err
	}
	m.plan = p
	ctx, p.cancel = context.WithCancel(ctx)
	p.leader = m.newLeader(db)
	s := &scheduler.Scheduler{Store: db, Pack: p.Active, Logger: m.Logger, Digests: digests}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	p.wg.Add(2)
	go func() {
		defer p.wg.Done()
		defer signal.Stop(hup)
		for {
			select {
			case <-ctx.Done():
				return
			case <-hup:
				if err := p.reload(ctx); err != nil {
					m.Logger.Error("SIGHUP: new campaign pack refused; keeping the active one",
						"version", p.Active().Pack.Version, "err", err.Error())
				}
			}
		}
	}()
	go func() {
		defer p.wg.Done()
		if err := scheduler.Run(ctx, s, p.leader, m.Config.Tick, m.Now); err != nil {
			m.Logger.Error("scheduler stopped", "err", err.Error())
		}
	}()
	return p, nil
}

// newLeader returns the election of OUTREACH_LEADER: a session advisory
// lock, or a lease row (for PgBouncer in transaction mode).
func (m *Main) newLeader(db *store.DB) scheduler.Leader {
	if m.Config.Leader == LeaderLease {
		return store.NewLease(db, "planner", processID())
	}
	host, _ := os.Hostname()
	return store.NewLeader(db, "planner", fmt.Sprintf("%s:%d", host, os.Getpid()))
}

// Active returns the pack in force.
func (p *planning) Active() *campaigns.Loaded { return p.active.Load() }

// reload loads the configured pack and, when it is valid, applies it and
// makes it active; otherwise the active pack stays.
func (p *planning) reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	dir := p.m.Config.Campaigns
	loaded, err := loadPack(dir)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid:\n%w", packName(dir), err)
	}
	version, changed, err := scheduler.ApplyPack(ctx, p.db, loaded, p.m.Now())
	if err != nil {
		return err
	}
	p.active.Store(loaded)
	p.m.Logger.Info("campaign pack active", "pack", packName(dir), "version", version, "changed", changed,
		"hash", loaded.Pack.Hash, "campaigns", len(loaded.Pack.Campaigns))
	return nil
}

// stop ends the SIGHUP watcher and the scheduler, waits for them and gives
// up leadership.
func (p *planning) stop() {
	p.stopOnce.Do(func() {
		p.cancel()
		p.wg.Wait()
		p.leader.Close()
	})
}

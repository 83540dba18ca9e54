package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/outreach-dev/outreach"
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

// packPoll is how often every replica reads the stored active pack version
// (one cheap query) and loads the stored pack when it changed: a pack
// activated on one replica is in force on all within packPoll, plus the
// time to load it.
const packPoll = 5 * time.Second

// planning is serve's campaign pack and leader work: the active pack, which
// follows the stored active pack (a SIGHUP on any replica stores a new
// one), and the scheduler loop, which ticks while this replica is the
// leader.
type planning struct {
	m      *Main
	db     *store.DB
	active atomic.Pointer[campaigns.Loaded]
	mu     sync.Mutex // serialises reloads and follows
	wg     sync.WaitGroup
	leader scheduler.Leader
	cancel context.CancelFunc

	stopOnce sync.Once
}

// startPlanning loads the configured pack (an invalid pack stops serve
// with its errors) and applies it, unless it is an older version than the
// stored active pack (see start); then it follows the stored pack, reloads
// the directory on SIGHUP and runs the scheduler until ctx ends or stop is
// called.
func (m *Main) startPlanning(ctx context.Context, db *store.DB, digests scheduler.Digester) (*planning, error) {
	p := &planning{m: m, db: db}
	if err := p.start(ctx); err != nil {
		return nil, err
	}
	m.plan = p
	ctx, p.cancel = context.WithCancel(ctx)
	p.leader = m.newLeader(db)
	s := &scheduler.Scheduler{Store: db, Pack: func() *outreach.Pack { return p.Active().Pack }, Refresh: p.follow, Logger: m.Logger, Digests: digests}
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	p.wg.Add(3)
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
		p.followLoop(ctx)
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

// start makes the pack of the configured directory active at start. The
// rule for a directory that differs from the stored active pack: when its
// content was stored before (as an older version), the replica is older
// than the deployment — started from a stale image or directory — and
// follows the stored pack instead of rolling every replica back (a SIGHUP
// activates the directory deliberately); content never stored is a new
// pack and becomes the active version, as on SIGHUP.
func (p *planning) start(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	dir := p.m.Config.Campaigns
	loaded, err := loadPack(dir)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid:\n%w", packName(dir), err)
	}
	stored, err := p.db.ActivePack(ctx)
	switch {
	case outreach.ErrorCode(err) == outreach.ENOTFOUND: // the first pack of this database
	case err != nil:
		return err
	case stored.Hash != loaded.Pack.Hash:
		old, err := p.db.PackVersionOfHash(ctx, loaded.Pack.Hash)
		if err != nil {
			return err
		}
		if old > 0 {
			p.m.Logger.Warn("campaign pack directory holds an older version than the stored active pack: following the stored pack (SIGHUP activates the directory)",
				"pack", packName(dir), "directory_version", old, "version", stored.Version)
			return p.useStored(stored)
		}
	}
	return p.apply(ctx, loaded, dir)
}

// reload loads the configured directory (SIGHUP) and, when it is valid,
// stores it as the active pack, which every replica then follows;
// otherwise the active pack stays.
func (p *planning) reload(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	dir := p.m.Config.Campaigns
	loaded, err := loadPack(dir)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid:\n%w", packName(dir), err)
	}
	return p.apply(ctx, loaded, dir)
}

// apply stores loaded as the active pack (a new version when its content
// changed) and makes it active here. p.mu is held.
func (p *planning) apply(ctx context.Context, loaded *campaigns.Loaded, dir string) error {
	version, changed, err := scheduler.ApplyPack(ctx, p.db, loaded, p.m.Now())
	if err != nil {
		return err
	}
	p.active.Store(loaded)
	p.m.Logger.Info("campaign pack active", "pack", packName(dir), "version", version, "changed", changed,
		"hash", loaded.Pack.Hash, "campaigns", len(loaded.Pack.Campaigns))
	return nil
}

// follow loads the stored active pack when its version is newer than the
// active one here. The dispatcher calls it when a claim finds the stored
// pack newer, the scheduler at each tick, followLoop every packPoll.
func (p *planning) follow(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, err := p.db.ActivePackVersion(ctx)
	if err != nil || v <= p.Active().Pack.Version {
		return err
	}
	stored, err := p.db.ActivePack(ctx)
	if err != nil {
		return err
	}
	return p.useStored(stored)
}

// useStored makes the stored pack active here without storing anything.
// p.mu is held.
func (p *planning) useStored(stored *outreach.StoredPack) error {
	name := fmt.Sprintf("stored campaign pack version %d", stored.Version)
	loaded, err := campaigns.FromFiles(stored.Files, name)
	if err != nil {
		return fmt.Errorf("%s cannot be loaded by this replica (is it older than the one that stored it?):\n%w", name, err)
	}
	loaded.Pack.Version = stored.Version
	p.active.Store(loaded)
	p.m.Logger.Info("campaign pack active", "pack", "(stored)", "version", stored.Version, "changed", false,
		"hash", loaded.Pack.Hash, "campaigns", len(loaded.Pack.Campaigns))
	return nil
}

// followLoop calls follow every packPoll until ctx ends. A stored pack
// this replica cannot load is logged; meanwhile its claims decide nothing
// (the stored version stays newer than its own).
func (p *planning) followLoop(ctx context.Context) {
	t := time.NewTicker(packPoll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := p.follow(ctx); err != nil && ctx.Err() == nil {
			p.m.Logger.Error("follow the stored campaign pack", "version", p.Active().Pack.Version, "err", err.Error())
		}
	}
}

// stop ends the SIGHUP watcher, the pack follower and the scheduler, waits
// for them and gives up leadership.
func (p *planning) stop() {
	p.stopOnce.Do(func() {
		p.cancel()
		p.wg.Wait()
		p.leader.Close()
	})
}

package simulate

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/ingest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/store"
)

// day is a simulated day: 24 hours, like the pack's "d".
const day = 24 * time.Hour

// loadChunk is how many items one ingestion call stores (the API's batch
// limit).
const loadChunk = 10000

// Result is what a simulation did.
type Result struct {
	From, End time.Time // the window [From, End)
	Summary   Summary

	Events EventCounts
	// Stale counts occurrences the planner skipped because they were due
	// more than their ttl before they were planned (history before From).
	Stale int
	// CooledDown counts deliveries not planned because of a campaign's
	// cooldown.
	CooledDown int
	// Instants is how many positions the virtual clock took.
	Instants int
	// Decisions is how many decisions the log holds.
	Decisions int
	// Digests counts the team's digests (Options.Team with schedules).
	Digests DigestCounts
	// Answers counts the survey answers (Options.Answers).
	Answers AnswerCounts

	// Recorder is the default sender (nil when Options.Sender was set); it
	// keeps the last 100 messages and counts all.
	Recorder *dispatch.Recorder
}

// EventCounts says which events took part.
type EventCounts struct {
	Total        int // events given
	BeforeWindow int // occurred before From: loaded at From
	AfterWindow  int // occurred at or after End: not loaded
}

// sim is one running simulation.
type sim struct {
	opts  Options
	pack  *campaigns.Loaded
	db    *store.DB
	sched *scheduler.Scheduler
	disp  *dispatch.Dispatcher
	// digests sends the team's digests; nil without team members.
	digests *digest.Runner
	now     time.Time // the virtual clock, read by the store through db.Now
	events  []outreach.Event
	// eventSrc is where each of events came from, for error messages.
	eventSrc []source
	next     int // first event not loaded yet
	res      *Result
}

// Run simulates the planner, throttle and dispatcher over the window
// [From, From + Days days) on a virtual clock: it loads the data at From,
// applies the pack, then repeatedly loads the events that occurred by now,
// plans (scheduler.Tick), decides and sends (dispatch.Step), and jumps to
// the next instant at which anything is due — an event, a schedule, a
// deferred or planned delivery, or the start of a day. At the end it writes
// the decision log to Options.Out and returns the summary.
func Run(ctx context.Context, opts Options) (*Result, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	in, err := opts.decode()
	if err != nil {
		return nil, err
	}
	db, closeDB, err := openStore(ctx, opts)
	if err != nil {
		return nil, err
	}
	defer closeDB()
	s, err := newSim(opts, db)
	if err != nil {
		return nil, err
	}
	prevNow := db.Now
	db.Now = func() time.Time { return s.now }
	defer func() { db.Now = prevNow }()

	if err := s.load(ctx, in); err != nil {
		return nil, err
	}
	if len(in.team) > 0 {
		s.newDigests()
	}
	if err := s.loop(ctx); err != nil {
		return nil, err
	}
	if err := s.report(ctx); err != nil {
		return nil, err
	}
	return s.res, nil
}

// openStore returns the store to simulate on and how to release it. It
// refuses a store that already has an active pack: a simulation needs a
// fresh database.
func openStore(ctx context.Context, opts Options) (*store.DB, func(), error) {
	db, closeDB := opts.DB, func() {}
	switch {
	case db != nil:
	case opts.DBURL == "":
		var err error
		if db, err = store.OpenScratch(ctx); err != nil {
			return nil, nil, err
		}
		closeDB = func() { db.Close() }
	default:
		var err error
		if db, err = store.Open(ctx, opts.DBURL); err != nil {
			return nil, nil, err
		}
		closeDB = func() { db.Close() }
		if err := db.Migrate(ctx); err != nil {
			closeDB()
			return nil, nil, err
		}
	}
	_, err := db.ActivePack(ctx)
	switch {
	case err == nil:
		closeDB()
		return nil, nil, outreach.Errorf(outreach.ECONFLICT, "the database already holds a campaign pack: simulate needs a fresh, empty database")
	case outreach.ErrorCode(err) != outreach.ENOTFOUND:
		closeDB()
		return nil, nil, fmt.Errorf("simulate: %w", err)
	}
	return db, closeDB, nil
}

func newSim(opts Options, db *store.DB) (*sim, error) {
	pack := opts.Pack
	if pack == nil {
		pack = campaigns.Default()
	}
	signer := opts.Signer
	if signer == nil {
		var err error
		if signer, err = links.NewSigner(secret); err != nil {
			return nil, fmt.Errorf("simulate: %w", err)
		}
	}
	res := &Result{From: opts.From.UTC(), End: opts.From.UTC().Add(time.Duration(opts.Days) * day)}
	sender := opts.Sender
	if sender == nil {
		res.Recorder = &dispatch.Recorder{Keep: 100}
		sender = res.Recorder
	}
	s := &sim{opts: opts, pack: pack, db: db, now: res.From, res: res}
	s.sched = &scheduler.Scheduler{Store: db, Pack: func() *outreach.Pack { return pack.Pack }, Logger: opts.Logger}
	s.disp = &dispatch.Dispatcher{Store: db, Sender: sender, Pack: pack.PackAndTemplates, Signer: signer,
		Config: opts.dispatchConfig(), Logger: opts.Logger, Now: func() time.Time { return s.now }}
	if err := s.disp.Config.Validate(); err != nil {
		return nil, fmt.Errorf("simulate: %w", err)
	}
	return s, nil
}

// load stores the people and the suppressions at From, applies the pack,
// and sorts the events by time for the clock loop.
func (s *sim) load(ctx context.Context, in *input) error {
	steps := []struct {
		kind ingest.Kind
		n    int
		put  func(i, j int) error
	}{
		{ingest.Team, len(in.team), func(i, j int) error { _, err := s.db.UpsertTeam(ctx, in.team[i:j]); return err }},
		{ingest.Accounts, len(in.accounts), func(i, j int) error { _, err := s.db.UpsertAccounts(ctx, in.accounts[i:j]); return err }},
		{ingest.Contacts, len(in.contacts), func(i, j int) error { _, err := s.db.UpsertContacts(ctx, in.contacts[i:j]); return err }},
		{ingest.Suppressions, len(in.suppressions), func(i, j int) error {
			for k := i; k < j; k++ {
				if in.suppressions[k].CreatedAt.IsZero() {
					in.suppressions[k].CreatedAt = s.now
				}
			}
			_, err := s.db.AddSuppressions(ctx, in.suppressions[i:j])
			return err
		}},
	}
	for _, st := range steps {
		for i := 0; i < st.n; i += loadChunk {
			j := min(i+loadChunk, st.n)
			if err := st.put(i, j); err != nil {
				return loadError(st.kind, in.src[st.kind][i:j], err)
			}
		}
	}
	if _, _, err := scheduler.ApplyPack(ctx, s.db, s.pack, s.now); err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	s.res.Events.Total = len(in.events)
	var order []int // of the events in the window, by time
	for i, e := range in.events {
		switch {
		case !e.OccurredAt.Before(s.res.End):
			s.res.Events.AfterWindow++
		default:
			if e.OccurredAt.Before(s.res.From) {
				s.res.Events.BeforeWindow++
			}
			order = append(order, i)
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return in.events[a].OccurredAt.Compare(in.events[b].OccurredAt) })
	for _, i := range order {
		s.events = append(s.events, in.events[i])
		s.eventSrc = append(s.eventSrc, in.src[ingest.Events][i])
	}
	return nil
}

// loadError reports which items the store refused, by file and line (or
// Options slice and index): src holds the sources of the items of the
// refused call, whose batch error indexes them.
func loadError(kind ingest.Kind, src []source, err error) error {
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		return fmt.Errorf("simulate: load %s: %w", kind, err)
	}
	problems := make([]rowProblem, 0, len(be.Errors))
	for _, fe := range be.Errors {
		if fe.Index < 0 || fe.Index >= len(src) {
			return fmt.Errorf("simulate: load %s: %w", kind, err)
		}
		problems = append(problems, rowProblem{src[fe.Index], fe.Field, fe.Message})
	}
	return rowsError(kind, problems)
}

// loop advances the virtual clock until the end of the window. An instant
// at which nothing was loaded and no schedule is due skips the planner,
// and one at which nothing is due skips the dispatcher: either would find
// nothing to do. Digests are sent at the instants they fall due, after
// that instant's planning and sending.
func (s *sim) loop(ctx context.Context) error {
	nextDay := s.res.From
	var wake time.Time // the schedules' next fire after the previous instant
	due, hasDue, err := s.disp.NextDue(ctx)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	digestAt, err := s.digestWake(ctx)
	if err != nil {
		return fmt.Errorf("simulate: %w", err)
	}
	for first := true; s.now.Before(s.res.End); first = false {
		if err := ctx.Err(); err != nil {
			return err
		}
		s.res.Instants++
		if !s.now.Before(nextDay) {
			if err := s.startDay(ctx, nextDay); err != nil {
				return err
			}
			// The hook may have changed anything.
			if due, hasDue, err = s.disp.NextDue(ctx); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			if digestAt, err = s.digestWake(ctx); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
			nextDay = nextDay.Add(day)
		}
		fire := first || (!wake.IsZero() && !s.now.Before(wake))
		wake = s.sched.NextWake(s.now)
		loaded, err := s.ingest(ctx, s.bound(earliestSet(wake, digestAt), nextDay, due, hasDue))
		if err != nil {
			return err
		}
		if err := s.step(ctx, fire || loaded > 0, hasDue && !due.After(s.now)); err != nil {
			return err
		}
		// The next digest depends on the team and its stored digests, which
		// only sending digests (and the day's hooks, above) change: until
		// then the wake found before stays right.
		if !digestAt.IsZero() && !digestAt.After(s.now) {
			if err := s.sendDigests(ctx); err != nil {
				return err
			}
			if digestAt, err = s.digestWake(ctx); err != nil {
				return fmt.Errorf("simulate: %w", err)
			}
		}
		if due, hasDue, err = s.disp.NextDue(ctx); err != nil {
			return fmt.Errorf("simulate: %w", err)
		}
		next := s.nextInstant(earliestSet(wake, digestAt), nextDay, due, hasDue)
		if !next.After(s.now) {
			return fmt.Errorf("simulate: the clock would not advance past %s (a delivery stays due after a dispatch step)", s.now.Format(time.RFC3339Nano))
		}
		s.now = next
	}
	return nil
}

// startDay runs the work of the start of a simulated day: customers answer
// the previous day's surveys (Options.Answers), then Options.OnDay.
func (s *sim) startDay(ctx context.Context, dayStart time.Time) error {
	if s.opts.Answers != nil {
		if err := s.answerSurveys(ctx, dayStart); err != nil {
			return fmt.Errorf("simulate: day %s: %w", dayStart.Format(time.DateOnly), err)
		}
	}
	if s.opts.OnDay != nil {
		if err := s.opts.OnDay(ctx, s.db, dayStart); err != nil {
			return fmt.Errorf("simulate: day %s: %w", dayStart.Format(time.DateOnly), err)
		}
	}
	return nil
}

// step plans (when plan is set) and then decides and sends (when anything
// was planned or a delivery is due).
func (s *sim) step(ctx context.Context, plan, dueNow bool) error {
	planned := 0
	if plan {
		rep, err := s.sched.Tick(ctx, s.now)
		if err != nil {
			return fmt.Errorf("simulate at %s: %w", s.now.Format(time.RFC3339), err)
		}
		s.res.Stale += rep.Stale
		s.res.CooledDown += rep.CooledDown
		planned = rep.DeliveriesPlanned
	}
	if planned > 0 || dueNow {
		if _, err := s.disp.Step(ctx, s.now); err != nil {
			return fmt.Errorf("simulate at %s: %w", s.now.Format(time.RFC3339), err)
		}
	}
	return nil
}

// nextInstant is the earliest of: the next event, the next schedule fire,
// the next due delivery, the next day, the end of the window.
func (s *sim) nextInstant(wake, nextDay, due time.Time, hasDue bool) time.Time {
	next := earliest(s.res.End, nextDay)
	if s.next < len(s.events) {
		next = earliest(next, s.events[s.next].OccurredAt)
	}
	if !wake.IsZero() {
		next = earliest(next, wake)
	}
	if hasDue {
		next = earliest(next, due)
	}
	return next
}

// earliestSet is the earliest of a and b, where a zero time means unset.
func earliestSet(a, b time.Time) time.Time {
	switch {
	case a.IsZero():
		return b
	case b.IsZero():
		return a
	}
	return earliest(a, b)
}

func earliest(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

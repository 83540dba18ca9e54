package scheduler

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// EventBatch is how many events one planning transaction takes.
const EventBatch = 1000

// Store is what the scheduler needs of the database; *store.DB implements
// it.
type Store interface {
	// CampaignStates returns the state of every campaign of the active
	// pack (since, events_from, last schedule fire).
	CampaignStates(ctx context.Context) (map[string]outreach.CampaignState, error)
	// PlanEventBatch plans up to limit unplanned events in one transaction:
	// plan turns them into requests, the store inserts the new deliveries
	// and marks the events planned at now.
	PlanEventBatch(ctx context.Context, now time.Time, limit int,
		plan func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error)
	// FireSchedule fires a scheduled campaign once (compare-and-set on its
	// last fire) and plans its audience set-based.
	FireSchedule(ctx context.Context, q outreach.AudienceQuery) (fired bool, res outreach.PlanResult, err error)
	// PlanReminders plans, once each, the reminders of the unanswered
	// surveys sent by the campaigns that have reminder: {after: D}.
	PlanReminders(ctx context.Context, now time.Time, cs []outreach.Campaign) (int, error)
}

// Scheduler does the leader's clock-driven work: planning event triggers
// and firing due schedules. It reads no clock: Tick receives the time.
type Scheduler struct {
	Store Store
	// Pack returns the active pack (serve follows the stored one); the
	// scheduler plans from the domain pack alone, never its templates.
	Pack func() *outreach.Pack
	// Refresh, when set, loads the stored active pack into Pack at the
	// start of each tick, so that the leader never plans with a pack older
	// than the one another replica activated.
	Refresh func(ctx context.Context) error
	Logger  *slog.Logger
	// Digests, when set, sends the team's digests that are due at the
	// tick (digest.Runner). It runs after planning, so a digest's "planned
	// for next week" section sees what this tick planned.
	Digests Digester
}

// Digester is the leader's digest work, run once per tick.
type Digester interface {
	Tick(ctx context.Context, now time.Time) (sent int, err error)
}

// TickReport counts what one tick did.
type TickReport struct {
	EventsPlanned     int // events read and marked planned
	DeliveriesPlanned int // deliveries inserted
	Stale             int // deliveries not planned: due more than their ttl ago
	CooledDown        int // deliveries not planned: the campaign's cooldown
	SchedulesFired    int
	DigestsSent       int
}

func (r *TickReport) add(p outreach.PlanResult) {
	r.EventsPlanned += p.Events
	r.DeliveriesPlanned += p.Deliveries
	r.CooledDown += p.CooledDown
}

func (s *Scheduler) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// Tick does the leader's work due at now: it plans every event not planned
// yet (however many accumulated while the service was down), then fires
// each schedule due at now. Running it twice, or on two replicas at once,
// plans nothing twice.
func (s *Scheduler) Tick(ctx context.Context, now time.Time) (TickReport, error) {
	var rep TickReport
	if s.Refresh != nil {
		if err := s.Refresh(ctx); err != nil {
			return rep, fmt.Errorf("tick: load the stored campaign pack: %w", err)
		}
	}
	pack := s.Pack()
	if pack == nil {
		return rep, fmt.Errorf("tick: no active campaign pack")
	}
	states, err := s.Store.CampaignStates(ctx)
	if err != nil {
		return rep, fmt.Errorf("tick: %w", err)
	}
	if err := s.planEvents(ctx, pack, states, now, &rep); err != nil {
		return rep, fmt.Errorf("tick: %w", err)
	}
	if err := s.fireSchedules(ctx, pack, states, now, &rep); err != nil {
		return rep, fmt.Errorf("tick: %w", err)
	}
	n, err := s.Store.PlanReminders(ctx, now, pack.Campaigns)
	rep.DeliveriesPlanned += n
	if err != nil {
		return rep, fmt.Errorf("tick: %w", err)
	}
	if s.Digests != nil {
		sent, err := s.Digests.Tick(ctx, now)
		rep.DigestsSent = sent
		if err != nil {
			return rep, fmt.Errorf("tick: digests: %w", err)
		}
	}
	if rep.Stale > 0 {
		s.logger().Info("skipped stale occurrences: due more than their ttl ago", "count", rep.Stale)
	}
	if rep != (TickReport{}) {
		s.logger().Info("tick", "at", now.UTC(), "events", rep.EventsPlanned, "deliveries", rep.DeliveriesPlanned,
			"stale", rep.Stale, "cooled_down", rep.CooledDown, "schedules_fired", rep.SchedulesFired, "digests", rep.DigestsSent)
	}
	return rep, nil
}

// planEvents plans the event backlog batch by batch, oldest first.
func (s *Scheduler) planEvents(ctx context.Context, pack *outreach.Pack, states map[string]outreach.CampaignState,
	now time.Time, rep *TickReport) error {
	for {
		stale := 0
		res, err := s.Store.PlanEventBatch(ctx, now, EventBatch, func(events []outreach.Event) outreach.EventPlan {
			var p outreach.EventPlan
			p, stale = s.eventRequests(pack, states, events, now)
			return p
		})
		if err != nil {
			return err
		}
		rep.add(res)
		rep.Stale += stale
		if res.Events < EventBatch {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
}

// eventRequests turns a batch of events into one request per campaign they
// trigger, and records why an event planned nothing where that does not
// depend on the contact (no campaign listens, where, before the campaign,
// no occurrence, stale); it counts the stale occurrences it left out.
func (s *Scheduler) eventRequests(pack *outreach.Pack, states map[string]outreach.CampaignState,
	events []outreach.Event, now time.Time) (plan outreach.EventPlan, stale int) {
	listened := map[string]bool{}
	for i := range pack.Campaigns {
		c := &pack.Campaigns[i]
		if c.Trigger.Event == "" {
			continue
		}
		listened[c.Trigger.Event] = true
		from := states[c.Key].EventsFrom // zero when unknown: every event
		ttl := outreach.TTLOrDefault(c.TTL)
		var targets []outreach.PlanTarget
		for j := range events {
			e := &events[j]
			if e.Type != c.Trigger.Event {
				continue
			}
			skip := func(outcome, detail string) {
				plan.Outcomes = append(plan.Outcomes, outreach.EventOutcome{EventID: e.ID, ContactID: e.ContactID,
					Campaign: c.Key, Outcome: outcome, Detail: detail})
			}
			if why := campaigns.WhereMiss(c, e); why != "" {
				skip(outreach.OutcomeFiltered, why)
				continue
			}
			if e.IngestedAt.Before(from) {
				skip(outreach.OutcomeBeforeCampaign, fmt.Sprintf("ingested %s, before the campaign joined the pack at %s; it applies to events ingested from then on",
					stamp(e.IngestedAt), stamp(from)))
				continue
			}
			occ, ok := campaigns.EventOccurrence(c, e)
			if !ok {
				s.logger().Warn("event not planned: its dedupe property is missing or not a single value",
					"campaign", c.Key, "event", e.ID, "property", c.Dedupe)
				skip(outreach.OutcomeNoOccurrence, "the campaign plans one delivery per "+c.Dedupe+": the event has no single value for it")
				continue
			}
			due := e.OccurredAt.Add(c.Trigger.Delay)
			if due.Add(ttl).Before(now) {
				stale++
				skip(outreach.OutcomeStale, fmt.Sprintf("due %s, %s before it was planned at %s: more than the ttl %s",
					stamp(due), campaigns.FormatDuration(now.Sub(due).Truncate(time.Minute)), stamp(now), campaigns.FormatDuration(ttl)))
				continue
			}
			targets = append(targets, outreach.PlanTarget{
				ContactID: e.ContactID, AccountID: e.AccountID, Occurrence: occ, EventID: e.ID, DueAt: due,
			})
		}
		if len(targets) > 0 {
			plan.Requests = append(plan.Requests, outreach.PlanRequest{Campaign: c, Targets: targets})
		}
	}
	for _, e := range events {
		// contact.active is the activity heartbeat, the most frequent
		// event by far: its "no campaign" is not stored but told by the
		// timeline (an event planned with no outcome and no delivery).
		if !listened[e.Type] && e.Type != outreach.EventContactActive {
			plan.Outcomes = append(plan.Outcomes, outreach.EventOutcome{EventID: e.ID, ContactID: e.ContactID,
				Outcome: outreach.OutcomeNoCampaign, Detail: "no campaign of the active pack listens to " + e.Type})
		}
	}
	return plan, stale
}

// stamp writes an instant in outcome details.
func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

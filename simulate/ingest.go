package simulate

import (
	"context"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/ingest"
)

// Loading events ahead of the clock
//
// Loading each event at its own instant would cost one planning and one
// dispatch step per event. Instead ingest loads, at now, the events of
// [now, bound) where nothing in that interval can observe the difference:
//
//   - bound is at most the next schedule fire, the next due delivery and
//     the next day, so no audience is evaluated, nothing is decided or sent
//     and no hook runs between now and bound: an early contact.active
//     cannot change who is "inactive", and a delivery planned early waits
//     for its due time like any other;
//   - each loaded event shrinks bound to the earliest due time of the
//     deliveries it may trigger (occurred_at + the smallest delay of the
//     campaigns it matches), so what it plans is decided no earlier than
//     it would have been;
//   - an event that a campaign with a cooldown matches is loaded at its own
//     instant, since its planning depends on what was sent before it.
//
// The only visible difference is the events' ingested_at (and the
// created_at of the deliveries they plan), which is the instant they were
// loaded rather than the instant they occurred.

// bound returns the end of the interval whose events may be loaded now,
// before the events themselves shorten it: the end of the window, the next
// day, the next schedule fire and the next due delivery.
func (s *sim) bound(wake, nextDay, due time.Time, hasDue bool) time.Time {
	b := earliest(s.res.End, nextDay)
	if !wake.IsZero() {
		b = earliest(b, wake)
	}
	if hasDue {
		b = earliest(b, due)
	}
	return b
}

// ingest stores the events that occurred by now and those that may be
// loaded ahead of the clock up to bound, and returns how many it stored.
func (s *sim) ingest(ctx context.Context, bound time.Time) (int, error) {
	start := s.next
	for s.next < len(s.events) {
		e := &s.events[s.next]
		if e.OccurredAt.After(s.now) {
			if !e.OccurredAt.Before(bound) {
				break
			}
			delay, cooldown := s.triggers(e)
			if cooldown {
				break
			}
			if delay >= 0 {
				bound = earliest(bound, e.OccurredAt.Add(delay))
			}
		}
		s.next++
	}
	batch := s.events[start:s.next]
	for i := 0; i < len(batch); i += loadChunk {
		j := min(i+loadChunk, len(batch))
		if _, err := s.db.InsertEvents(ctx, batch[i:j]); err != nil {
			return 0, loadError(ingest.Events, s.eventSrc[start+i:start+j], err)
		}
	}
	return len(batch), nil
}

// triggers returns the smallest delay of the event-triggered campaigns e
// matches (-1 when none) and whether one of them has a cooldown.
func (s *sim) triggers(e *outreach.Event) (minDelay time.Duration, cooldown bool) {
	minDelay = -1
	for i := range s.pack.Pack.Campaigns {
		c := &s.pack.Pack.Campaigns[i]
		if c.Trigger.Event == "" || !campaigns.EventMatches(c, e) {
			continue
		}
		if minDelay < 0 || c.Trigger.Delay < minDelay {
			minDelay = c.Trigger.Delay
		}
		cooldown = cooldown || c.Cooldown > 0
	}
	return minDelay, cooldown
}

package scheduler

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
)

// anniversaryYears is how many past years an anniversary audience looks
// back: accounts that started earlier are not celebrated.
const anniversaryYears = 100

// fireSchedules fires every scheduled campaign whose next fire time after
// its last fire (or its since) is at or before now: once, however many
// fire times were missed, and records now as its last fire.
func (s *Scheduler) fireSchedules(ctx context.Context, pack *outreach.Pack, states map[string]outreach.CampaignState,
	now time.Time, rep *TickReport) error {
	loc := policyLocation(pack)
	for i := range pack.Campaigns {
		c := &pack.Campaigns[i]
		if c.Trigger.Schedule == "" {
			continue
		}
		st, ok := states[c.Key]
		if !ok {
			s.logger().Warn("schedule not evaluated: the campaign is not in the stored pack (apply the pack first)", "campaign", c.Key)
			continue
		}
		sched := c.Trigger.Cron // parsed with the pack
		if sched == nil {
			return fmt.Errorf("campaign %s: schedule %q was not parsed with its pack", c.Key, c.Trigger.Schedule)
		}
		last := st.Since
		if st.LastFire != nil {
			last = *st.LastFire
		}
		// A zero next fire is a schedule that never fires ("0 0 31 2 *"):
		// validation refuses it, and it must not fire at every tick either.
		if next := sched.Next(last.In(loc)); next.IsZero() || next.After(now) {
			continue
		}
		q := AudienceQuery(c, loc, now)
		q.PrevFire = st.LastFire
		fired, res, err := s.Store.FireSchedule(ctx, q)
		if err != nil {
			return err
		}
		if fired {
			rep.SchedulesFired++
			rep.add(res)
			s.logger().Info("schedule fired", "campaign", c.Key, "deliveries", res.Deliveries, "cooled_down", res.CooledDown)
		}
	}
	return nil
}

// policyLocation is the pack's policy timezone, UTC when unset.
func policyLocation(pack *outreach.Pack) *time.Location {
	return outreach.LocationOrUTC(pack.Policy.Timezone)
}

// AudienceQuery computes, in Go, the parameters of scheduled campaign c's
// audience at now, so that the SQL stays portable. Today is the date at now
// in loc (the policy timezone); renewal_date and started_at are calendar
// dates and are compared with it as dates, never as instants:
//   - inactive_for D: contacts last seen before now - D;
//   - renewal_within D: renewal dates from today to today + D (whole days);
//   - anniversary: one [start, end) range per past year covering the UTC
//     day with today's month and day, since a date-only started_at is
//     stored as midnight UTC of its date (a started_at given as a time
//     counts on its UTC date); on 28 February of a common year the range
//     also covers 29 February, so leap-day starters are celebrated every
//     year.
func AudienceQuery(c *outreach.Campaign, loc *time.Location, now time.Time) outreach.AudienceQuery {
	q := outreach.AudienceQuery{Campaign: c, FireAt: now}
	a := c.Trigger.Audience
	today := now.In(loc)
	y, m, d := today.Date()
	switch {
	case a.InactiveFor > 0:
		q.InactiveBefore = now.Add(-a.InactiveFor)
	case a.RenewalWithin > 0:
		start := time.Date(y, m, d, 0, 0, 0, 0, loc)
		q.RenewalFrom = start.Format(time.DateOnly)
		q.RenewalTo = start.AddDate(0, 0, int(a.RenewalWithin/(24*time.Hour))).Format(time.DateOnly)
	case a.Anniversary != "":
		q.AnniversaryYear = strconv.Itoa(y)
		for py := y - anniversaryYears; py < y; py++ {
			if m == time.February && d == 29 && !isLeap(py) {
				continue // celebrated on 28 February of common years
			}
			// Today's local date as a UTC day, not as a day in loc: New
			// York's 22 November runs from 05:00 UTC, so it would miss a
			// started_at of 2021-11-22 (midnight UTC), celebrated on the
			// 21st, and take 2021-11-23's instead.
			from := time.Date(py, m, d, 0, 0, 0, 0, time.UTC)
			to := from.AddDate(0, 0, 1)
			if m == time.February && d == 28 && !isLeap(y) {
				to = time.Date(py, time.March, 1, 0, 0, 0, 0, time.UTC)
			}
			q.AnniversaryRanges = append(q.AnniversaryRanges, [2]time.Time{from, to})
		}
	}
	return q
}

func isLeap(y int) bool { return y%4 == 0 && (y%100 != 0 || y%400 == 0) }

// NextWake returns the next instant after now at which a schedule of the
// active pack fires, or the zero time when the pack has none. simulate
// jumps its virtual clock there.
func (s *Scheduler) NextWake(now time.Time) time.Time {
	pack := s.Pack()
	if pack == nil {
		return time.Time{}
	}
	loc := policyLocation(pack)
	var next time.Time
	for _, c := range pack.Campaigns {
		if c.Trigger.Schedule == "" {
			continue
		}
		if c.Trigger.Cron == nil {
			continue // not parsed with its pack; Tick reports it
		}
		if t := c.Trigger.Cron.Next(now.In(loc)); !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if next.IsZero() {
		return next
	}
	return next.UTC()
}

package throttle

import (
	"fmt"
	"slices"
	"strings"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// Zone is the recipient's timezone and where it came from; the rule that
// picks it lives in the root package (outreach.RecipientZone).
type Zone = outreach.Zone

// localRule is the recipient's send window: quiet hours and business days
// in their local time. Unlike the caps it is not monotone (it opens and
// closes every day), so its next allowed instant is found by walking the
// instants at which its answer can change: the wall-clock end of quiet
// hours, local midnights and UTC-offset transitions. Nothing else can turn
// "not allowed" into "allowed", so the walk visits the earliest allowed
// instant and never steps in fixed increments.
type localRule struct {
	zone    Zone
	quiet   *outreach.QuietHours
	days    [7]bool
	hasDays bool
}

// maxLocalSteps bounds the boundary walk. A valid policy reaches an allowed
// instant within at most 7 midnights, one quiet-hours end and a couple of
// offset transitions.
const maxLocalSteps = 64

func newLocalRule(p outreach.Policy, z Zone) *localRule {
	if p.QuietHours == nil && p.BusinessDays == nil {
		return nil
	}
	r := &localRule{zone: z, quiet: p.QuietHours, hasDays: p.BusinessDays != nil}
	for _, d := range p.BusinessDays {
		if d >= time.Sunday && d <= time.Saturday {
			r.days[d] = true
		}
	}
	return r
}

// blocked reports whether t falls outside a business day or inside quiet
// hours, in the recipient's wall-clock time.
func (r *localRule) blocked(t time.Time) (offDay, quiet bool) {
	lt := t.In(r.zone.Loc)
	offDay = r.hasDays && !r.days[lt.Weekday()]
	quiet = r.quiet != nil && inQuiet(*r.quiet, clockOf(lt))
	return offDay, quiet
}

// allowed reports whether the send window is open at t.
func (r *localRule) allowed(t time.Time) bool {
	offDay, quiet := r.blocked(t)
	return !offDay && !quiet
}

// next returns the earliest instant >= t at which the send window is open,
// and when that is after t, a sentence saying why. It returns the zero time
// when none is found within maxLocalSteps (only for invalid policies).
func (r *localRule) next(t time.Time) (time.Time, string) {
	to, offDayAt, quietAt, ok := r.walk(t)
	switch {
	case !ok:
		return time.Time{}, fmt.Sprintf("no allowed local time within %d steps after %s", maxLocalSteps, fmtInstant(t, r.zone.Loc))
	case to.Equal(t):
		return t, ""
	}
	return to, r.explain(t, to, offDayAt, quietAt)
}

// walk finds the earliest open instant >= start, and the first instants of
// the walk at which each part held (zero: never). ok is false when none is
// found within maxLocalSteps.
func (r *localRule) walk(start time.Time) (to, offDayAt, quietAt time.Time, ok bool) {
	t := start
	for range maxLocalSteps {
		offDay, quiet := r.blocked(t)
		if !offDay && !quiet {
			return t, offDayAt, quietAt, true
		}
		if offDay && offDayAt.IsZero() {
			offDayAt = t
		}
		if quiet && quietAt.IsZero() {
			quietAt = t
		}
		var b time.Time
		if offDay {
			b = nextWall(t, r.zone.Loc, 0)
		} else {
			b = nextWall(t, r.zone.Loc, r.quiet.End)
		}
		if tr := nextTransition(t, r.zone.Loc); !tr.IsZero() && tr.Before(b) {
			b = tr
		}
		t = b
	}
	return time.Time{}, offDayAt, quietAt, false
}

// binding names the part of the send window that binds a candidate at
// from: business_days when the wait crosses a day off (without that rule
// it would have gone out a day or more earlier), else quiet_hours.
func (r *localRule) binding(from time.Time) string {
	if _, offDayAt, _, _ := r.walk(from); !offDayAt.IsZero() || r.quiet == nil {
		return outreach.RuleBusinessDays
	}
	return outreach.RuleQuietHours
}

// explain says which parts of the send window held a delivery back. It
// names first the parts that hold at from, the instant it reports ("quiet
// hours 19:00–09:00 in America/Sao_Paulo (contact timezone): local time
// 21:14; next allowed 2026-03-03 09:00 -03"), so a Sunday noon is not said
// to be in quiet hours. A part that only held later in the walk follows
// with the local time it took over: "business days mon–fri in ...: local
// time Sun 12:36, then quiet hours 19:00–09:00 at local time Mon 00:00;
// next allowed ...". offDayAt and quietAt are the first instants at which
// each part held (zero: never).
func (r *localRule) explain(from, to, offDayAt, quietAt time.Time) string {
	layout := "15:04"
	if r.hasDays {
		layout = "Mon 15:04"
	}
	quietName := func() string { return "quiet hours " + fmtClock(r.quiet.Start) + "–" + fmtClock(r.quiet.End) }
	daysName := func() string { return "business days " + fmtDays(r.days) }
	var now []string
	if quietAt.Equal(from) {
		now = append(now, quietName())
	}
	if offDayAt.Equal(from) {
		now = append(now, daysName())
	}
	s := fmt.Sprintf("%s in %s (%s): local time %s", strings.Join(now, " and "), r.zone.Name, r.zone.Source,
		from.In(r.zone.Loc).Format(layout))
	switch {
	case !quietAt.IsZero() && !quietAt.Equal(from):
		s += ", then " + quietName() + " at local time " + quietAt.In(r.zone.Loc).Format(layout)
	case !offDayAt.IsZero() && !offDayAt.Equal(from):
		s += ", then " + daysName() + " at local time " + offDayAt.In(r.zone.Loc).Format(layout)
	}
	return s + "; next allowed " + fmtInstant(to, r.zone.Loc)
}

// inQuiet reports whether a wall-clock time of day lies in [Start, End),
// which wraps midnight when Start > End.
func inQuiet(q outreach.QuietHours, c time.Duration) bool {
	if q.Start <= q.End {
		return c >= q.Start && c < q.End
	}
	return c >= q.Start || c < q.End
}

// clockOf returns the wall-clock time of day of lt, in its own location.
func clockOf(lt time.Time) time.Duration {
	return time.Duration(lt.Hour())*time.Hour + time.Duration(lt.Minute())*time.Minute +
		time.Duration(lt.Second())*time.Second + time.Duration(lt.Nanosecond())
}

// nextWall returns the earliest instant after t at which the wall clock in
// loc reads clock (a time of day). A wall time that a DST gap skips maps to
// the first instant after the gap; one that a fall-back repeats maps to both
// of its instants, the earlier first.
func nextWall(t time.Time, loc *time.Location, clock time.Duration) time.Time {
	lt := t.In(loc)
	y, m, d := lt.Date()
	for k := -1; k <= 2; k++ {
		for _, u := range wallInstants(y, m, d+k, clock, loc) {
			if u.After(t) {
				return u
			}
		}
	}
	// Unreachable for real zones: some date within two days has the clock.
	return lt.Add(24 * time.Hour)
}

// nextTransition returns the next instant after t at which loc's UTC offset
// changes, or the zero time when it never does.
func nextTransition(t time.Time, loc *time.Location) time.Time {
	_, end := t.In(loc).ZoneBounds()
	if end.IsZero() || !end.After(t) {
		return time.Time{}
	}
	return end
}

// wallInstants returns, in order, every instant at which the wall clock in
// loc reads the date y-m-d (normalised like time.Date) at time of day clock.
// Usually there is one; a fall-back overlap gives two; a spring-forward gap
// gives none, and then the first instant after the gap is returned instead.
func wallInstants(y int, m time.Month, d int, clock time.Duration, loc *time.Location) []time.Time {
	naive := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Add(clock) // the wall clock, read as UTC
	var offsets []int
	for _, probe := range []time.Duration{-48 * time.Hour, 0, 48 * time.Hour} {
		_, off := naive.Add(probe).In(loc).Zone()
		if !slices.Contains(offsets, off) {
			offsets = append(offsets, off)
		}
	}
	var out []time.Time
	for _, off := range offsets {
		u := naive.Add(-time.Duration(off) * time.Second)
		if wallOf(u, loc).Equal(naive) && !slices.ContainsFunc(out, u.Equal) {
			out = append(out, u)
		}
	}
	if len(out) > 0 {
		slices.SortFunc(out, time.Time.Compare)
		return out
	}
	// In a gap: find the transition that jumps over the wall time.
	for _, off := range offsets {
		u := naive.Add(-time.Duration(off) * time.Second)
		start, _ := u.In(loc).ZoneBounds()
		if start.IsZero() {
			continue
		}
		if wallOf(start.Add(-time.Nanosecond), loc).Before(naive) && wallOf(start, loc).After(naive) {
			return []time.Time{start}
		}
	}
	return []time.Time{time.Date(y, m, d, 0, 0, 0, 0, loc).Add(clock)}
}

// wallOf returns the wall clock of t in loc, expressed as a UTC instant so
// that wall clocks compare with time.Time methods.
func wallOf(t time.Time, loc *time.Location) time.Time {
	_, off := t.In(loc).Zone()
	return t.UTC().Add(time.Duration(off) * time.Second)
}

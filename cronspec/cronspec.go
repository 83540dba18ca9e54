// Package cronspec is the one home of schedule parsing: campaign schedules
// (campaigns), OUTREACH_TICK (scheduler) and team members' digest schedules
// (ingest, digest) are parsed here, once, into an outreach.Schedule. It is
// the only package that imports robfig/cron, whose parser it wraps with the
// checks robfig/cron lacks: a spec that never fires ("0 0 31 2 *", for
// which its Next returns the zero time) and a non-positive @every (which it
// turns into every second) are refused, and Calendar refuses what a digest
// cannot use. It is pure: no clock, no I/O.
package cronspec

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/outreach-dev/outreach"
)

// neverRef is the instant Parse looks for a first fire from. A standard
// spec that can fire does so within the five years robfig/cron searches
// from it (a 29 February, in 2000 or 2004, included), so the answer does
// not depend on when a spec is checked.
var neverRef = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// SyntaxError is a spec that robfig/cron cannot parse. Its message says
// what is wrong and, in Hint, how specs are written.
type SyntaxError struct {
	Spec string
	Err  error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid cron spec %q: %v; %s", e.Spec, e.Err, Hint(e.Spec))
}

func (e *SyntaxError) Unwrap() error { return e.Err }

// Parse parses a standard 5-field cron spec or a descriptor (@daily,
// @every 1h), refusing one that never fires and a non-positive @every. A
// spec that robfig/cron cannot parse is a *SyntaxError.
func Parse(spec string) (outreach.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, &SyntaxError{Spec: spec, Err: err}
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		_, rest, _ := strings.Cut(spec, "@every")
		if d, err := time.ParseDuration(strings.TrimSpace(rest)); err == nil && d <= 0 {
			return nil, fmt.Errorf("@every needs a duration of more than 0, not %s (e.g. @every 1h)", strings.TrimSpace(rest))
		}
	default:
		if s.Next(neverRef).IsZero() {
			return nil, errors.New("it never fires: no date has that day of the month in those months (such as 31 February or 31 April); fix the day-of-month or month field")
		}
	}
	return sched, nil
}

// Calendar parses a digest schedule: what Parse takes, evaluated in the
// member's timezone, that fires at most once an hour. "@every D" is
// refused, whatever D: it counts from the last fire rather than following
// the calendar, so it ignores the member's timezone. Specs whose minute
// field names a single minute fire at most once an hour (the hour, day and
// month fields only choose which hours fire); several minutes, "*" or "*/N"
// can fire twice within an hour.
func Calendar(spec string) (outreach.Schedule, error) {
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return nil, errors.New("must not name a timezone: set the timezone field instead")
	}
	sched, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		return nil, fmt.Errorf("%q is an interval, which digests do not take: use a 5-field cron in the member's timezone (e.g. \"0 8 * * MON\", \"0 */4 * * *\") or @daily, @weekly, @monthly", spec)
	case *cron.SpecSchedule:
		if bits.OnesCount64(s.Minute&(1<<60-1)) > 1 {
			return nil, fmt.Errorf("%q fires more than once an hour, and a digest goes out at most hourly: name one minute (e.g. \"0 8 * * *\", \"0 * * * *\")", spec)
		}
	}
	return sched, nil
}

// Hint says how to fix a cron spec that robfig/cron refused: with other
// than 5 fields, to use 5; with 5 fields (one of them wrong), the range of
// each field, without telling the author to use the 5 fields they already
// have.
func Hint(spec string) string {
	if f := strings.Fields(spec); len(f) == 5 && !strings.HasPrefix(spec, "@") {
		return "the fields are minute (0-59), hour (0-23), day-of-month (1-31), month (1-12 or JAN-DEC) and day-of-week (0-6 or SUN-SAT), e.g. \"0 9 * * MON\""
	}
	return "use 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 9 * * MON\", or @daily"
}

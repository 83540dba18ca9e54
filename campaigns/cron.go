package campaigns

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// neverRef is the instant ParseSchedule looks for a first fire from. A
// standard spec that can fire does so within the five years robfig/cron
// searches from it (a 29 February, in 2000 or 2004, included), so the answer
// does not depend on when a pack is validated.
var neverRef = time.Date(2000, time.January, 1, 0, 0, 0, 0, time.UTC)

// ParseSchedule parses a standard 5-field cron spec or a descriptor
// (@daily, @every 1h) as cron.ParseStandard does, and also refuses what
// cron.ParseStandard accepts but cannot be run: a spec that never fires
// ("0 0 31 2 *": robfig/cron's Next returns the zero time for it) and
// @every with a duration that is not positive ("@every 0s", which
// robfig/cron turns into every second).
func ParseSchedule(spec string) (cron.Schedule, error) {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, err
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

// CronHint says how to fix a cron spec that cron.ParseStandard refused:
// with other than 5 fields, to use 5; with 5 fields (one of them wrong),
// the range of each field, without telling the author to use the 5 fields
// they already have.
func CronHint(spec string) string {
	if f := strings.Fields(spec); len(f) == 5 && !strings.HasPrefix(spec, "@") {
		return "the fields are minute (0-59), hour (0-23), day-of-month (1-31), month (1-12 or JAN-DEC) and day-of-week (0-6 or SUN-SAT), e.g. \"0 9 * * MON\""
	}
	return "use 5 fields (minute hour day-of-month month day-of-week), e.g. \"0 9 * * MON\", or @daily"
}

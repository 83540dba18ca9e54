package ingest

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/robfig/cron/v3"
)

// checkDigestSchedule validates a team member's digest_schedule: a standard
// 5-field cron or a descriptor (@daily, @weekly…), in the member's timezone,
// that fires at most once an hour. A digest covers the time since the
// previous one, so minutes-apart digests are empty noise to the CSM.
//
// "@every D" is refused, whatever D: it counts from the last fire rather
// than following the calendar, so it ignores the member's timezone.
// Schedules whose minute field names a single minute fire at most once an
// hour (the hour, day and month fields only choose which hours fire);
// several minutes, "*" or "*/N" can fire twice within an hour.
func checkDigestSchedule(spec string) error {
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return fmt.Errorf("%q is not a cron spec (e.g. \"0 8 * * MON\"): %v", spec, err)
	}
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		return fmt.Errorf("must not name a timezone: set the timezone field instead")
	}
	switch s := sched.(type) {
	case cron.ConstantDelaySchedule:
		return fmt.Errorf("%q is an interval, which digests do not take: use a 5-field cron in the member's timezone (e.g. \"0 8 * * MON\", \"0 */4 * * *\") or @daily, @weekly, @monthly", spec)
	case *cron.SpecSchedule:
		if bits.OnesCount64(s.Minute&(1<<60-1)) > 1 {
			return fmt.Errorf("%q fires more than once an hour, and a digest goes out at most hourly: name one minute (e.g. \"0 8 * * *\", \"0 * * * *\")", spec)
		}
	}
	return nil
}

package ingest

import (
	"errors"
	"fmt"

	"github.com/outreach-dev/outreach/cronspec"
)

// checkDigestSchedule validates a team member's digest_schedule: a standard
// 5-field cron or a descriptor (@daily, @weekly…), in the member's timezone,
// that fires at most once an hour (cronspec.Calendar says why).
func checkDigestSchedule(spec string) error {
	_, err := cronspec.Calendar(spec)
	if syntax := (*cronspec.SyntaxError)(nil); errors.As(err, &syntax) {
		return fmt.Errorf("%q is not a cron spec (e.g. \"0 8 * * MON\"): %v", spec, syntax.Err)
	}
	return err
}

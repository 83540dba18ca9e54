package outreach

import "time"

// RetryMaxGap is the longest wait between two attempts of a message that
// is retried until a deadline (alert notifications, outgoing webhooks).
const RetryMaxGap = time.Hour

// RetryUntil is when a message created at created is tried again after
// attempt (1 = the first) failed at now: first, doubled per further
// attempt, at most RetryMaxGap apart; zero once that would pass
// created+retryFor (the message is then given up). The one backoff rule of
// the alert and webhook workers.
func RetryUntil(created time.Time, attempt int, now time.Time, first, retryFor time.Duration) time.Time {
	d := first
	for i := 1; i < attempt && d < RetryMaxGap; i++ {
		d *= 2
	}
	d = min(d, RetryMaxGap)
	if now.Add(d).After(created.Add(retryFor)) {
		return time.Time{}
	}
	return now.Add(d)
}

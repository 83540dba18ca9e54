package dispatch

import "time"

// Backoff bounds: the first retry waits BackoffBase, each further attempt
// doubles it, up to BackoffMax.
const (
	BackoffBase = time.Second
	BackoffMax  = 5 * time.Minute
)

// Backoff returns how long to wait before attempt number
// attempt (1 = the first retry): BackoffBase doubled per attempt, capped at
// BackoffMax, without jitter so schedules are reproducible. A retryAfter
// given by the provider wins when it is longer: retrying earlier than the
// provider asked only earns another 429. A retryAfter beyond BackoffMax is
// honoured too.
func Backoff(attempt int, retryAfter time.Duration) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	d := BackoffMax
	if attempt <= 20 { // 2^19 s is far past the cap; avoid overflow
		d = min(BackoffBase<<(attempt-1), BackoffMax)
	}
	return max(d, retryAfter)
}

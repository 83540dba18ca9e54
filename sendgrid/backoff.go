package sendgrid

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Backoff bounds: the first retry waits BackoffBase, each further attempt
// doubles it, up to BackoffMax.
const (
	BackoffBase = time.Second
	BackoffMax  = 5 * time.Minute
)

// Backoff returns how long the dispatcher should wait before attempt number
// attempt (1 = the first retry): BackoffBase doubled per attempt, capped at
// BackoffMax, without jitter so schedules are reproducible. A retryAfter
// given by SendGrid wins when it is longer: retrying earlier than the
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

// retryAfter reads how long SendGrid asked us to wait: Retry-After (delay
// seconds or an HTTP date), else X-RateLimit-Reset (unix seconds). It
// returns 0 when neither header is usable or the instant is past.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Duration(secs)*time.Second, 0)
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Reset")); v != "" {
		if unix, err := strconv.ParseInt(v, 10, 64); err == nil {
			return max(time.Unix(unix, 0).Sub(now), 0)
		}
	}
	return 0
}

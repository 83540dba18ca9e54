package sendgrid

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

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

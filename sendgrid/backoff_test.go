package sendgrid

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header http.Header
		want   time.Duration
	}{
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"http date", http.Header{"Retry-After": {now.Add(90 * time.Second).Format(http.TimeFormat)}}, 90 * time.Second},
		{"past date", http.Header{"Retry-After": {now.Add(-time.Minute).Format(http.TimeFormat)}}, 0},
		{"reset", http.Header{"X-Ratelimit-Reset": {"1772442045"}}, 45 * time.Second},
		{"retry-after wins", http.Header{"Retry-After": {"3"}, "X-Ratelimit-Reset": {"1772442045"}}, 3 * time.Second},
		{"garbage falls back to reset", http.Header{"Retry-After": {"soon"}, "X-Ratelimit-Reset": {"1772442045"}}, 45 * time.Second},
		{"none", http.Header{}, 0},
	}
	for _, tt := range tests {
		if got := retryAfter(tt.header, now); got != tt.want {
			t.Errorf("%s: retryAfter = %v, want %v", tt.name, got, tt.want)
		}
	}
}

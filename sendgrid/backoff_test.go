package sendgrid

import (
	"net/http"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	tests := []struct {
		attempt    int
		retryAfter time.Duration
		want       time.Duration
	}{
		{0, 0, time.Second},
		{1, 0, time.Second},
		{2, 0, 2 * time.Second},
		{5, 0, 16 * time.Second},
		{9, 0, 256 * time.Second},
		{10, 0, 5 * time.Minute},
		{1000, 0, 5 * time.Minute},
		{1, 30 * time.Second, 30 * time.Second},
		{6, 3 * time.Second, 32 * time.Second},
		{3, time.Hour, time.Hour},
	}
	for _, tt := range tests {
		if got := Backoff(tt.attempt, tt.retryAfter); got != tt.want {
			t.Errorf("Backoff(%d, %v) = %v, want %v", tt.attempt, tt.retryAfter, got, tt.want)
		}
	}
}

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

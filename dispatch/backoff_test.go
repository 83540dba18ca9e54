package dispatch

import (
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

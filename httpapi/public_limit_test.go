package httpapi

import (
	"strconv"
	"testing"
	"time"
)

func TestLimiterRefillsAtRate(t *testing.T) {
	t.Parallel()
	clock := &fbClock{t: testNow}
	l, err := NewLimiter(2, 4, 10, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 4 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("request %d of a burst of 4 refused", i+1)
		}
	}
	ok, wait := l.Allow("a")
	if ok || wait != 500*time.Millisecond {
		t.Errorf("5th request: ok=%v wait=%v, want refused for 500ms at 2/s", ok, wait)
	}
	clock.Advance(500 * time.Millisecond)
	if ok, _ := l.Allow("a"); !ok {
		t.Errorf("after 500ms at 2/s: refused, want one more token")
	}
	clock.Advance(time.Hour)
	for i := range 4 {
		if ok, _ := l.Allow("a"); !ok {
			t.Fatalf("after an hour, request %d refused: the bucket must refill to its burst only", i+1)
		}
	}
	if ok, _ := l.Allow("a"); ok {
		t.Errorf("the bucket refilled beyond its burst")
	}
}

func TestLimiterCapsClients(t *testing.T) {
	t.Parallel()
	clock := &fbClock{t: testNow}
	l, err := NewLimiter(1, 2, 100, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	// A busy client, then a flood of one-request addresses.
	l.Allow("busy")
	l.Allow("busy")
	for i := range 1000 {
		l.Allow("10.0.0." + strconv.Itoa(i))
		if n := l.Clients(); n > 100 {
			t.Fatalf("after %d addresses the limiter remembers %d, want at most 100", i+1, n)
		}
	}
	// Idle addresses whose bucket refilled are forgotten first.
	clock.Advance(time.Minute)
	l.Allow("busy")
	l.Allow("busy")
	l.Allow("new")
	if n := l.Clients(); n != 2 {
		t.Errorf("after a minute, %d addresses remembered, want 2 (the refilled ones forgotten)", n)
	}
	if ok, _ := l.Allow("busy"); ok {
		t.Errorf("the busy address got a third request in its burst of 2")
	}
}

func TestNewLimiterValidates(t *testing.T) {
	t.Parallel()
	now := func() time.Time { return testNow }
	for _, c := range []struct {
		rate          float64
		burst, maxCli int
		now           func() time.Time
	}{{0, 1, 1, now}, {1, 0, 1, now}, {1, 1, 0, now}, {1, 1, 1, nil}} {
		if _, err := NewLimiter(c.rate, c.burst, c.maxCli, c.now); err == nil {
			t.Errorf("NewLimiter(%v, %d, %d) accepted", c.rate, c.burst, c.maxCli)
		}
	}
}

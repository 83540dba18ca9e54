package ratelimit

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manual clock. Its after either advances the clock at once
// (jump mode) or hands the wait to the test through waits.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	jump  bool
	waits chan wait
}

type wait struct {
	d    time.Duration
	fire chan time.Time
}

func newFakeClock(jump bool) *fakeClock {
	return &fakeClock{now: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC), jump: jump, waits: make(chan wait, 100)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	if c.jump {
		c.Advance(d)
		ch <- c.Now()
		return ch
	}
	c.waits <- wait{d, ch}
	return ch
}

func TestBucketAdmitsConfiguredRate(t *testing.T) {
	clock := newFakeClock(true)
	b, err := NewBucket(10, 1, clock.Now, clock.After)
	if err != nil {
		t.Fatal(err)
	}
	start := clock.Now()
	var admitted []time.Duration
	for range 31 {
		if err := b.Wait(context.Background()); err != nil {
			t.Fatal(err)
		}
		admitted = append(admitted, clock.Now().Sub(start))
	}
	if got := clock.Now().Sub(start); got != 3*time.Second {
		t.Errorf("31 requests at 10/s took %v, want 3s", got)
	}
	inFirstSecond := 0
	for _, at := range admitted {
		if at < time.Second {
			inFirstSecond++
		}
	}
	if inFirstSecond != 10 {
		t.Errorf("admitted %d in the first second, want 10", inFirstSecond)
	}
}

func TestBucketBurstAndRefillCap(t *testing.T) {
	clock := newFakeClock(true)
	b, _ := NewBucket(5, 5, clock.Now, clock.After)
	start := clock.Now()
	for range 5 {
		_ = b.Wait(context.Background())
	}
	if clock.Now() != start {
		t.Fatalf("a full burst of 5 waited %v", clock.Now().Sub(start))
	}
	_ = b.Wait(context.Background())
	if got := clock.Now().Sub(start); got != 200*time.Millisecond {
		t.Errorf("6th request waited %v, want 200ms", got)
	}
	clock.Advance(time.Hour) // idle: refills to the burst, not to 18,000
	idle := clock.Now()
	for range 5 {
		_ = b.Wait(context.Background())
	}
	if clock.Now() != idle {
		t.Errorf("after idling, 5 requests waited %v", clock.Now().Sub(idle))
	}
	_ = b.Wait(context.Background())
	if got := clock.Now().Sub(idle); got != 200*time.Millisecond {
		t.Errorf("after idling, the 6th request waited %v, want 200ms (burst must cap the refill)", got)
	}
}

func TestBucketSharedByGoroutines(t *testing.T) {
	clock := newFakeClock(false)
	b, _ := NewBucket(10, 1, clock.Now, clock.After)
	const n = 8
	done := make(chan error, n)
	for range n {
		go func() { done <- b.Wait(context.Background()) }()
	}
	// One goroutine gets the token at once; the others reserve slots
	// 100 ms apart, in whatever order they arrived.
	var waits []wait
	for range n - 1 {
		waits = append(waits, <-clock.waits)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	var ds []time.Duration
	for _, w := range waits {
		ds = append(ds, w.d)
	}
	slices.Sort(ds)
	for i, d := range ds {
		if want := time.Duration(i+1) * 100 * time.Millisecond; d != want {
			t.Errorf("waits %v, want 100ms, 200ms, ... 700ms", ds)
			break
		}
	}
	for _, w := range waits {
		w.fire <- clock.Now()
	}
	for range n - 1 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
}

func TestBucketCancelGivesTokenBack(t *testing.T) {
	clock := newFakeClock(false)
	b, _ := NewBucket(1, 1, clock.Now, clock.After)
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Wait(ctx) }()
	if w := <-clock.waits; w.d != time.Second {
		t.Fatalf("second request waits %v, want 1s", w.d)
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Wait = %v, want context.Canceled", err)
	}
	go func() { done <- b.Wait(context.Background()) }()
	w := <-clock.waits
	if w.d != time.Second {
		t.Errorf("after a cancelled wait the next request waits %v, want 1s (token not given back)", w.d)
	}
	w.fire <- clock.Now()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Wait with a done context = %v", err)
	}
}

func TestNewBucketRejectsBadRate(t *testing.T) {
	for _, r := range []float64{0, -1} {
		if _, err := NewBucket(r, 1, nil, nil); err == nil {
			t.Errorf("rate %v accepted", r)
		}
	}
}

package ratelimit

import (
	"context"
	"fmt"
	"math"
	"sync"
	"time"
)

// Bucket is a token bucket shared by goroutines: it admits Rate requests per
// second on average and at most Burst at once. Waiters reserve their token
// when they arrive (the count may go negative), so they are admitted in
// arrival order, each one 1/Rate after the previous, without polling.
//
// The clock and the timer are fields so tests drive time by hand.
type Bucket struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time
	after func(time.Duration) <-chan time.Time

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// NewBucket returns a full bucket admitting rate requests per second with
// the given burst (at least 1). now and after default to time.Now and
// time.After.
func NewBucket(rate float64, burst int, now func() time.Time, after func(time.Duration) <-chan time.Time) (*Bucket, error) {
	if !(rate > 0) || math.IsInf(rate, 0) {
		return nil, fmt.Errorf("token bucket: rate %v must be a positive number", rate)
	}
	if burst < 1 {
		burst = 1
	}
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	return &Bucket{rate: rate, burst: float64(burst), now: now, after: after, tokens: float64(burst), last: now()}, nil
}

// reserve takes one token and returns how long the caller must wait before
// using it.
func (b *Bucket) reserve() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.last); elapsed > 0 {
		b.tokens = math.Min(b.burst, b.tokens+elapsed.Seconds()*b.rate)
		b.last = now
	}
	b.tokens--
	if b.tokens >= 0 {
		return 0
	}
	return time.Duration(math.Ceil(-b.tokens / b.rate * float64(time.Second)))
}

// cancel gives back a token reserved by a waiter that gave up.
func (b *Bucket) cancel() {
	b.mu.Lock()
	b.tokens = math.Min(b.burst, b.tokens+1)
	b.mu.Unlock()
}

// Wait blocks until the caller may make one request, or until ctx is done
// (then the reserved token is given back and ctx's error returned).
func (b *Bucket) Wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	d := b.reserve()
	if d <= 0 {
		return nil
	}
	select {
	case <-b.after(d):
		return nil
	case <-ctx.Done():
		b.cancel()
		return ctx.Err()
	}
}

// Rate returns the requests per second the bucket admits on average.
func (b *Bucket) Rate() float64 { return b.rate }

// Burst returns how many requests the bucket admits at once.
func (b *Bucket) Burst() int { return int(b.burst) }

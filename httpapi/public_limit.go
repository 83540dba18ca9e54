package httpapi

import (
	"fmt"
	"math"
	"sync"
	"time"
)

// Defaults of the per-IP limit on the public pages. A link scanner opens
// the 11 survey links of an email at once, and a person needs a GET and a
// POST; 30 requests at once and one every 2 seconds after that leave room
// for both (and for an office behind one address) while stopping floods.
const (
	DefaultPublicRate    = 0.5 // requests per second, per client address
	DefaultPublicBurst   = 30
	DefaultPublicClients = 10000 // addresses remembered at once
)

// Limiter is an in-memory token bucket per client address. It remembers
// at most MaxClients addresses: when full it forgets those whose bucket has
// refilled (they are indistinguishable from new ones) and, failing that, an
// arbitrary hundredth of them, so a flood of addresses cannot grow memory.
// It is safe for concurrent use.
type Limiter struct {
	rate       float64
	burst      float64
	maxClients int
	now        func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

// NewLimiter returns a limiter allowing burst requests at once and rate per
// second after that, per address, for at most maxClients addresses; now
// is its clock.
func NewLimiter(rate float64, burst, maxClients int, now func() time.Time) (*Limiter, error) {
	switch {
	case rate <= 0 || math.IsInf(rate, 0) || math.IsNaN(rate):
		return nil, fmt.Errorf("rate limit: rate must be a positive number of requests per second, got %v", rate)
	case burst < 1:
		return nil, fmt.Errorf("rate limit: burst must be at least 1, got %d", burst)
	case maxClients < 1:
		return nil, fmt.Errorf("rate limit: maxClients must be at least 1, got %d", maxClients)
	case now == nil:
		return nil, fmt.Errorf("rate limit: a clock is required")
	}
	return &Limiter{rate: rate, burst: float64(burst), maxClients: maxClients, now: now, buckets: map[string]*bucket{}}, nil
}

// Allow takes a token from key's bucket. When the bucket is empty it
// returns false and how long until the next token.
func (l *Limiter) Allow(key string) (bool, time.Duration) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, ok := l.buckets[key]
	if !ok {
		if len(l.buckets) >= l.maxClients {
			l.evict(now)
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	wait := time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	return false, wait
}

// Clients returns how many addresses the limiter remembers.
func (l *Limiter) Clients() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func (l *Limiter) refill(b *bucket, now time.Time) {
	if elapsed := now.Sub(b.last).Seconds(); elapsed > 0 {
		b.tokens = math.Min(l.burst, b.tokens+elapsed*l.rate)
		b.last = now
	}
}

// evict makes room for one more address.
func (l *Limiter) evict(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	if len(l.buckets) < l.maxClients {
		return
	}
	n := max(1, l.maxClients/100)
	for k := range l.buckets {
		if n == 0 {
			break
		}
		delete(l.buckets, k)
		n--
	}
}

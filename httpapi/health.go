package httpapi

import (
	"context"
	"net/http"
	"sync"
	"time"
)

// healthTimeout bounds the database check of /healthz.
const healthTimeout = 2 * time.Second

// healthFresh is how long one database check answers /healthz: however
// many health checks arrive (load balancers, or a flood: the route is
// public), the database sees at most one ping per healthFresh.
const healthFresh = time.Second

// handleHealth answers GET /healthz: 200 when the database answers, 503
// otherwise (the cause goes to the log). The check is shared by the
// requests that arrive while it runs and reused for healthFresh; serve
// gives it the pool of the background work, which an API burst cannot
// take, so /healthz keeps answering under load.
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if s.DB != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if err := s.health.check(ctx, s.DB, s.Now); err != nil {
			s.Logger.ErrorContext(r.Context(), "health check failed", "error", logError(err))
			s.metrics.errors.WithLabelValues("health").Inc()
			return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database unreachable"})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// healthCheck runs one database ping at a time for /healthz and keeps its
// result for healthFresh.
type healthCheck struct {
	mu      sync.Mutex
	at      time.Time     // when the last ping ended
	err     error         // its result
	running chan struct{} // closed when the ping in flight ends; nil if none
	waiting int           // checks waiting for the ping in flight
}

// joined returns how many checks wait for the ping in flight.
func (h *healthCheck) joined() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.waiting
}

// check returns the result of a ping that ended less than healthFresh ago,
// or of the ping in flight, starting one if none is. It waits at most
// until ctx ends.
func (h *healthCheck) check(ctx context.Context, db Pinger, now func() time.Time) error {
	h.mu.Lock()
	if !h.at.IsZero() && now().Sub(h.at) < healthFresh {
		err := h.err
		h.mu.Unlock()
		return err
	}
	done := h.running
	if done == nil {
		done = make(chan struct{})
		h.running = done
		go h.ping(db, now, done)
	}
	h.waiting++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.waiting--
		h.mu.Unlock()
	}()
	select {
	case <-done:
		h.mu.Lock()
		defer h.mu.Unlock()
		return h.err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ping pings db, records the result and closes done.
func (h *healthCheck) ping(db Pinger, now func() time.Time, done chan struct{}) {
	ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
	defer cancel()
	err := db.Ping(ctx)
	h.mu.Lock()
	defer h.mu.Unlock()
	h.at, h.err, h.running = now(), err, nil
	close(done)
}

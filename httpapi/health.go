package httpapi

import (
	"context"
	"net/http"
	"time"
)

// healthTimeout bounds the database check of /healthz.
const healthTimeout = 2 * time.Second

// handleHealth answers GET /healthz: 200 when the database answers, 503
// otherwise (the cause goes to the log).
func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) error {
	if s.DB != nil {
		ctx, cancel := context.WithTimeout(r.Context(), healthTimeout)
		defer cancel()
		if err := s.DB.Ping(ctx); err != nil {
			s.Logger.ErrorContext(r.Context(), "health check failed", "error", logError(err))
			s.metrics.errors.WithLabelValues("health").Inc()
			return writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "error": "database unreachable"})
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

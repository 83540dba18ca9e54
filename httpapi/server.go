package httpapi

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxBodyBytes is the largest request body the data API accepts.
const DefaultMaxBodyBytes = 10 << 20

// DefaultRequestTimeout is the deadline of a request that has none: a
// request waiting for a database connection in a burst gives up after it
// with a 503 and Retry-After.
const DefaultRequestTimeout = 30 * time.Second

// Pinger checks that the database answers.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Server holds the dependencies of the HTTP API. Set its fields, then call
// Handler once.
type Server struct {
	Ingest   outreach.IngestStore
	Contacts outreach.ContactStore
	Tokens   outreach.TokenStore
	DB       Pinger
	// Feedback serves the survey and unsubscribe pages, the SendGrid
	// webhook and NPS (public.go); nil makes those routes answer 503.
	Feedback *Feedback
	// Pause serves the digest's pause page /p/{token} (pause.go); nil
	// makes it answer 503.
	Pause *Pause
	// Console serves everything under /console/ (package console); nil
	// leaves those paths unanswered (404).
	Console http.Handler
	// Audit makes the audited changes: lifting suppressions (API and the
	// preference page's resubscribe), pausing and resuming accounts (API
	// and the pause page) (undo.go); nil makes those answer 503.
	Audit outreach.AuditStore
	// Lists pages through accounts, contacts and deliveries (lists.go);
	// nil makes the list routes answer 503.
	Lists outreach.ListStore
	// Cases serves the follow-up cases and their "I'm on it" page
	// (cases.go); nil makes those routes fail.
	Cases *Cases
	// Responses serves the answers export GET /api/v1/responses
	// (responses.go); nil makes it fail.
	Responses ResponseStore
	// Webhooks serves the outgoing webhooks' endpoints (webhooks_out.go);
	// nil makes them fail.
	Webhooks *OutgoingWebhooks

	// Logger receives the access log and internal errors; nil discards.
	Logger *slog.Logger
	// AdminToken is OUTREACH_API_TOKEN, a bearer token with admin scope;
	// "" means only stored tokens are accepted.
	AdminToken string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Registry receives the metrics served on /metrics; nil means a new
	// registry with the Go and process collectors.
	Registry *prometheus.Registry
	// Ops adds the outbox, leader and pack series to /metrics; nil leaves
	// them out.
	Ops *Ops
	// MaxBodyBytes caps request bodies of the data API; 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// RequestTimeout is the deadline of every request; 0 means
	// DefaultRequestTimeout.
	RequestTimeout time.Duration
	// PublicBudget bounds the request body bytes that the public
	// endpoints hold at once (public_budget.go); nil means a budget of
	// DefaultPublicBytesInFlight.
	PublicBudget *ByteBudget

	once     sync.Once
	health   healthCheck
	handler  http.Handler
	metrics  *metrics
	patterns []string // of the routes registered through handle
}

// Handler returns the HTTP handler of the server, building it on the first
// call.
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		if s.Logger == nil {
			s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.MaxBodyBytes <= 0 {
			s.MaxBodyBytes = DefaultMaxBodyBytes
		}
		if s.RequestTimeout <= 0 {
			s.RequestTimeout = DefaultRequestTimeout
		}
		if s.PublicBudget == nil {
			s.PublicBudget, _ = NewByteBudget(DefaultPublicBytesInFlight) // a valid constant
		}
		s.metrics = newMetrics(s)
		mux := http.NewServeMux()
		s.routes(mux)
		s.handler = s.observe(s.withDeadline(s.publicBudget(s.unmatchedJSON(mux))))
	})
	return s.handler
}

// Routes returns the patterns ("GET /api/v1/accounts") of the API's
// routes, in the order they were registered; the OpenAPI tests hold the
// document to this list.
func (s *Server) Routes() []string {
	s.Handler()
	return append([]string(nil), s.patterns...)
}

// access levels of a route.
type access int

const (
	public      access = iota // no token
	ingestScope               // an ingest or admin token
	adminScope                // an admin token
)

// handlerFunc is a handler that returns its error for writeError.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// handle registers h on pattern with the given access level.
func (s *Server) handle(mux *http.ServeMux, pattern string, level access, h handlerFunc) {
	s.patterns = append(s.patterns, pattern)
	mux.Handle(pattern, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if level != public {
			tok, err := s.authenticate(r)
			if err == nil {
				err = authorize(tok, level)
			}
			if err != nil {
				s.writeError(w, r, err)
				return
			}
			setTokenName(r, tok.Name)
			r = r.WithContext(context.WithValue(r.Context(), actorKey{}, tok.Name))
		}
		if err := h(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}))
}

// withDeadline gives every request the deadline RequestTimeout, so that
// one waiting for a database connection in a burst gives up (503,
// Retry-After) instead of queueing without end.
func (s *Server) withDeadline(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), s.RequestTimeout)
		defer cancel()
		r2 := r.WithContext(ctx)
		next.ServeHTTP(w, r2)
		r.Pattern = r2.Pattern // for observe's metrics and access log
	})
}

// actorKey keys the name of the request's token in its context.
type actorKey struct{}

// actor returns who makes an API request, for the audit log: the name of
// its token.
func actor(r *http.Request) string {
	name, _ := r.Context().Value(actorKey{}).(string)
	return name
}

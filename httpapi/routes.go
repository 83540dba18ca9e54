package httpapi

import (
	"net/http"

	"github.com/outreach-dev/outreach/ingest"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// routes registers every route. Each area keeps its handlers in its own
// file; this is the one list of what the server answers.
func (s *Server) routes(mux *http.ServeMux) {
	// Operations.
	s.handle(mux, "GET /healthz", public, s.handleHealth)
	mux.Handle("GET /metrics", promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{}))

	// Data (ingest.go): ingest tokens may use these and nothing else.
	for _, k := range ingest.Kinds {
		s.handle(mux, "POST /api/v1/"+string(k), ingestScope, s.handleIngest(k))
	}

	// People (contacts.go).
	s.handle(mux, "GET /api/v1/contacts/{email}/timeline", adminScope, s.handleTimeline)
	s.handle(mux, "DELETE /api/v1/contacts/{email}", adminScope, s.handleEraseContact)

	// Feedback loop: /s, /u, the SendGrid webhook and NPS (public.go).
	s.feedbackRoutes(mux)
	// Emails to the List-Unsubscribe mailto, via SendGrid Inbound Parse
	// (inbound.go).
	s.inboundRoutes(mux)

	// The digest's pause page /p (pause.go).
	s.pauseRoutes(mux)
}

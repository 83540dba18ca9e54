package httpapi

import (
	"net/http"
	"strings"

	"github.com/outreach-dev/outreach"
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

	// Lists with cursor pagination (lists.go) and audited changes that
	// undo (undo.go).
	s.listRoutes(mux)
	s.undoRoutes(mux)
	// The API's description (openapi.go).
	s.handle(mux, "GET /api/v1/openapi.json", public, s.handleOpenAPI)

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

	// The answers export (responses.go).
	s.handle(mux, "GET /api/v1/responses", adminScope, s.handleResponses)

	// Outgoing webhooks (webhooks_out.go).
	s.webhookRoutes(mux)

	// Follow-up cases and the alert's "I'm on it" page /c (cases.go).
	s.caseRoutes(mux)

	// The console (package console) answers everything under /console/;
	// the public byte budget covers its sign-in form.
	if s.Console != nil {
		mux.Handle("/console/", s.Console)
		mux.Handle("GET /console", http.RedirectHandler("/console/", http.StatusMovedPermanently))
	}
}

// jsonPrefixes are the path prefixes of the machine-facing routes: a request
// under one of them that no route matches gets a JSON error like every other
// API error. Elsewhere (the public pages, /) the mux's own answers stay.
var jsonPrefixes = []string{"/api/", "/webhooks/"}

// unmatchedJSON answers the requests under jsonPrefixes that no route
// matches with a JSON 404, or a JSON 405 with an Allow header when routes
// exist for the path with other methods; it passes every other request to
// mux. The mux itself decides which of the two (and what Allow lists), so
// the answer always agrees with the routes.
func (s *Server) unmatchedJSON(mux *http.ServeMux) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !hasJSONPrefix(r.URL.Path) {
			mux.ServeHTTP(w, r)
			return
		}
		h, pattern := mux.Handler(r)
		if pattern != "" {
			mux.ServeHTTP(w, r)
			return
		}
		p := &probe{header: http.Header{}}
		h.ServeHTTP(p, r) // the mux's 404 or 405 handler: writes nowhere
		switch p.status {
		case http.StatusNotFound:
			s.writeError(w, r, outreach.Errorf(outreach.ENOTFOUND,
				"no route %s %s: docs/api.md lists the API's routes", r.Method, r.URL.Path))
		case http.StatusMethodNotAllowed:
			s.writeError(w, r, &methodError{method: r.Method, path: r.URL.Path, allow: p.header.Get("Allow")})
		default: // a redirect to the cleaned path
			mux.ServeHTTP(w, r)
		}
	})
}

func hasJSONPrefix(path string) bool {
	for _, p := range jsonPrefixes {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

// probe is a ResponseWriter that only records the status and headers a
// handler answers with.
type probe struct {
	header http.Header
	status int
}

func (p *probe) Header() http.Header { return p.header }

func (p *probe) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
	}
}

func (p *probe) Write(b []byte) (int, error) {
	p.WriteHeader(http.StatusOK)
	return len(b), nil
}

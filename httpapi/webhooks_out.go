package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/safehttp"
	"github.com/outreach-dev/outreach/webhooks"
)

// OutgoingWebhooks serves the endpoints of outgoing webhooks. Set it as
// Server.Webhooks; nil makes the routes fail.
type OutgoingWebhooks struct {
	Store outreach.WebhookStore
	// AllowPrivate accepts http and loopback or private targets
	// (OUTREACH_ALLOW_PRIVATE_TARGETS: development and tests).
	AllowPrivate bool
}

func (s *Server) webhookRoutes(mux *http.ServeMux) {
	s.handle(mux, "POST /api/v1/webhooks", adminScope, s.handleCreateWebhook)
	s.handle(mux, "GET /api/v1/webhooks", adminScope, s.handleWebhooks)
	s.handle(mux, "DELETE /api/v1/webhooks/{id}", adminScope, s.handleDeleteWebhook)
	s.handle(mux, "GET /api/v1/webhooks/{id}/deliveries", adminScope, s.handleWebhookDeliveries)
}

func (s *Server) webhookStore() (outreach.WebhookStore, error) {
	if s.Webhooks == nil || s.Webhooks.Store == nil {
		return nil, outreach.Errorf(outreach.EINTERNAL, "outgoing webhooks are not configured on this server")
	}
	return s.Webhooks.Store, nil
}

// webhookCreated is the answer of POST /api/v1/webhooks: the secret is
// shown this once.
type webhookCreated struct {
	ID     string   `json:"id"`
	Secret string   `json:"secret"`
	URL    string   `json:"url"`
	Events []string `json:"events"`
}

// handleCreateWebhook answers POST /api/v1/webhooks {"url","events"}.
func (s *Server) handleCreateWebhook(w http.ResponseWriter, r *http.Request) error {
	st, err := s.webhookStore()
	if err != nil {
		return err
	}
	var body struct {
		URL    string   `json:"url"`
		Events []string `json:"events"`
	}
	if err := decodeObject(w, r, &body, `{"url": "https://...", "events": ["response.created"]}`); err != nil {
		return err
	}
	bad := &outreach.BatchError{}
	url := strings.TrimSpace(body.URL)
	if url == "" {
		bad.Add(0, "url", "is required: the https URL that receives the events")
	} else if err := safehttp.CheckURL(url, s.Webhooks.AllowPrivate, s.Webhooks.AllowPrivate); err != nil {
		bad.Add(0, "url", "%v", err)
	}
	if len(body.Events) == 0 {
		bad.Add(0, "events", "list at least one event type: %s", strings.Join(outreach.WebhookEventTypes, ", "))
	}
	var events []string
	for i, e := range body.Events {
		if !slices.Contains(outreach.WebhookEventTypes, e) {
			bad.Add(0, fmt.Sprintf("events[%d]", i), "unknown event type %q; use %s", e, strings.Join(outreach.WebhookEventTypes, ", "))
			continue
		}
		if !slices.Contains(events, e) {
			events = append(events, e)
		}
	}
	if err := bad.Err(); err != nil {
		return err
	}
	secret, err := webhooks.NewSecret()
	if err != nil {
		return err
	}
	ep := outreach.WebhookEndpoint{ID: "ep_" + uuid.NewString(), URL: url, Events: events, Secret: secret}
	if err := st.CreateWebhook(r.Context(), ep); err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, webhookCreated{ID: ep.ID, Secret: secret, URL: url, Events: events})
}

// handleWebhooks answers GET /api/v1/webhooks (secrets are never shown).
func (s *Server) handleWebhooks(w http.ResponseWriter, r *http.Request) error {
	st, err := s.webhookStore()
	if err != nil {
		return err
	}
	eps, err := st.Webhooks(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"webhooks": eps})
}

// handleDeleteWebhook answers DELETE /api/v1/webhooks/{id}.
func (s *Server) handleDeleteWebhook(w http.ResponseWriter, r *http.Request) error {
	st, err := s.webhookStore()
	if err != nil {
		return err
	}
	if err := st.DeleteWebhook(r.Context(), r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// handleWebhookDeliveries answers GET /api/v1/webhooks/{id}/deliveries:
// the endpoint's last 100 messages with their attempts, newest first.
func (s *Server) handleWebhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	st, err := s.webhookStore()
	if err != nil {
		return err
	}
	ms, err := st.WebhookDeliveries(r.Context(), r.PathValue("id"), 100)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deliveries": ms})
}

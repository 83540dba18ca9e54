package httpapi

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// maxPatchBytes caps the body of PATCH /api/v1/accounts/{external_id}.
const maxPatchBytes = 4 << 10

// undoRoutes registers the audited changes of the API.
func (s *Server) undoRoutes(mux *http.ServeMux) {
	s.handle(mux, "DELETE /api/v1/suppressions/{email}", adminScope, s.handleDeleteSuppression)
	s.handle(mux, "PATCH /api/v1/accounts/{external_id}", adminScope, s.handlePatchAccount)
}

// audit returns the audit store, or a 503 error when none is configured.
func (s *Server) audit() (outreach.AuditStore, error) {
	if s.Audit == nil {
		return nil, outreach.Errorf(outreach.EUNAVAILABLE, "this server has no audit store configured")
	}
	return s.Audit, nil
}

// handleDeleteSuppression answers DELETE /api/v1/suppressions/{email}
// ?scope=S[&force=true]: it lifts one suppression and answers with it. A
// hard suppression (or an erasure's) needs force=true, else 409.
func (s *Server) handleDeleteSuppression(w http.ResponseWriter, r *http.Request) error {
	store, err := s.audit()
	if err != nil {
		return err
	}
	email, err := pathEmail(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	scope := q.Get("scope")
	if scope == "" {
		return outreach.Errorf(outreach.EINVALID, "the scope query parameter is required: all, hard or a category (%s)", strings.Join(outreach.Categories, ", "))
	}
	force := false
	switch q.Get("force") {
	case "", "false":
	case "true":
		force = true
	default:
		return outreach.Errorf(outreach.EINVALID, "force must be true or false, not %q", q.Get("force"))
	}
	sup, err := store.DeleteSuppression(r.Context(), email, scope, force, actor(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]any{"deleted": sup})
}

// handlePatchAccount answers PATCH /api/v1/accounts/{external_id} with a
// JSON object whose only field is paused_until: null resumes the account,
// an RFC 3339 time pauses it until then. Other fields are changed by
// POST /api/v1/accounts.
func (s *Server) handlePatchAccount(w http.ResponseWriter, r *http.Request) error {
	store, err := s.audit()
	if err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxPatchBytes))
	if err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil || fields == nil {
		return outreach.Errorf(outreach.EINVALID, `the body must be a JSON object such as {"paused_until": null}`)
	}
	raw, ok := fields["paused_until"]
	delete(fields, "paused_until")
	if len(fields) > 0 {
		names := make([]string, 0, len(fields))
		for k := range fields {
			names = append(names, k)
		}
		sort.Strings(names)
		return outreach.Errorf(outreach.EINVALID, "field %s cannot be changed here: PATCH takes paused_until only; POST /api/v1/accounts updates the others", strings.Join(names, ", "))
	}
	if !ok {
		return outreach.Errorf(outreach.EINVALID, `paused_until is required: null resumes the account, an RFC 3339 time pauses it until then`)
	}
	until, err := parsePause(raw, s.Now())
	if err != nil {
		return err
	}
	a, err := store.SetAccountPause(r.Context(), r.PathValue("external_id"), until, false, actor(r))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, a)
}

// parsePause reads paused_until: null, or a future RFC 3339 time.
func parsePause(raw json.RawMessage, now time.Time) (*time.Time, error) {
	if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return nil, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "paused_until must be null or an RFC 3339 time string")
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "paused_until %q is not an RFC 3339 time such as 2026-12-31T09:00:00Z", s)
	}
	if !t.After(now) {
		return nil, outreach.Errorf(outreach.EINVALID, "paused_until %s is not in the future: send null to resume the account", s)
	}
	t = t.UTC()
	return &t, nil
}

package httpapi

import (
	"net/http"
	"strings"

	"github.com/outreach-dev/outreach"
)

// pathEmail returns the {email} path value canonical and lower-cased, as
// the store keys people.
func pathEmail(r *http.Request) (string, error) {
	email, err := outreach.CanonicalEmail(r.PathValue("email"))
	if err != nil {
		return "", outreach.Errorf(outreach.EINVALID, "email in the path: %v", err)
	}
	return strings.ToLower(email), nil
}

// handleTimeline answers GET /api/v1/contacts/{email}/timeline.
func (s *Server) handleTimeline(w http.ResponseWriter, r *http.Request) error {
	email, err := pathEmail(r)
	if err != nil {
		return err
	}
	tl, err := s.Contacts.Timeline(r.Context(), email)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tl)
}

// handleEraseContact answers DELETE /api/v1/contacts/{email}: the person's
// data is erased and a hashed "all" suppression keeps the address unmailed.
func (s *Server) handleEraseContact(w http.ResponseWriter, r *http.Request) error {
	email, err := pathEmail(r)
	if err != nil {
		return err
	}
	if err := s.Contacts.EraseContact(r.Context(), email); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

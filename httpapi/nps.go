package httpapi

import (
	"net/http"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// npsBody is the answer of GET /api/v1/nps: the filter as understood, and
// the report.
type npsBody struct {
	Campaign string     `json:"campaign,omitempty"`
	Account  string     `json:"account,omitempty"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	*outreach.NPSReport
}

// handleNPS answers GET /api/v1/nps?campaign=&account=&from=&to= (admin):
// the NPS of the responses given in [from, to), their counts by group, and
// the surveys sent in the window with their response rate. Every filter is
// optional; times are RFC 3339.
func (s *Server) handleNPS(w http.ResponseWriter, r *http.Request) error {
	if s.Feedback.Store == nil {
		writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "NPS is not available: the server has no feedback store"})
		return nil
	}
	q := r.URL.Query()
	f := outreach.NPSFilter{Campaign: strings.TrimSpace(q.Get("campaign")), Account: strings.TrimSpace(q.Get("account"))}
	var err error
	if f.From, err = outreach.ParseTime(q.Get("from")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "from: %v", err)
	}
	if f.To, err = outreach.ParseTime(q.Get("to")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "to: %v", err)
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return outreach.Errorf(outreach.EINVALID, "from (%s) must be before to (%s)", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	rep, err := s.Feedback.Store.NPS(r.Context(), f)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, npsBody{Campaign: f.Campaign, Account: f.Account, From: f.From, To: f.To, NPSReport: rep})
	return nil
}

package httpapi

import (
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// npsBody is the answer of GET /api/v1/nps: the filter as understood, and
// the report.
type npsBody struct {
	Campaign string     `json:"campaign,omitempty"`
	Account  string     `json:"account,omitempty"`
	Owner    string     `json:"owner,omitempty"`
	Plan     string     `json:"plan,omitempty"`
	Role     string     `json:"role,omitempty"`
	Locale   string     `json:"locale,omitempty"`
	Interval string     `json:"interval,omitempty"`
	GroupBy  string     `json:"group_by,omitempty"`
	From     *time.Time `json:"from,omitempty"`
	To       *time.Time `json:"to,omitempty"`
	// CSAT is true when Campaign is a CSAT campaign: the figures are then
	// those of its 0-10 satisfaction answers, not a Net Promoter Score.
	CSAT bool `json:"csat,omitempty"`
	// Excluded lists the CSAT campaigns left out of a report without
	// campaign=.
	Excluded []string `json:"excluded_campaigns,omitempty"`
	*outreach.NPSReport
}

// handleNPS answers GET /api/v1/nps?campaign=&account=&owner=&plan=&role=
// &locale=&from=&to=&interval=week|month&group_by=campaign|plan|role|locale
// |account|owner (admin): the NPS of the responses given in [from, to)
// (overall, with the 95 % margin of error), a series per week or month,
// groups, and the surveys sent in the window with their response rate.
// Every filter is optional; times are RFC 3339. Without campaign=, CSAT
// surveys are left out (npsCampaigns).
func (s *Server) handleNPS(w http.ResponseWriter, r *http.Request) error {
	if s.Feedback.Store == nil {
		return writeJSON(w, http.StatusServiceUnavailable, errorBody{Error: "NPS is not available: the server has no feedback store"})
	}
	q := r.URL.Query()
	f := outreach.NPSFilter{Campaign: strings.TrimSpace(q.Get("campaign")), Account: strings.TrimSpace(q.Get("account")),
		Owner: strings.TrimSpace(q.Get("owner")), Plan: strings.TrimSpace(q.Get("plan")), Role: strings.TrimSpace(q.Get("role")),
		Interval: strings.TrimSpace(q.Get("interval")), GroupBy: strings.TrimSpace(q.Get("group_by"))}
	var err error
	if f.Locale, err = outreach.NormalizeLocale(strings.TrimSpace(q.Get("locale"))); err != nil {
		return outreach.Errorf(outreach.EINVALID, "locale: %v", err)
	}
	if f.Interval != "" && !slices.Contains(outreach.NPSIntervals, f.Interval) {
		return outreach.Errorf(outreach.EINVALID, "interval: %q is not one of %s", f.Interval, strings.Join(outreach.NPSIntervals, ", "))
	}
	if f.GroupBy != "" && !slices.Contains(outreach.NPSGroupings, f.GroupBy) {
		return outreach.Errorf(outreach.EINVALID, "group_by: %q is not one of %s", f.GroupBy, strings.Join(outreach.NPSGroupings, ", "))
	}
	if f.From, err = outreach.ParseTime(q.Get("from")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "from: %v", err)
	}
	if f.To, err = outreach.ParseTime(q.Get("to")); err != nil {
		return outreach.Errorf(outreach.EINVALID, "to: %v", err)
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return outreach.Errorf(outreach.EINVALID, "from (%s) must be before to (%s)", f.From.Format(time.RFC3339), f.To.Format(time.RFC3339))
	}
	body := npsBody{Campaign: f.Campaign, Account: f.Account, From: f.From, To: f.To, Owner: f.Owner, Plan: f.Plan,
		Role: f.Role, Locale: f.Locale, Interval: f.Interval, GroupBy: f.GroupBy}
	if err := s.npsCampaigns(r, &f, &body); err != nil {
		return err
	}
	rep, err := s.Feedback.Store.NPS(r.Context(), f)
	if err != nil {
		return err
	}
	body.NPSReport = rep
	return writeJSON(w, http.StatusOK, body)
}

// npsCampaigns settles which campaigns a report covers. A named campaign
// must be in the active pack or have sent something (a typo is a 404, not
// a report of zeros); a CSAT campaign is answered too, marked csat. Without
// a campaign, the CSAT campaigns (Pack.IsCSAT: of the active pack, and
// every key that ever sent) are excluded, so the NPS counts NPS surveys
// only.
func (s *Server) npsCampaigns(r *http.Request, f *outreach.NPSFilter, body *npsBody) error {
	pack := s.Feedback.activePack()
	if f.Campaign != "" {
		if pack == nil || pack.Campaign(f.Campaign) == nil {
			sent, err := s.Feedback.Store.SentCampaigns(r.Context())
			if err != nil {
				return err
			}
			if !slices.Contains(sent, f.Campaign) {
				return outreach.Errorf(outreach.ENOTFOUND, "no campaign %q: it is not in the active campaign pack and never sent anything", f.Campaign)
			}
		}
		body.CSAT = pack.IsCSAT(f.Campaign)
		return nil
	}
	keys, err := s.Feedback.Store.SentCampaigns(r.Context())
	if err != nil {
		return err
	}
	if pack != nil {
		for _, c := range pack.Campaigns {
			keys = append(keys, c.Key)
		}
	}
	slices.Sort(keys)
	for _, k := range slices.Compact(keys) {
		if pack.IsCSAT(k) {
			f.ExcludeCampaigns = append(f.ExcludeCampaigns, k)
		}
	}
	body.Excluded = f.ExcludeCampaigns
	return nil
}

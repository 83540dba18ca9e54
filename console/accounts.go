package console

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach"
)

// accountPages returns the pages of a customer-success manager's book of
// accounts.
func (s *Server) accountPages() []Page {
	cs := []string{outreach.RoleCS}
	return []Page{
		{Method: "GET", Path: "/accounts", Roles: cs, Handle: s.handleAccounts},
		{Method: "GET", Path: "/accounts/{id}", Roles: cs, Handle: s.handleAccount},
		{Method: "POST", Path: "/accounts/{id}/pause", Roles: cs, Handle: s.handleAccountPause},
	}
}

// accountsView is the accounts page's data.
type accountsView struct {
	Query    outreach.AccountRiskQuery
	Admin    bool // the owner filter and column are shown
	Accounts []accountRow
	// First and Next link to the first and the next page of the same
	// filters; "" when the list is on one page.
	First, Next string
}

// accountRow is an account of the list as the page shows it: text only, in
// a flat struct (the template reads 300 rows; fields reached through
// embedded structs cost it a reflective search each).
type accountRow struct {
	ExternalID, Name, Plan, OwnerEmail, RenewalDate string
	NPS, PrevNPS                                    string // "" without answers
	People                                          int
	Reasons                                         []string
}

// handleAccounts lists accounts riskiest first: a cs member's own (owner
// email = their address), an admin's everyone's or one owner's. The list
// is paged (outreach.AccountRiskPageMax accounts in external id order,
// ranked within the page) so that ranking everyone's accounts reads one
// page's worth, not the whole base; a book of up to that many accounts
// is one page.
func (s *Server) handleAccounts(w http.ResponseWriter, r *http.Request, c *Context) error {
	qs := r.URL.Query()
	q := outreach.AccountRiskQuery{Now: c.Now, Owner: c.Member.Email, Limit: outreach.AccountRiskPageMax,
		Plan: strings.TrimSpace(qs.Get("plan")), Search: strings.TrimSpace(qs.Get("q")),
		After: qs.Get("after"), ExcludeCampaigns: s.csatCampaigns()}
	admin := c.Member.ConsoleRole == outreach.RoleAdmin
	if admin {
		q.Owner = strings.ToLower(strings.TrimSpace(qs.Get("owner")))
	}
	if len(q.Search) > 200 || len(q.Plan) > 200 || len(q.Owner) > 254 || len(q.After) > 200 {
		return outreach.Errorf(outreach.EINVALID, "search, plan, owner and after are at most 200 characters")
	}
	page, err := s.Store.AccountRisks(r.Context(), q)
	if err != nil {
		return err
	}
	v := accountsView{Query: q, Admin: admin}
	link := func(after string) string {
		u := url.Values{}
		for k, val := range map[string]string{"q": q.Search, "plan": q.Plan, "after": after} {
			if val != "" {
				u.Set(k, val)
			}
		}
		if admin && q.Owner != "" {
			u.Set("owner", q.Owner)
		}
		if len(u) == 0 {
			return Prefix + "/accounts"
		}
		return Prefix + "/accounts?" + u.Encode()
	}
	if q.After != "" {
		v.First = link("")
	}
	if page.Next != "" {
		v.Next = link(page.Next)
	}
	for _, a := range page.Accounts {
		row := accountRow{ExternalID: a.ExternalID, Name: a.Name, Plan: a.Plan, OwnerEmail: a.OwnerEmail,
			RenewalDate: a.RenewalDate, People: a.People, Reasons: riskReasons(c.Lang, a)}
		if a.NPS != nil {
			row.NPS = strconv.Itoa(*a.NPS)
		}
		if a.PrevNPS != nil {
			row.PrevNPS = strconv.Itoa(*a.PrevNPS)
		}
		v.Accounts = append(v.Accounts, row)
	}
	s.render(w, r, c, http.StatusOK, "accounts", "accounts.title", v)
	return nil
}

// csatCampaigns returns the CSAT campaigns of the active pack: the NPS of
// an account leaves them out.
func (s *Server) csatCampaigns() []string {
	var out []string
	if s.Pack == nil {
		return out
	}
	l := s.Pack()
	if l == nil || l.Pack == nil {
		return out
	}
	p := l.Pack
	for _, c := range p.Campaigns {
		if p.IsCSAT(c.Key) {
			out = append(out, c.Key)
		}
	}
	return out
}

// riskReasons says in words what puts a at risk.
func riskReasons(lang string, a outreach.AccountRisk) []string {
	var out []string
	if a.RenewalSoon {
		out = append(out, fmt.Sprintf(translate(lang, "risk.renewal"), a.RenewalDate))
	}
	if a.LowNPS && a.NPS != nil {
		out = append(out, fmt.Sprintf(translate(lang, "risk.low_nps"), *a.NPS, a.Answers, a.Detractors))
	}
	if a.FallingNPS && a.NPS != nil && a.PrevNPS != nil {
		out = append(out, fmt.Sprintf(translate(lang, "risk.falling_nps"), *a.PrevNPS, *a.NPS))
	}
	if a.OpenDetractors {
		out = append(out, fmt.Sprintf(translate(lang, "risk.open_detractors"), a.Detractors))
	}
	if a.Quiet {
		if a.LastSeenAt == nil {
			out = append(out, translate(lang, "risk.never_seen"))
		} else {
			out = append(out, fmt.Sprintf(translate(lang, "risk.quiet"), a.LastSeenAt.Format("2006-01-02")))
		}
	}
	if a.Paused && a.PausedUntil != nil {
		out = append(out, fmt.Sprintf(translate(lang, "risk.paused"), a.PausedUntil.UTC().Format("2006-01-02 15:04")))
	}
	return out
}

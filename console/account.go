package console

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// accountView is the account page's data.
type accountView struct {
	Account  *outreach.Account
	Paused   *time.Time
	Activity *outreach.AccountActivity
	Cases    []outreach.Case
	Months   []npsMonth
	Chart    template.HTML
	// DeliveriesShown and DecisionsShown bound the automation section
	// (outreach.AccountDeliveriesShown, outreach.AccountDecisionsShown).
	DeliveriesShown, DecisionsShown int
}

// handleAccount shows one account: its people, NPS by month (chart and
// table) with every answer, its cases, what automation sent, deferred,
// dropped and will send with the rule and reason, and the pause form. A cs
// member opens only the accounts they own.
func (s *Server) handleAccount(w http.ResponseWriter, r *http.Request, c *Context) error {
	a, err := s.ownAccount(r, c)
	if err != nil {
		return err
	}
	act, err := s.Store.AccountActivity(r.Context(), a.ID)
	if err != nil {
		return err
	}
	cases, err := s.Store.Cases(r.Context(), outreach.CaseFilter{Account: a.ExternalID, Now: c.Now})
	if err != nil {
		return err
	}
	v := accountView{Account: a, Paused: a.PausedAt(c.Now), Activity: act, Cases: cases,
		DeliveriesShown: outreach.AccountDeliveriesShown, DecisionsShown: outreach.AccountDecisionsShown}
	v.Months = npsByMonth(act.Answers, s.csatCampaigns())
	v.Chart = npsChart(v.Months, fmt.Sprintf(translate(c.Lang, "account.chart_title"), a.Name))
	s.render(w, r, c, http.StatusOK, "account", "account.title", v)
	return nil
}

// ownAccount returns the account of the path, or ENOTFOUND; a cs member
// asking for someone else's gets EFORBIDDEN.
func (s *Server) ownAccount(r *http.Request, c *Context) (*outreach.Account, error) {
	a, err := s.Store.AccountByExternalID(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if !c.mayOpen(a) {
		return nil, outreach.Errorf(outreach.EFORBIDDEN, "account %s is owned by someone else", a.ExternalID)
	}
	return a, nil
}

// accountURL is the console address of an account's page: the external id
// is one path segment, whatever it holds ("/", "?", "#"). Templates build
// their links and forms with it (func accountURL).
func accountURL(externalID string) string {
	return Prefix + "/accounts/" + url.PathEscape(externalID)
}

// mayOpen reports whether the member may see account a and its people:
// admins see every account, a cs member only those they own (a person
// without an account is for admins only).
func (c *Context) mayOpen(a *outreach.Account) bool {
	if c.Member.ConsoleRole == outreach.RoleAdmin {
		return true
	}
	return a != nil && strings.EqualFold(a.OwnerEmail, c.Member.Email)
}

// maxPauseDays bounds the pause form.
const maxPauseDays = 365

// handleAccountPause pauses the account's automated outreach for the days
// given, or resumes it (days=0), through the audited AuditStore.
func (s *Server) handleAccountPause(w http.ResponseWriter, r *http.Request, c *Context) error {
	a, err := s.ownAccount(r, c)
	if err != nil {
		return err
	}
	days, err := strconv.Atoi(r.PostFormValue("days"))
	if err != nil || days < 0 || days > maxPauseDays {
		return outreach.Errorf(outreach.EINVALID, "days: a whole number from 0 (resume) to %d", maxPauseDays)
	}
	var until *time.Time
	if days > 0 {
		u := c.Now.Add(time.Duration(days) * 24 * time.Hour)
		until = &u
	}
	if _, err := s.Store.SetAccountPause(r.Context(), a.ExternalID, until, false, c.Member.Email); err != nil {
		return err
	}
	http.Redirect(w, r, accountURL(a.ExternalID), http.StatusSeeOther)
	return nil
}

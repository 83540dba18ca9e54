package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/outreach-dev/outreach"
)

// suppressionPages returns the suppressions page: search an address, and
// lift a suppression the person asked to be lifted.
func (s *Server) suppressionPages() []Page {
	cs := []string{outreach.RoleCS}
	return []Page{
		{Method: "GET", Path: "/suppressions", Roles: cs, Handle: s.handleSuppressions},
		{Method: "POST", Path: "/suppressions/lift", Roles: cs, Handle: s.handleLiftSuppression},
	}
}

// maxLiftReason bounds the reason typed in the resubscribe form.
const maxLiftReason = 500

// suppressionsView is the suppressions page's data.
type suppressionsView struct {
	Email        string // the address searched, canonical; "" before a search
	Suppressions []suppressionRow
	Lifted       string // the scope just lifted
}

// suppressionRow is a suppression and whether lifting it needs the
// confirmation (hard bounces, spam reports, erasures).
type suppressionRow struct {
	outreach.Suppression
	Confirm bool
}

// handleSuppressions shows the suppressions of the address searched.
func (s *Server) handleSuppressions(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := r.URL.Query()
	v := suppressionsView{Lifted: q.Get("lifted")}
	if raw := strings.TrimSpace(q.Get("email")); raw != "" {
		email, err := outreach.CanonicalEmail(raw)
		if err != nil {
			return outreach.Errorf(outreach.EINVALID, "email: %v", err)
		}
		v.Email = strings.ToLower(email)
		list, err := s.Store.SuppressionsOf(r.Context(), v.Email)
		if err != nil {
			return err
		}
		for _, sup := range list {
			v.Suppressions = append(v.Suppressions, suppressionRow{Suppression: sup,
				Confirm: sup.Scope == outreach.ScopeHard || sup.Reason == "erased"})
		}
	}
	s.render(w, r, c, http.StatusOK, "suppressions", "suppressions.title", v)
	return nil
}

// handleLiftSuppression lifts one suppression with the reason given; a
// hard one (or an erasure's) only with the confirmation ticked. The store
// writes the audit entry in the same transaction.
func (s *Server) handleLiftSuppression(w http.ResponseWriter, r *http.Request, c *Context) error {
	email, err := outreach.CanonicalEmail(r.PostFormValue("email"))
	if err != nil {
		return outreach.Errorf(outreach.EINVALID, "email: %v", err)
	}
	email = strings.ToLower(email)
	scope := r.PostFormValue("scope")
	reason := strings.TrimSpace(r.PostFormValue("reason"))
	switch {
	case reason == "":
		return outreach.Errorf(outreach.EINVALID, "reason: say why the suppression of %s is lifted (who asked for it, and when)", email)
	case len(reason) > maxLiftReason:
		return outreach.Errorf(outreach.EINVALID, "reason: at most %d characters", maxLiftReason)
	}
	force := r.PostFormValue("confirm") == "yes"
	if scope == outreach.ScopeHard && !force {
		return outreach.Errorf(outreach.EINVALID, "a hard suppression (bounce or spam report) is lifted only with the confirmation ticked: mailing the address again can hurt the sender's reputation")
	}
	if _, err := s.Store.LiftSuppression(r.Context(), email, scope, force, c.Member.Email, reason); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/suppressions?"+url.Values{"email": {email}, "lifted": {scope}}.Encode(), http.StatusSeeOther)
	return nil
}

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

// suppressionPage is how many suppressions of an address a page shows.
const suppressionPage = 50

// suppressionOwner is the owner that limits what the member sees and
// lifts on the suppressions page: a cs member only the people of the
// accounts they own (as on the account page and the timeline, mayOpen),
// an admin every address ("").
func (c *Context) suppressionOwner() string {
	if c.Member.ConsoleRole == outreach.RoleAdmin {
		return ""
	}
	return strings.ToLower(c.Member.Email)
}

// suppressionsView is the suppressions page's data.
type suppressionsView struct {
	Email        string // the address searched, canonical; "" before a search
	Suppressions []suppressionRow
	Lifted       string // the scope just lifted
	Scoped       bool   // a cs member: only the people of their accounts
	Next         string // the next page's address; "" on the last one
}

// suppressionRow is a suppression and whether lifting it needs the
// confirmation (hard bounces, spam reports, erasures).
type suppressionRow struct {
	outreach.Suppression
	Confirm bool
}

// handleSuppressions shows the suppressions of the address searched, a
// page at a time; a cs member finds only those of their accounts' people
// (the store filters, so another CSM's customer reads as not suppressed).
func (s *Server) handleSuppressions(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := r.URL.Query()
	v := suppressionsView{Scoped: c.suppressionOwner() != ""}
	// The notice names the scope of the redirect after a lift; any other
	// text in a link someone sent must not show on the console's page.
	if l := q.Get("lifted"); outreach.ValidScope(l) {
		v.Lifted = l
	}
	if raw := strings.TrimSpace(q.Get("email")); raw != "" {
		email, err := outreach.CanonicalEmail(raw)
		if err != nil {
			return outreach.Errorf(outreach.EINVALID, "email: %v", err)
		}
		v.Email = strings.ToLower(email)
		after := q.Get("after")
		if len(after) > 100 {
			return outreach.Errorf(outreach.EINVALID, "after: at most 100 characters (a scope)")
		}
		list, err := s.Store.ConsoleSuppressions(r.Context(), outreach.SuppressionQuery{Email: v.Email,
			Owner: c.suppressionOwner(), After: after, Limit: suppressionPage + 1})
		if err != nil {
			return err
		}
		if len(list) > suppressionPage {
			list = list[:suppressionPage]
			v.Next = Prefix + "/suppressions?" + url.Values{"email": {v.Email}, "after": {list[len(list)-1].Scope}}.Encode()
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
// writes the audit entry in the same transaction, and refuses (ENOTFOUND)
// a cs member's lift of an address outside their accounts.
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
	if _, err := s.Store.LiftSuppression(r.Context(), outreach.SuppressionLift{Email: email, Scope: scope, Force: force,
		Actor: c.Member.Email, Reason: reason, Owner: c.suppressionOwner()}); err != nil {
		return err
	}
	http.Redirect(w, r, Prefix+"/suppressions?"+url.Values{"email": {email}, "lifted": {scope}}.Encode(), http.StatusSeeOther)
	return nil
}

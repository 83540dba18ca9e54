package console

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// contactPages returns the pages about one person: the timeline that
// `outreach explain` prints, for people who do not use a terminal.
func (s *Server) contactPages() []Page {
	cs := []string{outreach.RoleCS}
	return []Page{
		{Method: "GET", Path: "/contacts", Roles: cs, Handle: s.handleContactSearch},
		{Method: "GET", Path: "/contacts/{email}", Roles: cs, Handle: s.handleContact},
	}
}

// contactView is the timeline page's data.
type contactView struct {
	TL     *outreach.Timeline
	Events []eventView
	// Planned maps an event id to the deliveries it planned.
	Planned map[string][]outreach.Delivery
	// Paused is when the account's pause ends, nil when it is not paused.
	Paused *time.Time
}

// eventView is an event with its properties as JSON text.
type eventView struct {
	outreach.TimelineEvent
	Props string
}

// handleContactSearch sends the address typed in the search form to its
// timeline.
func (s *Server) handleContactSearch(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := strings.TrimSpace(r.URL.Query().Get("email"))
	if q == "" {
		s.render(w, r, c, http.StatusOK, "contact_search", "contact.search_title", nil)
		return nil
	}
	email, err := outreach.CanonicalEmail(q)
	if err != nil {
		return outreach.Errorf(outreach.EINVALID, "email: %v", err)
	}
	http.Redirect(w, r, contactURL(strings.ToLower(email)), http.StatusSeeOther)
	return nil
}

// contactURL is the console address of a person's timeline: the address
// is one path segment ("/", "?" and "#" are valid in its local part).
// Templates build their links with it (func contactURL).
func contactURL(email string) string {
	return Prefix + "/contacts/" + url.PathEscape(email)
}

// handleContact shows a person's timeline: events with what they planned
// or why not, deliveries with every decision (its rule and reason) and
// provider event, answers and suppressions. A cs member opens only the
// people of the accounts they own, as on the account page.
func (s *Server) handleContact(w http.ResponseWriter, r *http.Request, c *Context) error {
	email, err := outreach.CanonicalEmail(r.PathValue("email"))
	if err != nil {
		return outreach.Errorf(outreach.EINVALID, "email: %v", err)
	}
	tl, err := s.Store.Timeline(r.Context(), strings.ToLower(email))
	if err != nil {
		return err
	}
	if !c.mayOpen(tl.Account) {
		return outreach.Errorf(outreach.EFORBIDDEN, "this person belongs to an account owned by someone else")
	}
	v := contactView{TL: tl, Planned: map[string][]outreach.Delivery{}}
	for _, d := range tl.Deliveries {
		if d.EventID != "" {
			v.Planned[d.EventID] = append(v.Planned[d.EventID], d)
		}
	}
	for _, ev := range tl.Events {
		ev := eventView{TimelineEvent: ev}
		if len(ev.Properties) > 0 {
			b, err := json.Marshal(ev.Properties)
			if err != nil {
				return err
			}
			ev.Props = string(b)
		}
		v.Events = append(v.Events, ev)
	}
	if tl.Account != nil {
		v.Paused = tl.Account.PausedAt(c.Now)
	}
	s.render(w, r, c, http.StatusOK, "contact", "contact.title", v)
	return nil
}

package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach"
)

// routes lists every page of the console. Each area keeps its handlers
// in its own file and adds its pages here.
func (s *Server) routes() []Page {
	pages := []Page{
		{Method: "GET", Path: "/{$}", Handle: s.handleHome},
		{Method: "GET", Path: "/audit", Roles: []string{outreach.RoleAdmin}, Handle: s.handleAudit},
	}
	pages = append(pages, s.packPages()...)
	pages = append(pages, s.campaignPages()...)
	pages = append(pages, s.previewPages()...)
	pages = append(pages, s.contactPages()...)
	pages = append(pages, s.accountPages()...)
	pages = append(pages, s.casePages()...)
	pages = append(pages, s.npsPages()...)
	return append(pages, s.suppressionPages()...)
}

// handleHome lists the sections the member's role opens.
func (s *Server) handleHome(w http.ResponseWriter, r *http.Request, c *Context) error {
	s.render(w, r, c, http.StatusOK, "home", "home.title", nil)
	return nil
}

// auditPage is how many audit entries one page shows.
const auditPage = 100

type auditView struct {
	Filter  outreach.AuditFilter
	Entries []outreach.AuditEntry
	Older   string // link to the next page, or ""
}

// handleAudit lists the audit log, newest first, filtered by who, what
// and on what.
func (s *Server) handleAudit(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := r.URL.Query()
	f := outreach.AuditFilter{
		Actor:  strings.ToLower(strings.TrimSpace(q.Get("actor"))),
		Action: strings.TrimSpace(q.Get("action")),
		Target: strings.TrimSpace(q.Get("target")),
		Limit:  auditPage + 1,
	}
	if b := q.Get("before"); b != "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return outreach.Errorf(outreach.EINVALID, "before=%q is not an entry id", b)
		}
		f.Before = n
	}
	entries, err := s.Store.AuditEntries(r.Context(), f)
	if err != nil {
		return err
	}
	v := auditView{Filter: f, Entries: entries}
	if len(entries) > auditPage {
		v.Entries = entries[:auditPage]
		next := url.Values{}
		for k, val := range map[string]string{"actor": f.Actor, "action": f.Action, "target": f.Target} {
			if val != "" {
				next.Set(k, val)
			}
		}
		next.Set("before", strconv.FormatInt(v.Entries[auditPage-1].ID, 10))
		v.Older = Prefix + "/audit?" + next.Encode()
	}
	s.render(w, r, c, http.StatusOK, "audit", "audit.title", v)
	return nil
}

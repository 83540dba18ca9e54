package console

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// casePages returns the follow-up cases: the list by view and the case
// page with its actions. Every action goes through CaseStore.UpdateCase,
// the path of the API and of the alert's signed link, which checks the
// transition (outreach.CheckCaseTransition) and writes the audit entry.
func (s *Server) casePages() []Page {
	cs := []string{outreach.RoleCS}
	return []Page{
		{Method: "GET", Path: "/cases", Roles: cs, Handle: s.handleCases},
		{Method: "GET", Path: "/cases/{id}", Roles: cs, Handle: s.handleCase},
		{Method: "POST", Path: "/cases/{id}/{action}", Roles: cs, Handle: s.handleCaseAction},
	}
}

// casePageSize is how many cases one page of the list shows.
const casePageSize = 50

// casesView is the cases page's data.
type casesView struct {
	View  string
	Tabs  []caseTab
	Admin bool   // the owner filter and column are shown
	Owner string // the owner filter (admins)
	Cases []caseListRow
	Next  string // link to the next page, or ""
	First string // link to the first page when this is a later one
}

// caseTab is one view of the list with its count.
type caseTab struct {
	Label, Href string
	Count       int
	Current     bool
}

// caseListRow is a case of the list with its age in words.
type caseListRow struct {
	outreach.CaseListItem
	Age string
}

// handleCases lists one view of the cases (open, in progress, overdue,
// closed), a page at a time: a cs member's own accounts' cases, an
// admin's everyone's or one owner's.
func (s *Server) handleCases(w http.ResponseWriter, r *http.Request, c *Context) error {
	qs := r.URL.Query()
	v := casesView{View: qs.Get("view"), Admin: c.Member.ConsoleRole == outreach.RoleAdmin}
	if v.View == "" {
		v.View = outreach.CaseViewOpen
	}
	if !slices.Contains(outreach.CaseViews, v.View) {
		return outreach.Errorf(outreach.EINVALID, "view: %q is not a list of cases; use one of %s", v.View, strings.Join(outreach.CaseViews, ", "))
	}
	owner := c.Member.Email
	if v.Admin {
		owner = strings.ToLower(strings.TrimSpace(qs.Get("owner")))
		if len(owner) > 254 {
			return outreach.Errorf(outreach.EINVALID, "owner: at most 254 characters")
		}
		v.Owner = owner
	}
	after := qs.Get("after")
	if len(after) > 64 {
		return outreach.Errorf(outreach.EINVALID, "after: not a cursor of this list; start again from the first page")
	}
	page, err := s.Store.CaseList(r.Context(), outreach.CaseQuery{View: v.View, Owner: owner, After: after, Limit: casePageSize, Now: c.Now})
	if err != nil {
		return err
	}
	counts, err := s.Store.CaseCounts(r.Context(), owner, c.Now)
	if err != nil {
		return err
	}
	link := func(view, after string) string {
		q := url.Values{"view": {view}}
		if v.Owner != "" {
			q.Set("owner", v.Owner)
		}
		if after != "" {
			q.Set("after", after)
		}
		return Prefix + "/cases?" + q.Encode()
	}
	for _, view := range outreach.CaseViews {
		v.Tabs = append(v.Tabs, caseTab{Label: translate(c.Lang, "cases.view."+view), Href: link(view, ""),
			Count: counts[view], Current: view == v.View})
	}
	for _, k := range page.Cases {
		v.Cases = append(v.Cases, caseListRow{CaseListItem: k, Age: age(c.Lang, c.Now.Sub(k.CreatedAt))})
	}
	if page.Next != "" {
		v.Next = link(v.View, page.Next)
	}
	if after != "" {
		v.First = link(v.View, "")
	}
	s.render(w, r, c, http.StatusOK, "cases", "cases.title", v)
	return nil
}

// age says how long ago d was, in the largest whole unit: "3 days".
func age(lang string, d time.Duration) string {
	switch {
	case d >= 48*time.Hour:
		return fmt.Sprintf(translate(lang, "cases.days"), int(d/(24*time.Hour)))
	case d >= 2*time.Hour:
		return fmt.Sprintf(translate(lang, "cases.hours"), int(d/time.Hour))
	case d >= 0:
		return fmt.Sprintf(translate(lang, "cases.minutes"), int(d/time.Minute))
	}
	return ""
}

// caseView is the case page's data.
type caseView struct {
	Case    *outreach.Case
	Account *outreach.Account
	Age     string
	Mine    bool   // assigned to the signed-in member
	Done    string // the action just done (a notice), or ""
	// Error is why the action Action was refused; Text is what the member
	// typed, given back in its form.
	Error, Action, Text string
}

// caseActions are the actions of the case page.
var caseActions = []string{"take", "note", "close", "reopen"}

// handleCase shows a case: its account, answers, state, notes history and
// the actions its state allows.
func (s *Server) handleCase(w http.ResponseWriter, r *http.Request, c *Context) error {
	v, err := s.caseView(r, c)
	if err != nil {
		return err
	}
	if done := r.URL.Query().Get("done"); slices.Contains(caseActions, done) {
		v.Done = done
	}
	s.render(w, r, c, http.StatusOK, "case", "case.title", v)
	return nil
}

// caseView reads the case of the path; a cs member gets EFORBIDDEN for a
// case of an account they do not own.
func (s *Server) caseView(r *http.Request, c *Context) (*caseView, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no case %q: case ids are whole numbers", r.PathValue("id"))
	}
	k, err := s.Store.Case(r.Context(), id, c.Now)
	if err != nil {
		return nil, err
	}
	if c.Member.ConsoleRole != outreach.RoleAdmin && !strings.EqualFold(k.Owner, c.Member.Email) {
		return nil, outreach.Errorf(outreach.EFORBIDDEN, "case %d belongs to an account owned by someone else", id)
	}
	a, err := s.Store.AccountByExternalID(r.Context(), k.Account)
	if err != nil {
		return nil, err
	}
	return &caseView{Case: k, Account: a, Age: age(c.Lang, c.Now.Sub(k.CreatedAt)),
		Mine: k.Assignee != "" && strings.EqualFold(k.Assignee, c.Member.Email)}, nil
}

// handleCaseAction takes the case ("I'm on it": in progress, assigned to
// the member), adds a note, closes it with its outcome or reopens it with
// a note, through CaseStore.UpdateCase by the signed-in member. A
// transition the domain refuses shows the case again with the reason and
// the text typed, and changes nothing.
func (s *Server) handleCaseAction(w http.ResponseWriter, r *http.Request, c *Context) error {
	action := r.PathValue("action")
	if !slices.Contains(caseActions, action) {
		return outreach.Errorf(outreach.ENOTFOUND, "no case action %q", action)
	}
	v, err := s.caseView(r, c)
	if err != nil {
		return err
	}
	text := strings.TrimSpace(r.PostFormValue("note"))
	u := outreach.CaseUpdate{ID: v.Case.ID, Note: text, Author: c.Member.Email, Now: c.Now}
	switch action {
	case "take":
		u.State, u.Assignee = outreach.CaseInProgress, c.Member.Email
	case "close":
		u.State = outreach.CaseClosed
	case "reopen":
		u.State = outreach.CaseOpen
	}
	if _, err := s.Store.UpdateCase(r.Context(), u); err != nil {
		msg, status := refusal(err)
		if status == 0 {
			return err
		}
		v.Error, v.Action, v.Text = msg, action, text
		s.render(w, r, c, status, "case", "case.title", v)
		return nil
	}
	http.Redirect(w, r, Prefix+"/cases/"+strconv.FormatInt(v.Case.ID, 10)+"?done="+action, http.StatusSeeOther)
	return nil
}

// refusal returns the words and status of a change the domain refused (a
// transition that does not exist, a conflict), or status 0 for any other
// error.
func refusal(err error) (string, int) {
	var b *outreach.BatchError
	if errors.As(err, &b) {
		var msgs []string
		for _, e := range b.Errors {
			msgs = append(msgs, e.Message)
		}
		return strings.Join(msgs, "; "), http.StatusUnprocessableEntity
	}
	switch outreach.ErrorCode(err) {
	case outreach.EINVALID:
		return outreach.ErrorMessage(err), http.StatusUnprocessableEntity
	case outreach.ECONFLICT:
		return outreach.ErrorMessage(err), http.StatusConflict
	}
	return "", 0
}

package httpapi

import (
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// Cases serves the follow-up cases: GET /api/v1/cases, PATCH
// /api/v1/cases/{id}, and the "I'm on it" page /c/{token} of alert
// messages. Set it as Server.Cases; nil makes the routes answer 503.
type Cases struct {
	Store outreach.CaseStore
	// Links verifies the case tokens (links.KindCase).
	Links *links.Signer
}

// caseRoutes registers the case routes.
func (s *Server) caseRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /api/v1/cases", adminScope, s.handleCases)
	s.handle(mux, "GET /api/v1/cases/{id}", adminScope, s.handleCase)
	s.handle(mux, "PATCH /api/v1/cases/{id}", adminScope, s.handleUpdateCase)
	mux.Handle("GET /c/{token}", s.casePage(false))
	mux.Handle("POST /c/{token}", s.casePage(true))
}

// casesBody is the answer of GET /api/v1/cases.
type casesBody struct {
	Cases []outreach.Case `json:"cases"`
}

func (s *Server) caseStore() (outreach.CaseStore, error) {
	if s.Cases == nil || s.Cases.Store == nil {
		return nil, outreach.Errorf(outreach.EINTERNAL, "cases are not configured on this server")
	}
	return s.Cases.Store, nil
}

// handleCases answers GET /api/v1/cases?state=&owner=&account=.
func (s *Server) handleCases(w http.ResponseWriter, r *http.Request) error {
	st, err := s.caseStore()
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := outreach.CaseFilter{State: strings.TrimSpace(q.Get("state")), Owner: strings.TrimSpace(q.Get("owner")),
		Account: strings.TrimSpace(q.Get("account")), Now: s.Now().UTC()}
	if f.State != "" && !slices.Contains(outreach.CaseStates, f.State) {
		return outreach.Errorf(outreach.EINVALID, "state: %q is not a case state; use one of %s", f.State, strings.Join(outreach.CaseStates, ", "))
	}
	cases, err := st.Cases(r.Context(), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, casesBody{Cases: cases})
}

func pathCaseID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, outreach.Errorf(outreach.ENOTFOUND, "no case %q: case ids are whole numbers", r.PathValue("id"))
	}
	return id, nil
}

// handleCase answers GET /api/v1/cases/{id}.
func (s *Server) handleCase(w http.ResponseWriter, r *http.Request) error {
	st, err := s.caseStore()
	if err != nil {
		return err
	}
	id, err := pathCaseID(r)
	if err != nil {
		return err
	}
	c, err := st.Case(r.Context(), id, s.Now().UTC())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// caseUpdateBody is the body of PATCH /api/v1/cases/{id}.
type caseUpdateBody struct {
	State string `json:"state"`
	Note  string `json:"note"`
}

// handleUpdateCase answers PATCH /api/v1/cases/{id} {"state","note"}: a
// transition that does not exist is a 422 naming the field.
func (s *Server) handleUpdateCase(w http.ResponseWriter, r *http.Request) error {
	st, err := s.caseStore()
	if err != nil {
		return err
	}
	id, err := pathCaseID(r)
	if err != nil {
		return err
	}
	var body caseUpdateBody
	if err := decodeObject(w, r, &body, `a JSON object {"state": "in_progress", "note": "..."}`); err != nil {
		return err
	}
	// The note's bounds are the domain's (outreach.CheckCaseTransition,
	// which the store runs whichever path a change comes by).
	c, err := st.UpdateCase(r.Context(), outreach.CaseUpdate{ID: id, State: strings.TrimSpace(body.State), Note: strings.TrimSpace(body.Note),
		Author: requestToken(r), Now: s.Now().UTC()})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, c)
}

// casePage serves /c/{token}: GET confirms and changes nothing (link
// scanners open every link); POST takes the case (in_progress, assigned to
// the owner the alert went to).
func (s *Server) casePage(post bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPublicHeaders(w.Header())
		if s.Cases == nil || s.Cases.Store == nil || s.Cases.Links == nil {
			renderCase(w, http.StatusServiceUnavailable, caseData{Title: "Not available", Message: "Cases are not configured on this server."})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxPublicBodyBytes)
		tok, err := s.Cases.Links.Verify(r.PathValue("token"), links.KindCase, s.Now())
		idText, assignee, ok := "", "", false
		if err == nil {
			idText, assignee, ok = strings.Cut(tok.Subject, " ")
		}
		id, perr := strconv.ParseInt(idText, 10, 64)
		switch {
		case errors.Is(err, links.ErrExpired):
			renderCase(w, http.StatusGone, caseData{Title: "This link has expired", Message: "Open the case from the API or your latest digest."})
			return
		case err != nil || !ok || perr != nil:
			renderCase(w, http.StatusBadRequest, caseData{Title: "This link is not valid", Message: "The link may have been cut or changed."})
			return
		}
		c, err := s.Cases.Store.Case(r.Context(), id, s.Now().UTC())
		if err == nil && post && c.State == outreach.CaseOpen {
			c, err = s.Cases.Store.UpdateCase(r.Context(), outreach.CaseUpdate{ID: id, State: outreach.CaseInProgress,
				Assignee: assignee, Author: assignee, Now: s.Now().UTC()})
		}
		switch {
		case outreach.ErrorCode(err) == outreach.ENOTFOUND:
			renderCase(w, http.StatusNotFound, caseData{Title: "Case not found", Message: "This case no longer exists."})
		case err != nil:
			s.Logger.ErrorContext(r.Context(), "case page failed", "case", id, "error", logError(err))
			renderCase(w, http.StatusInternalServerError, caseData{Title: "Something went wrong", Message: "Please try again later."})
		case post || c.State != outreach.CaseOpen:
			renderCase(w, http.StatusOK, caseData{Title: "Case #" + idText + " of " + c.Account, Message: "The case is " +
				strings.ReplaceAll(c.State, "_", " ") + assignedTo(c) + ".", Console: outreach.CaseConsolePath(c.ID)})
		default:
			renderCase(w, http.StatusOK, caseData{Title: "Case #" + idText + " of " + c.Account, Form: true,
				Message: "Take this follow-up case: it moves to in progress, assigned to you, due " + c.DueAt.UTC().Format("Mon 2 Jan 15:04 UTC") + "."})
		}
	})
}

func assignedTo(c *outreach.Case) string {
	if c.Assignee == "" {
		return ""
	}
	return ", assigned to " + c.Assignee
}

type caseData struct {
	Title, Message string
	Form           bool
	// Console is the case's page in the console (notes, closing), on
	// this server; "" shows no link.
	Console string
}

var caseTmpl = template.Must(template.New("case").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1f2328;line-height:1.5">
<h1 style="font-size:22px">{{.Title}}</h1><p>{{.Message}}</p>
{{- if .Form}}<form method="post"><button type="submit" style="font-size:16px;padding:8px 16px">I'm on it</button></form>{{end}}
{{- if .Console}}<p><a href="{{.Console}}">Open the case in the console</a> to add notes and close it with its outcome.</p>{{end}}
</body></html>
`))

func renderCase(w http.ResponseWriter, status int, d caseData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = caseTmpl.Execute(w, d) // the client went away: nothing more to do
}

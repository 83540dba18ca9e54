package httpapi

import (
	"context"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// PauseStore pauses accounts from the signed links of CSM digests
// (implemented by store.DB).
type PauseStore interface {
	// AccountByExternalID returns the account, or ENOTFOUND.
	AccountByExternalID(ctx context.Context, externalID string) (*outreach.Account, error)
	outreach.AccountPauser
}

// Pause serves /p/{token}, the "pause outreach for 14 days" link of each
// account line of a digest. GET shows a confirmation page and changes
// nothing (link scanners open every link); only the CSM's POST sets
// paused_until. While the account is paused the page also offers to resume
// it now: the same POST with the form field action=resume (the signed
// token in the path and a field only the page's form sends, so neither a
// scanner's GET nor another site's form can resume it by accident). Both
// changes go to the audit log as made on the public page. Set it as Server.Pause; nil or missing pieces make the
// route answer 503.
type Pause struct {
	Store PauseStore
	// Links verifies the pause tokens (links.KindPause, subject = account
	// external id).
	Links *links.Signer
}

// pauseRoutes registers the pause page.
func (s *Server) pauseRoutes(mux *http.ServeMux) {
	mux.Handle("GET /p/{token}", s.pausePage(s.handlePauseForm))
	mux.Handle("POST /p/{token}", s.pausePage(s.handlePause))
}

// pausePage wraps a pause page handler with the public headers, the
// per-address limit of the public pages and a small body limit.
func (s *Server) pausePage(h func(w http.ResponseWriter, r *http.Request, p *Pause) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		setPublicHeaders(w.Header())
		if f := s.Feedback; f != nil && f.Limiter != nil && f.ClientIP != nil {
			if ok, wait := f.Limiter.Allow(f.ClientIP(r)); !ok {
				w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
				s.renderPause(w, http.StatusTooManyRequests, pauseData{Title: "Too many requests", Message: "Too many requests came from your network in a short time. Please wait a few seconds and try again."})
				return
			}
		}
		p := s.Pause
		if p == nil || p.Store == nil || p.Links == nil {
			s.renderPause(w, http.StatusServiceUnavailable, pauseData{Title: "Not available", Message: "Pausing outreach is not configured on this server."})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxPublicBodyBytes)
		if err := h(w, r, p); err != nil {
			s.pauseError(w, r, err)
		}
	})
}

// pauseAccount verifies the request's token and returns its account.
func (s *Server) pauseAccount(r *http.Request, p *Pause) (*outreach.Account, error) {
	tok, err := p.Links.Verify(r.PathValue("token"), links.KindPause, s.Now())
	switch {
	case errors.Is(err, links.ErrExpired):
		return nil, errPauseExpired
	case err != nil:
		return nil, outreach.Errorf(outreach.EINVALID, "this link is not valid")
	}
	return p.Store.AccountByExternalID(r.Context(), tok.Subject)
}

// errPauseExpired answers 410 Gone.
var errPauseExpired = errors.New("pause link expired")

func (s *Server) handlePauseForm(w http.ResponseWriter, r *http.Request, p *Pause) error {
	a, err := s.pauseAccount(r, p)
	if err != nil {
		return err
	}
	s.renderPause(w, http.StatusOK, pauseData{Title: "Pause outreach to " + accountLabel(a), Account: accountLabel(a),
		Form: true, Until: formatPauseDate(s.Now().Add(outreach.PauseFor)), PausedUntil: pausedUntil(a, s.Now())})
	return nil
}

func (s *Server) handlePause(w http.ResponseWriter, r *http.Request, p *Pause) error {
	a, err := s.pauseAccount(r, p)
	if err != nil {
		return err
	}
	if err := parsePublicForm(r); err != nil {
		return err
	}
	if r.PostForm.Get("action") == "resume" {
		if err := sameSite(r); err != nil {
			return err
		}
		a, err = p.Store.SetAccountPause(r.Context(), a.ExternalID, nil, false, outreach.ActorPublicPage)
		if err != nil {
			return err
		}
		s.Logger.InfoContext(r.Context(), "account resumed from a digest link", "account", a.ExternalID)
		s.renderPause(w, http.StatusOK, pauseData{Title: "Outreach resumed", Account: accountLabel(a), Resumed: true})
		return nil
	}
	until := s.Now().Add(outreach.PauseFor)
	a, err = p.Store.SetAccountPause(r.Context(), a.ExternalID, &until, true, outreach.ActorPublicPage)
	if err != nil {
		return err
	}
	s.Logger.InfoContext(r.Context(), "account paused from a digest link", "account", a.ExternalID, "until", a.PausedUntil)
	s.renderPause(w, http.StatusOK, pauseData{Title: "Outreach paused", Account: accountLabel(a), Done: true,
		PausedUntil: pausedUntil(a, s.Now())})
	return nil
}

// pauseError answers with a friendly page and the status of err.
func (s *Server) pauseError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	d := pauseData{Title: "Something went wrong", Message: "Please try again later."}
	status := http.StatusInternalServerError
	switch code := outreach.ErrorCode(err); {
	case errors.Is(err, errPauseExpired):
		status, d = http.StatusGone, pauseData{Title: "This link has expired",
			Message: "Pause links work for 30 days. Open the pause link in your latest digest instead."}
	case errors.As(err, &mbe):
		status, d = http.StatusRequestEntityTooLarge, pauseData{Title: "Request too large", Message: "The form sent too much data."}
	case code == outreach.EINVALID:
		status, d = http.StatusBadRequest, pauseData{Title: "This link is not valid",
			Message: "The link may have been cut or changed. Open it again from your digest email."}
	case code == outreach.ENOTFOUND:
		status, d = http.StatusNotFound, pauseData{Title: "Account not found",
			Message: "The account of this link no longer exists."}
	default:
		s.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", logPath(r), "error", logError(err))
	}
	s.renderPause(w, status, d)
}

// pauseData is what the pause page shows.
type pauseData struct {
	Title, Message string
	Account        string
	Form           bool   // the confirmation form
	Until          string // the pause the form would set
	Done           bool
	Resumed        bool
	PausedUntil    string // the account's current pause, if any
}

var pauseTmpl = template.Must(template.New("pause").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>{{.Title}}</title></head>
<body style="font-family:Arial,Helvetica,sans-serif;max-width:560px;margin:40px auto;padding:0 16px;color:#1f2328;line-height:1.5">
<h1 style="font-size:22px">{{.Title}}</h1>
{{- if .Message}}<p>{{.Message}}</p>{{end}}
{{- if .Form}}
<p>Hold every automated email to <strong>{{.Account}}</strong> for 14 days, until <strong>{{.Until}}</strong>: surveys, lifecycle and marketing mail, <strong>and transactional mail such as renewal reminders</strong>. Nothing is sent to its contacts until then; what is due waits, and an email whose time to live runs out during the pause is dropped, not sent late.</p>
{{- if .PausedUntil}}<p>It is already paused until {{.PausedUntil}}.</p>{{end}}
<form method="post"><button type="submit" style="font-size:16px;padding:8px 16px">Pause outreach for 14 days</button></form>
{{- end}}
{{- if .Done}}<p>Automated outreach to <strong>{{.Account}}</strong> is paused until <strong>{{.PausedUntil}}</strong>.</p>{{end}}
{{- if and .PausedUntil (or .Form .Done)}}
<p>Changed your mind? Resuming sends what is waiting at the next allowed time.</p>
<form method="post"><input type="hidden" name="action" value="resume"><button type="submit" style="font-size:16px;padding:8px 16px">Resume outreach now</button></form>
{{- end}}
{{- if .Resumed}}<p>Automated outreach to <strong>{{.Account}}</strong> is no longer paused: what was waiting is sent at the next allowed time.</p>{{end}}
</body></html>
`))

func (s *Server) renderPause(w http.ResponseWriter, status int, d pauseData) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = pauseTmpl.Execute(w, d) // the client went away: nothing more to do
}

// accountLabel names an account: "Name (external_id)".
func accountLabel(a *outreach.Account) string {
	if a.Name == "" || a.Name == a.ExternalID {
		return a.ExternalID
	}
	return a.Name + " (" + a.ExternalID + ")"
}

// pausedUntil is the account's pause end if it is paused at now.
func pausedUntil(a *outreach.Account, now time.Time) string {
	if p := a.PausedAt(now); p != nil {
		return formatPauseDate(*p)
	}
	return ""
}

func formatPauseDate(t time.Time) string { return t.UTC().Format("Mon 2 Jan 2006 15:04 UTC") }

package console

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/mail"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// cookieName is the session cookie.
const cookieName = "outreach_console"

// maxMailsInFlight bounds the sign-in mails being sent at once; past it a
// request is answered the same but no mail goes out (and it is logged).
const maxMailsInFlight = 8

// mailTimeout bounds the sending of one sign-in mail.
const mailTimeout = 30 * time.Second

// maxLoginForm caps the sign-in form's body.
const maxLoginForm = 4 << 10

// authRoutes registers the routes a visitor without a session reaches.
func (s *Server) authRoutes(mux *http.ServeMux) {
	mux.HandleFunc("GET "+Prefix+"/login", s.handleLoginForm)
	mux.HandleFunc("POST "+Prefix+"/login", s.handleLogin)
	mux.HandleFunc("GET "+Prefix+"/auth/{token}", s.handleAuthForm)
	mux.HandleFunc("POST "+Prefix+"/auth/{token}", s.handleAuth)
	mux.HandleFunc("POST "+Prefix+"/logout", s.handleLogout)
}

type loginView struct {
	Next    string // the console page to land on after sign-in
	Sent    bool
	Invalid bool
	Email   string
}

func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	c := &Context{Lang: requestLang(r), Now: s.Now(), Path: r.URL.Path}
	s.render(w, r, c, http.StatusOK, "login", "login.title", loginView{Next: validNext(r.URL.Query().Get("next"))})
}

// handleLogin mails a sign-in link to a team member with a console role.
// The answer is the same page, at once, for any address: the lookup and
// the mail happen after it, so neither the page nor its timing tells
// whether the address is a member.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	c := &Context{Lang: requestLang(r), Now: s.Now(), Path: r.URL.Path}
	if !sameOrigin(r) {
		s.renderError(w, r, c, http.StatusForbidden, "error.csrf")
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxLoginForm)
	if err := r.ParseForm(); err != nil {
		s.renderErrorText(w, r, c, http.StatusBadRequest, "error.invalid", "the form could not be read")
		return
	}
	addr, err := mail.ParseAddress(strings.TrimSpace(r.PostForm.Get("email")))
	if err != nil || len(addr.Address) > 254 {
		s.render(w, r, c, http.StatusUnprocessableEntity, "login", "login.title",
			loginView{Invalid: true, Email: r.PostForm.Get("email"), Next: validNext(r.PostForm.Get("next"))})
		return
	}
	email := strings.ToLower(addr.Address)
	next := validNext(r.PostForm.Get("next"))
	if !s.allow(w, r, c, s.LimitIP, "ip:"+s.ClientIP(r)) || !s.allow(w, r, c, s.LimitAddress, "addr:"+email) {
		return
	}
	select {
	case s.mailSlots <- struct{}{}:
		s.mailWG.Add(1)
		go func() {
			defer func() { <-s.mailSlots; s.mailWG.Done() }()
			ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), mailTimeout)
			defer cancel()
			if err := s.mailSignIn(ctx, email, c.Lang, next); err != nil {
				s.Logger.Error("console sign-in mail", "to", outreach.RedactEmail(email), "error", links.RedactText(err.Error()))
			}
		}()
	default:
		s.Logger.Warn("console sign-in mail skipped: too many in flight", "to", outreach.RedactEmail(email))
	}
	s.render(w, r, c, http.StatusOK, "login", "login.title", loginView{Sent: true})
}

// allow applies a rate limiter; when it refuses, it answers 429.
func (s *Server) allow(w http.ResponseWriter, r *http.Request, c *Context, l Limiter, key string) bool {
	if l == nil {
		return true
	}
	ok, wait := l.Allow(key)
	if ok {
		return true
	}
	w.Header().Set("Retry-After", fmt.Sprint(int(wait.Seconds())+1))
	s.renderError(w, r, c, http.StatusTooManyRequests, "error.rate_limited")
	return false
}

// mailSignIn sends a sign-in link to email when it is a team member with
// a console role, and does nothing otherwise.
func (s *Server) mailSignIn(ctx context.Context, email, lang, next string) error {
	m, err := s.Store.ConsoleMember(ctx, email)
	if outreach.ErrorCode(err) == outreach.ENOTFOUND || (err == nil && m.ConsoleRole == "") {
		return nil
	}
	if err != nil {
		return err
	}
	link, err := IssueSignIn(ctx, s.Store, s.PublicURL, m.Email, s.Now())
	if err != nil {
		return err
	}
	if next != "" {
		link += "?" + url.Values{"next": {next}}.Encode()
	}
	id, err := randomToken(9)
	if err != nil {
		return err
	}
	t := func(k string) string { return translate(lang, k) }
	msg := &outreach.Message{
		DeliveryID: "console-signin-" + id,
		Category:   outreach.CategoryTransactional,
		To:         m.Email, ToName: m.Name,
		From: s.MailFrom, FromName: s.MailFromName,
		Subject: t("mail.subject"),
		Text:    fmt.Sprintf("%s\n\n%s\n\n%s\n", t("mail.intro"), link, t("mail.expiry")),
		HTML: fmt.Sprintf("<p>%s</p><p><a href=\"%s\">%s</a></p><p>%s</p>", template.HTMLEscapeString(t("mail.intro")),
			template.HTMLEscapeString(link), template.HTMLEscapeString(t("mail.button")), template.HTMLEscapeString(t("mail.expiry"))),
	}
	_, err = s.Sender.Send(ctx, msg)
	return err
}

// IssueSignIn stores a one-time sign-in link for the team member with email
// and returns it, built on publicURL; `outreach console-link` and the demo
// print it. A member without a console role gets an EFORBIDDEN error.
func IssueSignIn(ctx context.Context, st outreach.ConsoleAuthStore, publicURL, email string, now time.Time) (string, error) {
	m, err := st.ConsoleMember(ctx, email)
	if err != nil {
		return "", err
	}
	if m.ConsoleRole == "" {
		return "", outreach.Errorf(outreach.EFORBIDDEN, "team member %s has no console_role: give them admin, marketing or cs", email)
	}
	tok, err := randomToken(32)
	if err != nil {
		return "", err
	}
	if err := st.CreateSignIn(ctx, hashToken(tok), m.Email, now.Add(outreach.SignInTTL)); err != nil {
		return "", err
	}
	return strings.TrimRight(publicURL, "/") + Prefix + "/auth/" + tok, nil
}

type authView struct {
	Token string
	Next  string // where the session starts, "" for the home page
}

// handleAuthForm shows a button: opening a link (as mail scanners do)
// changes nothing; only the POST signs in.
func (s *Server) handleAuthForm(w http.ResponseWriter, r *http.Request) {
	c := &Context{Lang: requestLang(r), Now: s.Now(), Path: r.URL.Path}
	s.render(w, r, c, http.StatusOK, "auth", "auth.title", authView{Token: r.PathValue("token"), Next: validNext(r.URL.Query().Get("next"))})
}

// handleAuth consumes a sign-in link and starts a session.
func (s *Server) handleAuth(w http.ResponseWriter, r *http.Request) {
	c := &Context{Lang: requestLang(r), Now: s.Now(), Path: r.URL.Path}
	if !sameOrigin(r) {
		s.renderError(w, r, c, http.StatusForbidden, "error.csrf")
		return
	}
	id, err1 := randomToken(32)
	csrf, err2 := randomToken(32)
	if err := errors.Join(err1, err2); err != nil {
		s.handleError(w, r, c, err)
		return
	}
	sess := &outreach.ConsoleSession{IDHash: hashToken(id), CSRF: csrf}
	if err := s.Store.ConsumeSignIn(r.Context(), hashToken(r.PathValue("token")), sess); err != nil {
		var e *outreach.Error
		if asError(err, &e) && e.Code == outreach.ENOTFOUND {
			key := map[string]string{outreach.SignInExpired: "auth.expired", outreach.SignInUsed: "auth.used"}[e.Message]
			if key == "" {
				key = "auth.unknown"
			}
			s.renderError(w, r, c, http.StatusGone, key)
			return
		}
		s.handleError(w, r, c, err)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: cookieName, Value: id, Path: Prefix + "/",
		HttpOnly: true, Secure: strings.HasPrefix(s.PublicURL, "https://"), SameSite: http.SameSiteLaxMode,
	})
	to := validNext(r.URL.Query().Get("next"))
	if to == "" {
		to = Prefix + "/"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// validNext returns next when it is a console page of this server (a path
// under /console/, with its query), else "": sign-in must never send
// anyone to another site ("//evil.example", "/console/..\..", schemes).
func validNext(next string) string {
	if len(next) > 2000 || !strings.HasPrefix(next, Prefix+"/") || strings.ContainsAny(next, "\\\x00\r\n\t") {
		return ""
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.Opaque != "" || !strings.HasPrefix(u.Path, Prefix+"/") ||
		strings.Contains(u.Path, "/../") || strings.HasSuffix(u.Path, "/..") {
		return ""
	}
	// The path as the browser asks for it ("./" and "//" resolved): never
	// the sign-in button of someone else's link.
	if strings.HasPrefix(path.Clean(u.Path)+"/", Prefix+"/auth/") {
		return ""
	}
	return next
}

// handleLogout ends the session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	c, ok := s.signedIn(w, r)
	if !ok {
		return
	}
	if !s.checkCSRF(r, c.Session.CSRF) {
		s.renderError(w, r, c, http.StatusForbidden, "error.csrf")
		return
	}
	if err := s.Store.DeleteConsoleSession(r.Context(), c.Session.IDHash, c.Audit("console.sign_out", c.Member.Email, "")); err != nil {
		s.handleError(w, r, c, err)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: cookieName, Value: "", Path: Prefix + "/", MaxAge: -1,
		HttpOnly: true, Secure: strings.HasPrefix(s.PublicURL, "https://"), SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, Prefix+"/login", http.StatusSeeOther)
}

// checkCSRF reports whether a state-changing request carries the session's
// token (form field csrf or header X-CSRF-Token) and comes from this site.
func (s *Server) checkCSRF(r *http.Request, want string) bool {
	if !sameOrigin(r) {
		return false
	}
	// The body is bounded whichever way the token comes: with the header,
	// the handler parses the form itself, and a multipart form's files
	// would otherwise spill to disk without limit.
	r.Body = http.MaxBytesReader(nil, r.Body, maxFormBytes)
	got := r.Header.Get("X-CSRF-Token")
	if got == "" {
		got = r.PostFormValue("csrf")
	}
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// maxFormBytes caps a console form's body (the pack editor posts files).
const maxFormBytes = 4 << 20

// sameOrigin refuses requests a browser marks as coming from another site:
// Sec-Fetch-Site other than same-origin or none (a typed URL), or an
// Origin that is not this host. Under Referrer-Policy no-referrer a
// browser sends "Origin: null" even for its own forms; Sec-Fetch-Site,
// which no page can set, then decides.
func sameOrigin(r *http.Request) bool {
	site := r.Header.Get("Sec-Fetch-Site")
	switch site {
	case "", "same-origin", "none":
	default:
		return false
	}
	o := r.Header.Get("Origin")
	if o == "" || (o == "null" && site == "same-origin") {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// randomToken returns n random bytes, base64url without padding.
func randomToken(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func asError(err error, target **outreach.Error) bool { return errors.As(err, target) }

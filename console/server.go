package console

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/links"
)

// Store is what the console reads and writes. store.DB implements it.
// A page that needs more adds the method here (and to store.DB).
type Store interface {
	outreach.ConsoleAuthStore
	outreach.AuditLog
	outreach.CampaignStore
	PackStore
	// Timeline is a person's events, deliveries, answers and
	// suppressions (the contacts page).
	Timeline(ctx context.Context, email string) (*outreach.Timeline, error)
	// AccountRisks ranks accounts by risk (the accounts page).
	AccountRisks(ctx context.Context, q outreach.AccountRiskQuery) (*outreach.AccountRiskPage, error)
	// The account page: the account, its activity, its cases, and
	// the audited pause.
	AccountByExternalID(ctx context.Context, externalID string) (*outreach.Account, error)
	AccountActivity(ctx context.Context, accountID int64) (*outreach.AccountActivity, error)
	Cases(ctx context.Context, f outreach.CaseFilter) ([]outreach.Case, error)
	SetAccountPause(ctx context.Context, externalID string, until *time.Time, extendOnly bool, actor string) (*outreach.Account, error)
	// The suppressions page: a page of an address's suppressions, and
	// the audited lift (hard and erased ones need force); a cs member's
	// Owner limits both to the people of their accounts.
	ConsoleSuppressions(ctx context.Context, q outreach.SuppressionQuery) ([]outreach.Suppression, error)
	LiftSuppression(ctx context.Context, l outreach.SuppressionLift) (*outreach.Suppression, error)
	// The cases pages: a page of a view with the count of each view,
	// and one case and its changes (outreach.CaseStore, audited).
	CaseList(ctx context.Context, q outreach.CaseQuery) (*outreach.CaseListPage, error)
	CaseCounts(ctx context.Context, owner string, now time.Time) (map[string]int, error)
	Case(ctx context.Context, id int64, now time.Time) (*outreach.Case, error)
	UpdateCase(ctx context.Context, u outreach.CaseUpdate) (*outreach.Case, error)
	// The NPS page: the report of GET /api/v1/nps, the campaigns that
	// ever sent (for the CSAT ones), and the comment feed.
	NPS(ctx context.Context, f outreach.NPSFilter) (*outreach.NPSReport, error)
	SentCampaigns(ctx context.Context) ([]string, error)
	Comments(ctx context.Context, q outreach.CommentQuery) (*outreach.CommentPage, error)
}

// Limiter admits requests per key; httpapi.Limiter implements it.
type Limiter interface {
	Allow(key string) (ok bool, wait time.Duration)
}

// Server holds the console's dependencies. Set its fields, then call
// Handler once.
type Server struct {
	Store Store
	// Sender mails sign-in links (internal mail: no customer budget).
	Sender outreach.Sender
	// MailFrom and MailFromName are the From of sign-in mail
	// (OUTREACH_MAIL_FROM).
	MailFrom, MailFromName string
	// PublicURL is OUTREACH_PUBLIC_URL: the base of sign-in links; an
	// https URL makes the session cookie Secure.
	PublicURL string
	// LimitIP and LimitAddress rate-limit sign-in requests per client
	// address and per email address; nil means unlimited.
	LimitIP, LimitAddress Limiter
	// ClientIP returns the address LimitIP counts a request under; nil
	// means the host of RemoteAddr.
	ClientIP func(r *http.Request) string
	// PostalAddress is the footer address of previews
	// (OUTREACH_POSTAL_ADDRESS).
	PostalAddress string
	// Pack returns the active campaign pack with its templates.
	Pack func() *campaigns.Loaded
	// PackEdit configures the pack editor (pack.go).
	PackEdit PackEdit
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger receives internal errors; nil discards.
	Logger *slog.Logger

	once    sync.Once
	handler http.Handler
	pages   map[string]*template.Template // by template name
	static  *staticFiles
	// mailSlots bounds the sign-in mails being sent at once.
	mailSlots chan struct{}
	// mailWG tracks sign-in mails in flight (Wait, for tests and shutdown).
	mailWG sync.WaitGroup
	// forecastSlot admits one pack forecast at a time.
	forecastSlot chan struct{}
	// heavySlots admits maxHeavy Heavy pages at a time (heavy.go).
	heavySlots chan struct{}
	// active caches the active stored pack by version (packcache.go).
	active activeCache
}

// Prefix is where httpapi mounts the console.
const Prefix = "/console"

// Page is one route of the console. Register pages in routes (pages.go).
type Page struct {
	// Method is GET or POST. A POST is refused (403) without the session's
	// CSRF token in the form field "csrf" or the X-CSRF-Token header, or
	// when Origin / Sec-Fetch-Site name another site.
	Method string
	// Path is the pattern under Prefix, e.g. "/campaigns/{key}".
	Path string
	// Roles are the roles allowed; empty means every signed-in member.
	// Others get the 403 page.
	Roles []string
	// Heavy marks a page that parses or loads a whole pack: at most
	// maxHeavy run at once (heavy.go), the slot taken before the body is
	// read.
	Heavy bool
	// Handle serves the page. It returns an error for the error page:
	// an *outreach.Error's code picks the status (ENOTFOUND 404, EINVALID
	// 422, EFORBIDDEN 403, ECONFLICT 409), anything else is a logged 500.
	Handle func(w http.ResponseWriter, r *http.Request, c *Context) error
}

// Context is what a page handler knows about its request.
type Context struct {
	Member  outreach.TeamMember // the signed-in member
	Session *outreach.ConsoleSession
	Lang    string    // the page language (Accept-Language)
	Now     time.Time // the request's instant
	Path    string    // the request path, for aria-current in the nav
}

// Audit returns an audit entry by the signed-in member; pass it to the
// store method that makes the change, which writes it in the same
// transaction.
func (c *Context) Audit(action, target, detail string) outreach.AuditEntry {
	return outreach.AuditEntry{Actor: c.Member.Email, Action: action, Target: target, Detail: detail}
}

// Allowed reports whether the member's role is among roles (empty: any).
func (c *Context) Allowed(roles []string) bool {
	return allowed(c.Member.ConsoleRole, roles)
}

func allowed(role string, roles []string) bool {
	if role == "" {
		return false
	}
	if len(roles) == 0 || role == outreach.RoleAdmin {
		return true
	}
	for _, r := range roles {
		if r == role {
			return true
		}
	}
	return false
}

// Handler returns the console's handler for every path under Prefix,
// building it on the first call.
func (s *Server) Handler() http.Handler {
	s.once.Do(func() {
		if s.Now == nil {
			s.Now = time.Now
		}
		if s.Logger == nil {
			s.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		}
		if s.ClientIP == nil {
			s.ClientIP = remoteHost
		}
		s.mailSlots = make(chan struct{}, maxMailsInFlight)
		s.forecastSlot = make(chan struct{}, 1)
		s.heavySlots = make(chan struct{}, maxHeavy)
		s.static = mustStatic()
		s.pages = mustTemplates(s.static)
		mux := http.NewServeMux()
		s.authRoutes(mux)
		mux.Handle("GET "+Prefix+"/static/", s.static)
		for _, p := range s.routes() {
			mux.Handle(p.Method+" "+Prefix+p.Path, s.page(p))
		}
		mux.Handle(Prefix+"/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s.renderError(w, r, nil, http.StatusNotFound, "error.not_found")
		}))
		s.handler = secureHeaders(mux)
	})
	return s.handler
}

// WaitMail waits until the sign-in mails being sent have been handed to
// the sender.
func (s *Server) WaitMail() { s.mailWG.Wait() }

// csp is the Content-Security-Policy of every console response: nothing
// from outside the server, no inline script or style.
const csp = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"frame-ancestors 'none'; form-action 'self'; base-uri 'none'"

// secureHeaders sets the headers every console response carries. The
// sign-in URL holds a token, so no Referer may leak it.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", csp)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if !strings.HasPrefix(r.URL.Path, Prefix+"/static/") {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// page wraps a Page's handler with the session, role and CSRF checks.
func (s *Server) page(p Page) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, ok := s.signedIn(w, r)
		if !ok {
			return
		}
		if !c.Allowed(p.Roles) {
			s.renderError(w, r, c, http.StatusForbidden, "error.forbidden")
			return
		}
		if p.Heavy {
			if !s.acquireHeavy(w, r, c) {
				return
			}
			defer s.releaseHeavy()
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && !s.checkCSRF(r, c.Session.CSRF) {
			s.renderError(w, r, c, http.StatusForbidden, "error.csrf")
			return
		}
		if err := p.Handle(w, r, c); err != nil {
			s.handleError(w, r, c, err)
		}
	})
}

// signedIn returns the request's session, or redirects to the sign-in form
// (GET) or answers 403 (other methods) and returns false.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request) (*Context, bool) {
	now := s.Now()
	c := &Context{Lang: requestLang(r), Now: now, Path: r.URL.Path}
	if ck, err := r.Cookie(cookieName); err == nil && ck.Value != "" {
		sess, err := s.Store.ConsoleSession(r.Context(), hashToken(ck.Value), now.Add(-outreach.SessionIdle))
		if err == nil && sess.Member.ConsoleRole != "" {
			c.Member, c.Session = sess.Member, sess
			if lang, ok := outreach.MatchLocale(sess.Member.Locale, Langs); ok {
				c.Lang = lang
			}
			return c, true
		}
		// A member who lost the role (or was removed) is signed out; a
		// database error is a 500, not a sign-out.
		if err != nil && outreach.ErrorCode(err) != outreach.ENOTFOUND {
			s.handleError(w, r, c, err)
			return nil, false
		}
	}
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		to := Prefix + "/login"
		if next := validNext(r.URL.RequestURI()); next != "" && r.URL.Path != Prefix+"/" {
			to += "?" + url.Values{"next": {next}}.Encode()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
	} else {
		s.renderError(w, r, c, http.StatusForbidden, "error.signed_out")
	}
	return nil, false
}

// handleError renders err as the error page with its status.
func (s *Server) handleError(w http.ResponseWriter, r *http.Request, c *Context, err error) {
	status, msg := http.StatusInternalServerError, "error.internal"
	switch outreach.ErrorCode(err) {
	case outreach.ENOTFOUND:
		status, msg = http.StatusNotFound, "error.not_found"
	case outreach.EFORBIDDEN:
		status, msg = http.StatusForbidden, "error.forbidden"
	case outreach.EINVALID:
		status, msg = http.StatusUnprocessableEntity, "error.invalid"
	case outreach.ECONFLICT:
		status, msg = http.StatusConflict, "error.conflict"
	default:
		// The path may hold a sign-in token or a person's address, and the
		// error may quote an address: logs carry neither in full.
		s.Logger.Error("console", "method", r.Method, "path", links.RedactPath(r.URL.EscapedPath()), "error", links.RedactText(err.Error()))
	}
	if status != http.StatusInternalServerError {
		var e *outreach.Error
		if asError(err, &e) {
			s.renderErrorText(w, r, c, status, msg, e.Message)
			return
		}
	}
	s.renderError(w, r, c, status, msg)
}

// hashToken is the stored form of a sign-in token or session id.
func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

// remoteHost is the host part of r.RemoteAddr.
func remoteHost(r *http.Request) string {
	h := r.RemoteAddr
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.HasSuffix(h, "]") {
		h = h[:i]
	}
	return strings.Trim(h, "[]")
}

// check panics on an error of the embedded files, which a test catches.
func check(err error, what string) {
	if err != nil {
		panic(fmt.Sprintf("console: %s: %v", what, err))
	}
}

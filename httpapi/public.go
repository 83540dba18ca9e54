package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// MaxPublicBodyBytes caps the request bodies of the survey and unsubscribe
// pages: a score and a comment, or a few checkboxes.
const MaxPublicBodyBytes = 16 << 10

// publicCSP is the Content-Security-Policy of every public response: no
// script, no image, no frame, no connection; inline styles only; forms post
// back to this origin.
const publicCSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"

// Feedback holds what the feedback loop's routes need: the survey and
// unsubscribe pages (/s/{token}, /u/{token}), the SendGrid event webhook
// and the NPS report. Set it as Server.Feedback before calling Handler;
// missing pieces make their routes answer 503.
type Feedback struct {
	Store outreach.FeedbackStore
	// Links verifies the signed tokens of survey and unsubscribe links.
	Links *links.Signer
	// Webhook verifies SendGrid's signature (a *sendgrid.Verifier); nil
	// makes POST /webhooks/sendgrid answer 503.
	Webhook WebhookVerifier
	// Limiter limits requests per client address on /s and /u; nil means
	// the Default* limits on the server's clock.
	Limiter *Limiter
	// ClientIP returns the address a request is limited by; nil means
	// clientAddr: the peer's address, or behind a reverse proxy on a
	// loopback or private address the client it names in
	// X-Forwarded-For (public_addr.go).
	ClientIP func(r *http.Request) string
	// Pack returns the active campaign pack, read on each request: it
	// tells CSAT surveys from NPS ones (Pack.IsCSAT) and which campaign
	// keys exist. nil means no pack: campaign keys alone decide.
	Pack func() *outreach.Pack
	// Survey returns the question and scale labels that the active pack's
	// template of a campaign defines for a locale, the very text of the
	// survey email (campaigns.Loaded.SurveyText); nil or ok=false makes
	// the page ask its own generic NPS or CSAT question.
	Survey func(campaign, locale string) (outreach.SurveyText, bool)
	// SenderName names who asks on the survey page ("A question from
	// Acme"): the display name of OUTREACH_MAIL_FROM. "" shows none.
	SenderName string

	pages *pageSet
}

// feedbackRoutes registers the feedback loop's routes.
func (s *Server) feedbackRoutes(mux *http.ServeMux) {
	if s.Feedback == nil {
		s.Feedback = &Feedback{}
	}
	f := s.Feedback
	f.pages = mustLoadPages()
	if f.Limiter == nil {
		l, err := NewLimiter(DefaultPublicRate, DefaultPublicBurst, DefaultPublicClients, s.Now)
		if err != nil {
			panic(err) // constant arguments
		}
		f.Limiter = l
	}
	if f.ClientIP == nil {
		f.ClientIP = clientAddr
	}
	// Public pages (public_survey.go, public_unsubscribe.go): rate
	// limited, HTML errors.
	mux.Handle("GET /s/{token}", s.publicPage(s.handleSurveyForm, nil))
	mux.Handle("POST /s/{token}", s.publicPage(s.handleSurveyAnswer, nil))
	mux.Handle("GET /u/{token}", s.publicPage(s.handleUnsubscribeForm, nil))
	mux.Handle("POST /u/{token}", s.publicPage(s.handleUnsubscribe, s.validUnsubscribeLink))
	// The event webhook (webhook.go): signed, JSON errors.
	s.handle(mux, "POST /webhooks/sendgrid", public, s.handleSendGridWebhook)
	// NPS (nps.go).
	s.handle(mux, "GET /api/v1/nps", adminScope, s.handleNPS)
}

// activePack returns the active campaign pack, or nil when there is none.
func (f *Feedback) activePack() *outreach.Pack {
	if f.Pack == nil {
		return nil
	}
	return f.Pack()
}

// setPublicHeaders sets the headers of every public response: no referrer
// leaks the token in the URL to another site, no script runs, no framing.
func setPublicHeaders(h http.Header) {
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("Content-Security-Policy", publicCSP)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Cache-Control", "no-store")
}

// pageHandler serves a public page. It renders the friendly pages of the
// outcomes it expects itself and returns other errors, which become a
// friendly error page with the status of their code.
type pageHandler func(w http.ResponseWriter, r *http.Request) error

// publicPage wraps a public page with its headers, the per-address rate
// limit and the body limit. A request for which exempt (if not nil) is
// true is outside the rate limit: neither refused nor counted.
func (s *Server) publicPage(h pageHandler, exempt func(r *http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f := s.Feedback
		setPublicHeaders(w.Header())
		if exempt == nil || !exempt(r) {
			if ok, wait := f.Limiter.Allow(f.ClientIP(r)); !ok {
				s.tooManyRequests(w, r, wait)
				return
			}
		}
		if f.Store == nil || f.Links == nil {
			s.renderPage(w, r, http.StatusServiceUnavailable, pageError, requestLocale(r), &pageData{TitleKey: "error_title", MessageKey: "error_unavailable"})
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, MaxPublicBodyBytes)
		if err := h(w, r); err != nil {
			s.pageError(w, r, err)
		}
	})
}

// tooManyRequests answers a request refused by the rate limit: 429 with
// Retry-After (whole seconds, at least 1) and a page that says to try
// again in a few seconds, in the browser's language.
func (s *Server) tooManyRequests(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(retryAfterSeconds(wait)))
	s.metrics.errors.WithLabelValues("rate_limited").Inc()
	s.renderPage(w, r, http.StatusTooManyRequests, pageError, requestLocale(r), &pageData{TitleKey: "error_rate_title", MessageKey: "error_rate"})
}

// retryAfterSeconds is the Retry-After of a wait: whole seconds, rounded
// up so that a client honouring it is not refused again, at least 1.
func retryAfterSeconds(wait time.Duration) int {
	return max(1, int((wait+time.Second-1)/time.Second))
}

// pageError answers a public page request with the friendly page for err,
// with the HTTP status of its code (see codes).
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	var mbe *http.MaxBytesError
	status, key := http.StatusInternalServerError, "error_internal"
	code := outreach.ErrorCode(err)
	switch {
	case errors.As(err, &mbe):
		status, key, code = http.StatusRequestEntityTooLarge, "error_too_large", outreach.ETOOLARGE
	case code == outreach.EINVALID, code == outreach.EFORBIDDEN:
		status, key = codes[code], "error_invalid"
	case code == outreach.ENOTFOUND:
		status, key = codes[code], "error_not_found"
	case code == outreach.EUNAVAILABLE:
		status, key = codes[code], "error_unavailable"
	}
	s.metrics.errors.WithLabelValues(code).Inc()
	if status == http.StatusInternalServerError {
		s.Logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", logPath(r), "error", logError(err))
	}
	s.renderPage(w, r, status, pageError, requestLocale(r), &pageData{TitleKey: "error_title", MessageKey: key})
}

// renderPage renders a page; a failure (a broken template) is logged and
// answered with a plain 500.
func (s *Server) renderPage(w http.ResponseWriter, r *http.Request, status int, name, locale string, d *pageData) {
	if err := s.Feedback.pages.render(w, status, name, locale, d); err != nil {
		s.Logger.ErrorContext(r.Context(), "render page", "page", name, "error", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

// parsePublicForm parses an urlencoded or multipart form body (RFC 8058
// allows either for one-click unsubscribe).
func parsePublicForm(r *http.Request) error {
	// ParseForm first: ParseMultipartForm drops its error on a body that
	// is not multipart.
	err := r.ParseForm()
	if err == nil {
		err = r.ParseMultipartForm(MaxPublicBodyBytes)
	}
	if err == nil || errors.Is(err, http.ErrNotMultipart) {
		return nil
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return err
	}
	return outreach.Errorf(outreach.EINVALID, "the form could not be read: %v", err)
}

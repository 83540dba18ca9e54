package httpapi

import (
	"net/http"
	"slices"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// unsubscribeCategories are the categories a person may stop one by one;
// transactional mail cannot be refused.
var unsubscribeCategories = []string{outreach.CategorySurvey, outreach.CategoryLifecycle, outreach.CategoryMarketing}

// Suppression reasons recorded by the unsubscribe page.
const (
	reasonOneClick = "one-click unsubscribe"
	reasonPage     = "unsubscribe page"
)

// oneClickField and oneClickValue are RFC 8058's POST body
// "List-Unsubscribe=One-Click", which mail clients send and the page's
// "Unsubscribe from all" button sends too.
const (
	oneClickField = "List-Unsubscribe"
	oneClickValue = "One-Click"
)

// handleUnsubscribeForm answers GET /u/{token}: one "Unsubscribe from all"
// button and a choice per category. It changes nothing.
func (s *Server) handleUnsubscribeForm(w http.ResponseWriter, r *http.Request) error {
	email, locale, ok := s.unsubscribeTarget(w, r)
	if !ok {
		return nil
	}
	d, err := s.unsubscribePage(r, email)
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, pageUnsubscribe, locale, d)
	return nil
}

// handleUnsubscribe answers POST /u/{token}. "List-Unsubscribe=One-Click"
// (RFC 8058, from a mail client or the page's main button) suppresses all
// non-transactional mail at once; the page's other form suppresses the
// chosen categories. Both are idempotent.
func (s *Server) handleUnsubscribe(w http.ResponseWriter, r *http.Request) error {
	email, locale, ok := s.unsubscribeTarget(w, r)
	if !ok {
		return nil
	}
	if err := parsePublicForm(r); err != nil {
		return err
	}
	store := s.Feedback.Store
	if r.PostForm.Get(oneClickField) != oneClickValue && r.PostForm.Get("action") == actionResubscribe {
		return s.resubscribe(w, r, email, locale)
	}
	if r.PostForm.Get(oneClickField) == oneClickValue {
		if _, err := store.AddSuppressions(r.Context(), []outreach.Suppression{{Email: email, Scope: outreach.ScopeAll, Reason: reasonOneClick}}); err != nil {
			return err
		}
		s.renderPage(w, r, http.StatusOK, pageUnsubscribed, locale, &pageData{TitleKey: "unsub_done_title", Email: email, All: true})
		return nil
	}
	chosen := r.PostForm["category"]
	var sups []outreach.Suppression
	var done []categoryChoice
	for _, c := range unsubscribeCategories {
		if slices.Contains(chosen, c) {
			sups = append(sups, outreach.Suppression{Email: email, Scope: c, Reason: reasonPage})
			done = append(done, categoryChoice{Key: c, LabelKey: "cat_" + c})
		}
	}
	if len(sups) == 0 || len(sups) != len(dedupe(chosen)) {
		d, err := s.unsubscribePage(r, email)
		if err != nil {
			return err
		}
		d.ErrorKey = "unsub_none_chosen"
		s.renderPage(w, r, http.StatusBadRequest, pageUnsubscribe, locale, d)
		return nil
	}
	if _, err := store.AddSuppressions(r.Context(), sups); err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, pageUnsubscribed, locale, &pageData{TitleKey: "unsub_done_title", Email: email, Categories: done})
	return nil
}

// actionResubscribe is the form field value (action=resubscribe) of the
// page's resubscribe button. Only a POST carrying it resubscribes: the
// signed token in the path says whose preferences these are, the field
// that this page's own form sent them (a link scanner only GETs, and a
// mail client's one-click POST carries List-Unsubscribe=One-Click).
const actionResubscribe = "resubscribe"

// resubscribe lifts what the person may lift themselves (all and the
// categories; never a hard suppression), audited as the public page, and
// shows the preferences again.
func (s *Server) resubscribe(w http.ResponseWriter, r *http.Request, email, locale string) error {
	if s.Audit == nil {
		return outreach.Errorf(outreach.EUNAVAILABLE, "resubscribing is not configured on this server")
	}
	if err := sameSite(r); err != nil {
		return err
	}
	if _, err := s.Audit.Resubscribe(r.Context(), email, outreach.ActorPublicPage); err != nil {
		return err
	}
	d, err := s.unsubscribePage(r, email)
	if err != nil {
		return err
	}
	d.Resubscribed = true
	s.renderPage(w, r, http.StatusOK, pageUnsubscribe, locale, d)
	return nil
}

// validUnsubscribeLink reports whether the request carries a valid
// unsubscribe token. Such a POST (one-click or the page's form) is outside
// the rate limit: PRODUCT.md promises that one-click unsubscribe always
// works, and it is idempotent and cheap (a signature check and an insert
// that changes nothing the second time), while the limit exists against
// guessing tokens and floods. Requests with an invalid token still count
// and are refused beyond the limit.
func (s *Server) validUnsubscribeLink(r *http.Request) bool {
	if s.Feedback.Links == nil {
		return false
	}
	_, err := s.Feedback.Links.Verify(r.PathValue("token"), links.KindUnsubscribe, s.Now())
	return err == nil
}

// unsubscribeTarget verifies the unsubscribe token of the request and
// returns its address and the page language (the contact's, else the
// browser's). When ok is false the friendly page was written.
func (s *Server) unsubscribeTarget(w http.ResponseWriter, r *http.Request) (email, locale string, ok bool) {
	tok, err := s.Feedback.Links.Verify(r.PathValue("token"), links.KindUnsubscribe, s.Now())
	if err == nil {
		email = unsubscribeAddress(tok.Subject)
	}
	if err != nil || email == "" {
		s.metrics.errors.WithLabelValues("link_invalid").Inc()
		s.renderPage(w, r, http.StatusBadRequest, pageError, requestLocale(r), &pageData{TitleKey: "error_title", MessageKey: "error_invalid"})
		return "", "", false
	}
	locale = requestLocale(r)
	if l, err := s.Feedback.Store.ContactLocale(r.Context(), email); err == nil && l != "" {
		locale = pageLocale(l)
	}
	return email, locale, true
}

// unsubscribeAddress returns the address a verified unsubscribe token
// names: its canonical form lower-cased (the store's key), or, for a link signed before addresses were
// canonicalised (an address outreach refuses today), the address as it
// was signed and stored, lower-cased: a signed link always unsubscribes
// the address it was sent to.
func unsubscribeAddress(subject string) string {
	if email, err := outreach.CanonicalEmail(subject); err == nil {
		return strings.ToLower(email)
	}
	return strings.ToLower(strings.TrimSpace(subject))
}

// unsubscribePage returns the data of the unsubscribe page, with the
// categories already suppressed checked.
func (s *Server) unsubscribePage(r *http.Request, email string) (*pageData, error) {
	scopes, err := s.Feedback.Store.SuppressionScopes(r.Context(), email)
	if err != nil {
		return nil, err
	}
	d := &pageData{TitleKey: "unsub_title", Email: email}
	for _, sc := range scopes {
		d.CanResubscribe = d.CanResubscribe || sc != outreach.ScopeHard
	}
	for _, c := range unsubscribeCategories {
		stopped := false
		for _, sc := range scopes {
			stopped = stopped || outreach.Suppresses(sc, c)
		}
		d.Categories = append(d.Categories, categoryChoice{Key: c, LabelKey: "cat_" + c, Suppressed: stopped})
	}
	return d, nil
}

// dedupe returns the distinct values of list.
func dedupe(list []string) []string {
	out := slices.Clone(list)
	slices.Sort(out)
	return slices.Compact(out)
}

package console

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// PreviewResult is one campaign email rendered for a real contact, as
// `outreach preview` prints it.
type PreviewResult struct {
	Campaign, Category, Template, Locale string
	From, ReplyTo, To                    string
	Subject, Text, HTML                  string
	// Note explains sample data used where the contact has none (e.g. no
	// triggering event); Warnings say why the planner or the throttle
	// would not send it (suppressed, filtered out, outside the locales).
	Note     string
	Warnings []string
}

// Previewer renders campaign key of loaded for the contact with email in
// locale ("" = the contact's own). cmd/outreach supplies it (the code of
// `outreach preview`).
type Previewer func(ctx context.Context, loaded *campaigns.Loaded, key, email, locale string) (*PreviewResult, error)

// ContactSearch finds contacts by the start of their email or name.
type ContactSearch interface {
	SearchContacts(ctx context.Context, q string, limit int) ([]outreach.Contact, error)
}

// previewLocales are the locales the preview offers: those of the
// built-in pack and the public pages.
var previewLocales = []string{"en", "pt", "pt-BR", "fr", "ru", "hu", "id"}

// previewSearchLimit is how many contacts a search lists.
const previewSearchLimit = 20

type previewView struct {
	Source   string // "active" or a draft id
	Drafts   []outreach.PackDraft
	Keys     []string
	Locales  []string
	Campaign string
	Q        string
	Found    []outreach.Contact
	Email    string
	Locale   string
	Problems []packProblem // the chosen draft does not validate
	Result   *PreviewResult
	Render   string // the URL of the rendered HTML
}

// previewPack returns the pack the preview uses: the draft named by the
// query's "draft", else the active pack.
func (s *Server) previewPack(r *http.Request) (*campaigns.Loaded, []packProblem, error) {
	id := r.URL.Query().Get("draft")
	if id == "" || id == "active" {
		_, loaded, problems, err := s.activePack(r.Context())
		return loaded, problems, err
	}
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		return nil, nil, outreach.Errorf(outreach.EINVALID, "draft=%q is not a draft id", id)
	}
	d, err := s.Store.PackDraft(r.Context(), n)
	if err != nil {
		return nil, nil, err
	}
	loaded, problems := validateFiles(d.Files)
	return loaded, problems, nil
}

// handlePreview picks a pack, campaign, contact and locale and shows the
// email: subject, From/Reply-To, text, and the HTML at phone and desktop
// width (sandboxed frames of handlePreviewRender).
func (s *Server) handlePreview(w http.ResponseWriter, r *http.Request, c *Context) error {
	q := r.URL.Query()
	v := previewView{Source: q.Get("draft"), Campaign: q.Get("campaign"), Q: strings.TrimSpace(q.Get("q")),
		Email: strings.TrimSpace(q.Get("contact")), Locale: strings.TrimSpace(q.Get("locale")), Locales: previewLocales}
	if v.Source == "" {
		v.Source = "active"
	}
	var err error
	if v.Drafts, err = s.Store.PackDrafts(r.Context(), packListLimit); err != nil {
		return err
	}
	loaded, problems, err := s.previewPack(r)
	if err != nil {
		return err
	}
	v.Problems = problems
	if loaded != nil {
		for _, cp := range loaded.Pack.Campaigns {
			v.Keys = append(v.Keys, cp.Key)
		}
	}
	if v.Q != "" {
		if len(v.Q) > 254 {
			return outreach.Errorf(outreach.EINVALID, "search: at most 254 characters")
		}
		if v.Found, err = s.Store.SearchContacts(r.Context(), v.Q, previewSearchLimit); err != nil {
			return err
		}
	}
	if loaded != nil && v.Campaign != "" && v.Email != "" && s.PackEdit.Preview != nil {
		res, err := s.preview(r, loaded)
		if err != nil {
			return err
		}
		v.Result = res
		render := url.Values{"draft": {v.Source}, "campaign": {v.Campaign}, "contact": {v.Email}, "locale": {v.Locale}}
		v.Render = Prefix + "/pack/preview/render?" + render.Encode()
	}
	s.render(w, r, c, http.StatusOK, "packpreview", "pack.preview_title", v)
	return nil
}

// preview renders the query's campaign for its contact and locale.
func (s *Server) preview(r *http.Request, loaded *campaigns.Loaded) (*PreviewResult, error) {
	q := r.URL.Query()
	email, err := outreach.CanonicalEmail(q.Get("contact"))
	if err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "contact: %v", err)
	}
	locale := strings.TrimSpace(q.Get("locale"))
	if locale != "" {
		if locale, err = outreach.NormalizeLocale(locale); err != nil {
			return nil, outreach.Errorf(outreach.EINVALID, "locale: %v", err)
		}
	}
	return s.PackEdit.Preview(r.Context(), loaded, q.Get("campaign"), email, locale)
}

// handlePreviewRender answers the HTML part of the preview alone, for a
// sandboxed frame.
func (s *Server) handlePreviewRender(w http.ResponseWriter, r *http.Request, c *Context) error {
	loaded, problems, err := s.previewPack(r)
	if err != nil {
		return err
	}
	if loaded == nil {
		return outreach.Errorf(outreach.EINVALID, "the draft does not validate (%s)", problems[0].Formatted)
	}
	if s.PackEdit.Preview == nil {
		return outreach.Errorf(outreach.ENOTFOUND, "preview is not available in this process")
	}
	res, err := s.preview(r, loaded)
	if err != nil {
		return err
	}
	return writeFrame(w, res.HTML)
}

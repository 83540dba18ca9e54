package console

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/templates"
)

// frameCSP is the policy of every previewed email's HTML (a campaign's
// template, a draft's preview), shown in a sandboxed frame of the console:
// emails carry inline styles and images from the server or data: URLs, and
// nothing else may load or run. Its sandbox directive is the frame's
// sandbox attribute (no script, no same-origin access, no forms, no
// popups), so the HTML stays sandboxed when the frame's address is opened
// on its own; only the console may frame it.
const frameCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'self'; base-uri 'none'; form-action 'none'"

// previewPages returns the template previews of the campaign page.
func (s *Server) previewPages() []Page {
	return []Page{
		{Method: "GET", Path: "/campaigns/{key}/preview/{locale}", Roles: campaignRoles, Handle: s.handleCampaignPreview},
		{Method: "GET", Path: "/campaigns/{key}/preview/{locale}/html", Roles: campaignRoles, Handle: s.handleCampaignPreviewHTML},
	}
}

type campaignPreviewView struct {
	Key, Locale, Used string
	Subject, Text     string
	From, ReplyTo     string
	Frame             string
	Error             string
}

// renderCampaignPreview renders the campaign's template in locale for a sample
// person of that locale, with placeholder links.
func (s *Server) renderCampaignPreview(r *http.Request, now time.Time) (*outreach.Campaign, *templates.Rendered, error) {
	l := s.Pack()
	key, locale := r.PathValue("key"), r.PathValue("locale")
	camp := l.Pack.Campaign(key)
	if camp == nil {
		return nil, nil, outreach.Errorf(outreach.ENOTFOUND, "the active pack has no campaign %q", key)
	}
	if l.Templates == nil || !l.Templates.Has(camp.Template) {
		return nil, nil, outreach.Errorf(outreach.ENOTFOUND, "the active pack has no template %q", camp.Template)
	}
	renewal := now.UTC().AddDate(0, 2, 0).Truncate(24 * time.Hour)
	d := &templates.Data{
		Contact:       templates.Person{Email: "alex@customer.example", Name: "Alex Example", Role: "admin", Locale: locale},
		Account:       templates.Org{Name: "Example Corp", Plan: "Business", RenewalDate: &renewal},
		Campaign:      templates.CampaignInfo{Key: camp.Key, Name: camp.Name, Category: camp.Category},
		Event:         map[string]any{},
		PostalAddress: s.PostalAddress,
		Now:           now.UTC(),
	}
	base := s.PublicURL
	if camp.Category != outreach.CategoryTransactional {
		d.UnsubscribeURL = base + "/u/preview"
	}
	if camp.Category == outreach.CategorySurvey {
		for i := 0; i <= 10; i++ {
			d.SurveyLinks = append(d.SurveyLinks, base+"/s/preview?score="+strconv.Itoa(i))
		}
	}
	out, err := l.Templates.Render(camp.Template, locale, d)
	if err != nil {
		return camp, nil, outreach.Errorf(outreach.EINVALID, "template %s (%s) does not render for a sample person: %v", camp.Template, locale, err)
	}
	return camp, out, nil
}

// handleCampaignPreview shows the subject, sender, text and (framed) HTML of a
// template in one locale.
func (s *Server) handleCampaignPreview(w http.ResponseWriter, r *http.Request, c *Context) error {
	camp, out, err := s.renderCampaignPreview(r, c.Now)
	if camp == nil {
		return err
	}
	v := campaignPreviewView{Key: camp.Key, Locale: r.PathValue("locale"),
		From: orPolicy(camp.Identity.From, s.Pack().Pack.Policy.Identity.From), ReplyTo: orPolicy(camp.Identity.ReplyTo, s.Pack().Pack.Policy.Identity.ReplyTo)}
	if err != nil {
		v.Error = err.(*outreach.Error).Message
	} else {
		v.Used, v.Subject, v.Text = out.Locale, out.Subject, out.Text
		v.Frame = Prefix + "/campaigns/" + url.PathEscape(camp.Key) + "/preview/" + url.PathEscape(v.Locale) + "/html"
	}
	s.render(w, r, c, http.StatusOK, "preview", "preview.title", v)
	return nil
}

// handleCampaignPreviewHTML serves the HTML part alone, for the preview's frame,
// under a policy that lets its inline styles apply and nothing run.
func (s *Server) handleCampaignPreviewHTML(w http.ResponseWriter, r *http.Request, c *Context) error {
	_, out, err := s.renderCampaignPreview(r, c.Now)
	if err != nil {
		return err
	}
	return writeFrame(w, out.HTML)
}

// writeFrame answers an email's HTML for a preview frame of the console
// (same origin only), sandboxed by frameCSP.
func writeFrame(w http.ResponseWriter, html string) error {
	h := w.Header()
	h.Set("Content-Security-Policy", frameCSP)
	h.Set("X-Frame-Options", "SAMEORIGIN")
	h.Set("Content-Type", "text/html; charset=utf-8")
	_, err := w.Write([]byte(html))
	return err
}

package httpapi

import (
	"html"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/templates"
)

var (
	emailQuestion = regexp.MustCompile(`<p><strong>(.*?)</strong></p>`)
	emailEnds     = regexp.MustCompile(`color:#6b7280;">([^<]*)</td>`)
	pageQuestion  = regexp.MustCompile(`<legend>(.*?)</legend>`)
	pageEnds      = regexp.MustCompile(`<div class="ends"><span>(.*?)</span><span>(.*?)</span></div>`)
	pageLang      = regexp.MustCompile(`<html lang="([^"]+)">`)
)

// TestSurveyPageAsksWhatTheEmailAsks renders each survey email of the
// default pack and opens its survey page, for every locale of the pack and
// pt-PT (no template of its own: pt, European Portuguese, for both): the
// page asks the email's question with the email's scale labels, in the
// email's language, and names who asks.
func TestSurveyPageAsksWhatTheEmailAsks(t *testing.T) {
	t.Parallel()
	pack := campaigns.Default()
	e := newSQLiteEnv(t)
	e.s.Feedback.Survey = pack.SurveyText
	e.s.Feedback.SenderName = "Acme Customer Success"
	for _, campaign := range []string{"nps-onboarding", "csat-support"} {
		tmpl := pack.Pack.Campaign(campaign).Template
		for _, loc := range append(pack.Templates.Locales(tmpl), "pt-PT") {
			email := strings.ToLower(campaign + "." + loc + "@example.com")
			fbContacts(t, e.db, "a1", email+":"+loc)
			id := campaign + "-" + loc
			e.deliver(t, id, campaign, outreach.CategorySurvey, outreach.DeliverySent, email)

			r, err := pack.Templates.Render(tmpl, loc, templates.SampleData(outreach.CategorySurvey, loc))
			if err != nil {
				t.Fatal(err)
			}
			wantQ := firstGroup(emailQuestion, r.HTML)
			ends := emailEnds.FindAllStringSubmatch(r.HTML, -1)
			if wantQ == "" || len(ends) != 2 {
				t.Fatalf("%s/%s: cannot find the email's question and labels in:\n%s", tmpl, loc, r.HTML)
			}
			res, body := e.request(t, http.MethodGet, e.surveyPath(id, 9), "", "", nil)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%s/%s: GET page: %d", tmpl, loc, res.StatusCode)
			}
			if got := firstGroup(pageQuestion, body); got != wantQ {
				t.Errorf("%s/%s: the page asks %q, the email %q", tmpl, loc, got, wantQ)
			}
			pe := pageEnds.FindStringSubmatch(body)
			if pe == nil || html.UnescapeString(pe[1]) != html.UnescapeString(ends[0][1]) || html.UnescapeString(pe[2]) != html.UnescapeString(ends[1][1]) {
				t.Errorf("%s/%s: page labels %q, email labels %q / %q", tmpl, loc, pe, ends[0][1], ends[1][1])
			}
			if got := firstGroup(pageLang, body); got != r.Locale {
				t.Errorf("%s/%s: page in %q, email in %q", tmpl, loc, got, r.Locale)
			}
			if !strings.Contains(body, "Acme Customer Success") {
				t.Errorf("%s/%s: the page does not name the sender", tmpl, loc)
			}
		}
	}
}

func firstGroup(re *regexp.Regexp, s string) string {
	m := re.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

package templates_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/templates"
)

// packDir is the built-in default pack, loaded from disk exactly as the
// embed in campaigns/defaultpack will ship it.
const packDir = "../campaigns/defaultpack"

// categories of the default pack's templates, as its campaigns use them.
var defaultTemplates = map[string]string{
	"nps":              outreach.CategorySurvey,
	"csat":             outreach.CategorySurvey,
	"renewal-reminder": outreach.CategoryTransactional,
	"milestone":        outreach.CategoryLifecycle,
	"anniversary":      outreach.CategoryLifecycle,
	"reengagement":     outreach.CategoryLifecycle,
	"thanks-promoter":  outreach.CategoryLifecycle,
	"sorry-detractor":  outreach.CategoryLifecycle,
}

var defaultLocales = []string{"en", "pt", "fr", "ru", "hu", "id"}

func loadDefault(t *testing.T) *templates.Set {
	t.Helper()
	set, err := templates.Load(os.DirFS(packDir), "templates")
	if err != nil {
		t.Fatalf("load default pack templates:\n%v", err)
	}
	return set
}

func TestDefaultPackHasEveryTemplateAndLocale(t *testing.T) {
	set := loadDefault(t)
	for name := range defaultTemplates {
		if !set.Has(name) {
			t.Errorf("template %s is missing", name)
			continue
		}
		got := strings.Join(set.Locales(name), ",")
		for _, loc := range defaultLocales {
			if set.Resolve(name, loc) != loc {
				t.Errorf("template %s has no %s locale (has %s)", name, loc, got)
			}
		}
	}
	if got := set.Resolve("nps", "pt-BR"); got != "pt-BR" {
		t.Errorf("nps has no pt-BR override: resolves to %s", got)
	}
	if got := len(set.Names()); got != len(defaultTemplates) {
		t.Errorf("default pack has %d templates, want %d: %v", got, len(defaultTemplates), set.Names())
	}
}

func TestDefaultPackRendersEveryTemplateAndLocale(t *testing.T) {
	set := loadDefault(t)
	for name, category := range defaultTemplates {
		for _, loc := range set.Locales(name) {
			t.Run(name+"/"+loc, func(t *testing.T) {
				d := templates.SampleData(category, loc)
				r, err := set.Render(name, loc, d)
				if err != nil {
					t.Fatalf("render: %v", err)
				}
				if r.Locale != loc {
					t.Errorf("rendered locale %s, want %s", r.Locale, loc)
				}
				checkRendered(t, r, d)
				if problems := set.Check(name, category); problems != nil {
					t.Errorf("Check: %v", problems)
				}
			})
		}
	}
}

func checkRendered(t *testing.T, r *templates.Rendered, d *templates.Data) {
	t.Helper()
	if strings.TrimSpace(r.Subject) == "" || strings.ContainsAny(r.Subject, "\r\n") {
		t.Errorf("subject %q: want one non-empty line", r.Subject)
	}
	for part, s := range map[string]string{"subject": r.Subject, "text": r.Text, "html": r.HTML} {
		for _, bad := range []string{"<no value>", "%!", "{{", "<nil>", "map["} {
			if strings.Contains(s, bad) {
				t.Errorf("%s contains %q:\n%s", part, bad, s)
			}
		}
	}
	for part, s := range map[string]string{"text": r.Text, "html": r.HTML} {
		if !strings.Contains(s, d.PostalAddress) {
			t.Errorf("%s has no postal address footer:\n%s", part, s)
		}
		transactional := d.Campaign.Category == outreach.CategoryTransactional
		if has := strings.Contains(s, d.UnsubscribeURL); has == transactional {
			t.Errorf("%s: unsubscribe link present = %v for %s mail:\n%s", part, has, d.Campaign.Category, s)
		}
	}
	if d.Campaign.Category == outreach.CategorySurvey {
		for i, link := range d.SurveyLinks {
			if !strings.Contains(r.Text, fmt.Sprintf("%d: %s\n", i, link)) {
				t.Errorf("text has no line %q", fmt.Sprintf("%d: %s", i, link))
			}
			if !strings.Contains(r.HTML, fmt.Sprintf(`href="%s"`, link)) {
				t.Errorf("html has no link to %s", link)
			}
		}
	}
	if strings.Contains(strings.ToLower(r.HTML), "<script") {
		t.Errorf("html contains a script")
	}
}

// TestDefaultPackRendersForAnyContact renders the templates of lifecycle and
// transactional campaigns, which are sent without event properties, for a
// contact without a name, role or zone, in a locale the pack lacks.
func TestDefaultPackRendersForAnyContact(t *testing.T) {
	set := loadDefault(t)
	for name, category := range defaultTemplates {
		d := templates.SampleData(category, "zh-TW")
		d.Contact = templates.Person{Email: "someone@example.com"}
		d.Location = nil
		r, err := set.Render(name, "zh-TW", d)
		if err != nil {
			t.Errorf("%s: render for a bare contact: %v", name, err)
			continue
		}
		if r.Locale != "en" {
			t.Errorf("%s: zh-TW rendered in %s, want en", name, r.Locale)
		}
		if !strings.Contains(r.Text, "Hi there,") {
			t.Errorf("%s: a contact without a name is not greeted with the default:\n%s", name, r.Text)
		}
		checkRendered(t, r, d)
	}
}

// TestDefaultPackRendersWithoutOptionalData renders every template and
// locale of the default pack for a contact known only by an email address,
// whose account has no name, plan or dates, except the date its campaign's
// audience guarantees: renewal-reminder goes to accounts with a renewal
// date (renewal_within), anniversary to accounts with a start date.
func TestDefaultPackRendersWithoutOptionalData(t *testing.T) {
	set := loadDefault(t)
	started := time.Date(2023, time.November, 14, 9, 0, 0, 0, time.UTC)
	guaranteed := map[string]outreach.Account{
		"renewal-reminder": {RenewalDate: "2026-12-31"},
		"anniversary":      {StartedAt: &started},
	}
	for name, category := range defaultTemplates {
		for _, loc := range set.Locales(name) {
			a := guaranteed[name]
			org, err := templates.OrgFromAccount(&a)
			if err != nil {
				t.Fatal(err)
			}
			d := templates.BareSampleData(category, loc)
			d.Account = org
			r, err := set.Render(name, loc, d)
			if err != nil {
				t.Errorf("%s/%s: %v", name, loc, err)
				continue
			}
			checkRendered(t, r, d)
		}
	}
	d := templates.BareSampleData(outreach.CategoryTransactional, "pt")
	d.Account, _ = templates.OrgFromAccount(&outreach.Account{RenewalDate: "2026-12-31"})
	r, err := set.Render("renewal-reminder", "pt", d)
	if err != nil || !strings.Contains(r.Subject, "31 de dezembro de 2026") || !strings.Contains(r.Text, "31 de dezembro de 2026") {
		t.Errorf("renewal reminder: %v\n%+v", err, r)
	}
}

func TestDefaultPackUsesEventProperties(t *testing.T) {
	set := loadDefault(t)
	d := templates.SampleData(outreach.CategorySurvey, "en")
	d.Campaign.Key = "csat-support"
	d.Event = map[string]any{"ticket_id": float64(48213), "priority": "p2"}
	r, err := set.Render("csat", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Subject, "#48213") || !strings.Contains(r.Text, "#48213") || !strings.Contains(r.HTML, "#48213") {
		t.Errorf("ticket id not rendered:\n%s\n%s", r.Subject, r.Text)
	}

	d = templates.SampleData(outreach.CategoryLifecycle, "fr")
	d.Event = map[string]any{"milestone": "10 000 expéditions"}
	r, err = set.Render("milestone", "fr", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(r.Text, "10 000 expéditions") {
		t.Errorf("milestone not rendered:\n%s", r.Text)
	}
}

func TestDefaultPackNPSVariesOneSentenceByCampaign(t *testing.T) {
	set := loadDefault(t)
	seen := map[string]string{}
	for _, key := range []string{"nps-onboarding", "nps-qbr", "nps-renewal", "nps-other"} {
		d := templates.SampleData(outreach.CategorySurvey, "en")
		d.Campaign.Key = key
		r, err := set.Render("nps", "en", d)
		if err != nil {
			t.Fatal(err)
		}
		if other, dup := seen[r.Text]; dup {
			t.Errorf("nps renders the same text for %s and %s", key, other)
		}
		seen[r.Text] = key
	}
}

// BenchmarkRenderNPS measures one full render (subject, text, HTML with the
// scale and the layout) of the default NPS survey, with the pooled
// template copies and the pre-cut layout (render_pool.go, render_layout.go).
func BenchmarkRenderNPS(b *testing.B) {
	set, err := templates.Load(os.DirFS(packDir), "templates")
	if err != nil {
		b.Fatal(err)
	}
	d := templates.SampleData(outreach.CategorySurvey, "pt-BR")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := set.Render("nps", "pt-BR", d); err != nil {
			b.Fatal(err)
		}
	}
}

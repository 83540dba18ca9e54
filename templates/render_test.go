package templates_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/templates"
)

// setup loads a one-template set "t" (en) from a .txt body and an .html
// body, with subject "S".
func setup(t *testing.T, txtBody, html string) *templates.Set {
	t.Helper()
	set, err := templates.Load(pack(map[string]string{
		"t/en.txt":  "---\nsubject: S\n---\n" + txtBody,
		"t/en.html": html,
	}), "templates")
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return set
}

func TestRenderEscapesContactDataInHTML(t *testing.T) {
	set := setup(t, "{{greeting}} {{.Contact.Name}}\n", "<p>{{greeting}}</p><p>{{.Contact.Name}}</p><p title=\"{{.Account.Name}}\">x</p>")
	d := templates.SampleData(outreach.CategoryLifecycle, "en")
	d.Contact.Name = `<script>alert("x")</script>`
	d.Account.Name = `"><img src=x onerror=alert(1)>`
	r, err := set.Render("t", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(r.HTML, "<script") || strings.Contains(r.HTML, "<img") {
		t.Errorf("contact data not escaped:\n%s", r.HTML)
	}
	if !strings.Contains(r.HTML, "&lt;script&gt;") {
		t.Errorf("escaped name missing:\n%s", r.HTML)
	}
	// The text part is plain text: no escaping.
	if !strings.Contains(r.Text, `<script>alert("x")</script>`) {
		t.Errorf("text part altered the name:\n%s", r.Text)
	}
}

func TestRenderMissingVariableIsAnErrorNamingIt(t *testing.T) {
	set := setup(t, "Line one\nPlan: {{.Event.plan_name}}\n", "<p>ok</p>")
	for _, event := range []map[string]any{
		nil,                                     // a scheduled trigger
		{"other": "x"},                          // an event without the property
		{"plan_name": nil, "other": float64(1)}, // a JSON null is absent
	} {
		d := templates.SampleData(outreach.CategoryLifecycle, "en")
		d.Event = event
		_, err := set.Render("t", "en", d)
		var p *templates.Problem
		if !errors.As(err, &p) {
			t.Fatalf("event %v: got %v, want a *Problem", event, err)
		}
		if !strings.Contains(p.Message, "missing variable .Event.plan_name") || strings.Contains(err.Error(), "<no value>") {
			t.Errorf("event %v: message %q does not name .Event.plan_name", event, p.Message)
		}
		// Body line 2 is file line 5 (after the three front matter lines).
		if p.Path != "templates/t/en.txt" || p.Line != 5 {
			t.Errorf("event %v: at %s:%d:%d, want templates/t/en.txt:5", event, p.Path, p.Line, p.Col)
		}
	}
	d := templates.SampleData(outreach.CategoryLifecycle, "en")
	d.Event = map[string]any{"plan_name": "Scale"}
	r, err := set.Render("t", "en", d)
	if err != nil || !strings.Contains(r.Text, "Plan: Scale") {
		t.Errorf("with the property: %v %v", r, err)
	}
}

func TestRenderUnknownField(t *testing.T) {
	set := setup(t, "ok\n", "<p>\n{{.Contact.Nickname}}</p>")
	_, err := set.Render("t", "en", templates.SampleData(outreach.CategoryLifecycle, "en"))
	var p *templates.Problem
	if !errors.As(err, &p) || p.Path != "templates/t/en.html" || p.Line != 2 || !strings.Contains(p.Message, "Nickname") {
		t.Errorf("got %v", err)
	}
}

func TestRenderPrintedMissingIndexIsAnError(t *testing.T) {
	set := setup(t, "a\n{{index .Event \"ticket_id\"}}\n", "<p>ok</p>")
	_, err := set.Render("t", "en", templates.SampleData(outreach.CategorySurvey, "en"))
	var p *templates.Problem
	if !errors.As(err, &p) || p.Line != 5 || !strings.Contains(p.Message, "missing value") {
		t.Errorf("got %v, want a problem at line 5 about a missing value", err)
	}
}

func TestRenderGuardedEventProperty(t *testing.T) {
	set := setup(t, "Ticket{{with index .Event \"ticket_id\"}} #{{.}}{{end}}.\n", "<p>Ticket{{with index .Event \"ticket_id\"}} #{{.}}{{end}}.</p>")
	d := templates.SampleData(outreach.CategorySurvey, "en")
	r, err := set.Render("t", "en", d)
	if err != nil || !strings.HasPrefix(r.Text, "Ticket.\n") {
		t.Fatalf("without the property: %q %v", r, err)
	}
	// JSON numbers arrive as float64: they print as integers.
	d.Event = map[string]any{"ticket_id": float64(123456789), "nested": map[string]any{"n": nil}}
	r, err = set.Render("t", "en", d)
	if err != nil || !strings.HasPrefix(r.Text, "Ticket #123456789.\n") || !strings.Contains(r.HTML, "Ticket #123456789.") {
		t.Fatalf("with the property: %q %v", r, err)
	}
}

func TestRenderFooter(t *testing.T) {
	set, err := templates.Load(pack(map[string]string{
		"t/en.txt": okTxt, "t/en.html": okHTML,
		"t/fr.txt": okTxt, "t/fr.html": okHTML,
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	d := templates.SampleData(outreach.CategoryTransactional, "fr")
	r, err := set.Render("t", "fr", d)
	if err != nil {
		t.Fatal(err)
	}
	for _, part := range []string{r.Text, r.HTML} {
		if !strings.Contains(part, d.PostalAddress) || strings.Contains(part, d.UnsubscribeURL) {
			t.Errorf("transactional footer: want the postal address and no unsubscribe link:\n%s", part)
		}
	}

	d = templates.SampleData(outreach.CategoryMarketing, "fr")
	r, err = set.Render("t", "fr", d)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(r.Text, "Se désinscrire\u00a0: "+d.UnsubscribeURL+"\n") {
		t.Errorf("text part does not end with the localised unsubscribe link:\n%q", r.Text)
	}
	if !strings.Contains(r.HTML, `<a href="`+d.UnsubscribeURL+`"`) || !strings.Contains(r.HTML, `lang="fr"`) {
		t.Errorf("html footer:\n%s", r.HTML)
	}

	d.UnsubscribeURL = ""
	if _, err := set.Render("t", "fr", d); err == nil || !strings.Contains(err.Error(), "unsubscribe URL is required") {
		t.Errorf("marketing mail without an unsubscribe URL: err = %v", err)
	}
	d = templates.SampleData(outreach.CategoryTransactional, "fr")
	d.PostalAddress = ""
	if _, err := set.Render("t", "fr", d); err == nil || !strings.Contains(err.Error(), "postal address") {
		t.Errorf("mail without a postal address: err = %v", err)
	}
}

func TestRenderWholeDocumentKeepsItsLayout(t *testing.T) {
	set := setup(t, "Body\n", "<!DOCTYPE html>\n<html><body style=\"x\"><p>Mine</p></BODY></html>\n")
	d := templates.SampleData(outreach.CategorySurvey, "en")
	r, err := set.Render("t", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	footer := strings.Index(r.HTML, d.PostalAddress)
	if strings.Count(r.HTML, "<html") != 1 || footer < 0 || footer > strings.Index(r.HTML, "</BODY>") || footer < strings.Index(r.HTML, "Mine") {
		t.Errorf("footer not inserted before </body>:\n%s", r.HTML)
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	set, err := templates.Load(pack(map[string]string{
		"t/en.txt":  "---\nsubject: Hello {{.Contact.Name}}   {{with index .Event \"x\"}}{{.}}{{end}}\n---\nBody\n",
		"t/en.html": "<p>Body</p>",
		"e/en.txt":  "---\nsubject: {{with index .Event \"x\"}}{{.}}{{end}}\n---\nBody\n",
		"e/en.html": "<p>Body</p>",
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	d := templates.SampleData(outreach.CategoryLifecycle, "en")
	d.Contact.Name = "Jane\r\nBcc: evil@example.com"
	r, err := set.Render("t", "en", d)
	if err != nil || r.Subject != "Hello Jane Bcc: evil@example.com" {
		t.Errorf("subject = %q, %v", r.Subject, err)
	}
	_, err = set.Render("e", "en", d)
	var p *templates.Problem
	if !errors.As(err, &p) || p.Line != 2 || !strings.Contains(p.Message, "subject renders empty") {
		t.Errorf("empty subject: %v", err)
	}
}

func TestRenderNPSScale(t *testing.T) {
	set := setup(t, "Q?\n\n{{npsScale}}\n\n{{npsScale \"Bad\" \"Good\"}}\n", "{{npsScale}}{{npsScale \"Bad\" \"Good\"}}")
	d := templates.SampleData(outreach.CategorySurvey, "en")
	r, err := set.Render("t", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"(0 = Not at all likely, 10 = Extremely likely)\n0: " + d.SurveyLinks[0] + "\n", "10: " + d.SurveyLinks[10] + "\n", "(0 = Bad, 10 = Good)"} {
		if !strings.Contains(r.Text, want) {
			t.Errorf("text has no %q:\n%s", want, r.Text)
		}
	}
	for _, want := range []string{">Not at all likely<", ">Extremely likely<", ">Bad<", ">Good<", ">10</a>"} {
		if !strings.Contains(r.HTML, want) {
			t.Errorf("html has no %q", want)
		}
	}
	d.SurveyLinks = d.SurveyLinks[:10]
	if _, err := set.Render("t", "en", d); err == nil || !strings.Contains(err.Error(), "11 survey links") {
		t.Errorf("10 links: err = %v", err)
	}
	d = templates.SampleData(outreach.CategorySurvey, "en")
	d.SurveyLinks[3] = `javascript:alert(1)`
	if _, err := set.Render("t", "en", d); err == nil || !strings.Contains(err.Error(), "survey link 3") {
		t.Errorf("javascript link: err = %v", err)
	}
}

func TestDateFormats(t *testing.T) {
	set := setup(t, "{{date .Account.RenewalDate}}|{{date .Now}}|{{date \"2026-01-01\"}}\n", "<p>{{date .Account.RenewalDate}}</p>")
	for _, tt := range []struct{ locale, want string }{
		{"en", "31 December 2026|1 March 2026|1 January 2026"},
		{"pt", "31 de dezembro de 2026|1 de março de 2026|1 de janeiro de 2026"},
		{"fr", "31 décembre 2026|1er mars 2026|1er janvier 2026"},
		{"ru", "31 декабря 2026|1 марта 2026|1 января 2026"},
		{"hu", "2026. december 31.|2026. március 1.|2026. január 1."},
		{"id", "31 Desember 2026|1 Maret 2026|1 Januari 2026"},
	} {
		d := templates.SampleData(outreach.CategoryTransactional, tt.locale)
		// 1 March 02:00 UTC is still 28 February in Sao Paulo: the
		// template's language formats, the contact's zone decides the day.
		d.Now = time.Date(2026, time.March, 1, 12, 0, 0, 0, time.UTC)
		d.Location = time.FixedZone("UTC+3", 3*3600)
		rendered, err := templates.Load(pack(map[string]string{
			"t/en.txt": "---\nsubject: S\n---\nx\n", "t/en.html": "x",
			"t/" + tt.locale + ".txt":  "---\nsubject: S\n---\n{{date .Account.RenewalDate}}|{{date .Now}}|{{date \"2026-01-01\"}}\n",
			"t/" + tt.locale + ".html": "x",
		}), "templates")
		if err != nil {
			t.Fatal(err)
		}
		r, err := rendered.Render("t", tt.locale, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(r.Text, "\n"); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.locale, got, tt.want)
		}
	}

	d := templates.SampleData(outreach.CategoryTransactional, "en")
	d.Now = time.Date(2026, time.March, 1, 2, 0, 0, 0, time.UTC)
	d.Location = time.FixedZone("UTC-3", -3*3600)
	r, err := set.Render("t", "en", d)
	if err != nil || !strings.HasPrefix(r.Text, "31 December 2026|28 February 2026|") {
		t.Errorf("zone: %q %v", r.Text, err)
	}
	d.Account.RenewalDate = time.Time{}
	_, err = set.Render("t", "en", d)
	var p *templates.Problem
	if !errors.As(err, &p) || !strings.Contains(p.Message, "date .Account.RenewalDate") || !strings.Contains(p.Message, "not set") {
		t.Errorf("unset date: %v", err)
	}
}

func TestPluralAndAnniversary(t *testing.T) {
	body := "{{$n := anniversaryYears}}{{$n}} {{plural $n \"год\" \"года\" \"лет\"}}\n"
	for _, tt := range []struct {
		occurrence string
		started    time.Time
		want       string
	}{
		{"2026", time.Date(2025, 11, 14, 0, 0, 0, 0, time.UTC), "1 год"},
		{"2026", time.Date(2023, 11, 14, 0, 0, 0, 0, time.UTC), "3 года"},
		{"2026", time.Date(2015, 11, 14, 0, 0, 0, 0, time.UTC), "11 лет"},
		{"21", time.Time{}, "21 год"},
		{"", time.Date(2014, 11, 17, 0, 0, 0, 0, time.UTC), "11 лет"}, // from Now (16 Nov 2026)
	} {
		set, err := templates.Load(pack(map[string]string{
			"t/en.txt": "---\nsubject: S\n---\nx\n", "t/en.html": "x",
			"t/ru.txt": "---\nsubject: S\n---\n" + body, "t/ru.html": "x",
		}), "templates")
		if err != nil {
			t.Fatal(err)
		}
		d := templates.SampleData(outreach.CategoryLifecycle, "ru")
		d.Occurrence, d.Account.StartedAt = tt.occurrence, tt.started
		r, err := set.Render("t", "ru", d)
		if err != nil {
			t.Fatalf("%+v: %v", tt, err)
		}
		if got, _, _ := strings.Cut(r.Text, "\n"); got != tt.want {
			t.Errorf("%+v: %q, want %q", tt, got, tt.want)
		}
	}
}

func TestFirstNameAndGreeting(t *testing.T) {
	set, err := templates.Load(pack(map[string]string{
		"t/en.txt": "---\nsubject: S\n---\n{{greeting}}|{{firstName}}|{{.Contact.FirstName}}\n", "t/en.html": "x",
		"t/hu.txt": "---\nsubject: S\n---\n{{greeting}}|{{firstName}}\n", "t/hu.html": "x",
		"t/pt.txt": "---\nsubject: S\n---\n{{greeting}}|{{firstName}}\n", "t/pt.html": "x",
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ locale, name, first, want string }{
		{"en", "Jane Cooper", "", "Hi Jane,|Jane|Jane"},
		{"en", "", "", "Hi there,|there|there"},
		{"en", "Jane Cooper", "Janie", "Hi Janie,|Janie|Janie"},
		{"hu", "Kovács Anna", "", "Kedves Anna!|Anna"},
		{"hu", "", "", "Kedves Ügyfelünk!|Ügyfelünk"},
		{"pt-BR", "", "", "Olá!|cliente"},
	} {
		d := templates.SampleData(outreach.CategoryLifecycle, tt.locale)
		d.Contact.Name, d.Contact.FirstName = tt.name, tt.first
		r, err := set.Render("t", tt.locale, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(r.Text, "\n"); got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.locale, tt.name, got, tt.want)
		}
	}
}

func TestCheckReportsRenderProblems(t *testing.T) {
	set := setup(t, "{{npsScale}}\n", "<p>x</p>")
	if problems := set.Check("t", outreach.CategorySurvey); problems != nil {
		t.Errorf("survey: %v", problems)
	}
	problems := set.Check("t", outreach.CategoryLifecycle)
	if len(problems) != 1 || problems[0].Path != "templates/t/en.txt" || problems[0].Line != 4 || !strings.Contains(problems[0].Message, "npsScale") {
		t.Errorf("lifecycle: %v", problems)
	}
}

func TestOrgFromAccount(t *testing.T) {
	started := time.Date(2023, 3, 15, 9, 0, 0, 0, time.UTC)
	o, err := templates.OrgFromAccount(&outreach.Account{Name: "Acme", Plan: "Pro", RenewalDate: "2026-12-31", StartedAt: &started})
	if err != nil || o.RenewalDate != time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC) || o.StartedAt != started || o.Name != "Acme" {
		t.Errorf("got %+v %v", o, err)
	}
	if _, err := templates.OrgFromAccount(&outreach.Account{ExternalID: "a1", RenewalDate: "soon"}); err == nil {
		t.Error("a bad renewal date is accepted")
	}
}

package templates_test

import (
	"encoding/json"
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

// TestRenderNamesOnOneLine: a contact or account name with line breaks
// and control characters cannot add lines of its own to the text part.
func TestRenderNamesOnOneLine(t *testing.T) {
	set := setup(t, "Hi {{.Contact.FirstName}},\nabout {{.Account.Name}}: {{.Contact.Name}}.\n", "<p>{{.Contact.Name}}</p>")
	d := templates.SampleData(outreach.CategoryLifecycle, "en")
	d.Contact.Name = "Ana\r\n\nYour account is suspended: https://evil.example\x1b[8m"
	d.Account.Name = "Acme\nP.S."
	r, err := set.Render("t", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	want := "Hi Ana,\nabout Acme P.S.: Ana Your account is suspended: https://evil.example.\n"
	if !strings.HasPrefix(r.Text, want) {
		t.Errorf("text part:\n%q\nwant it to start with\n%q", r.Text, want)
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
		if p.File != "templates/t/en.txt" || p.Line != 5 {
			t.Errorf("event %v: at %s:%d:%d, want templates/t/en.txt:5", event, p.File, p.Line, p.Col)
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
	if !errors.As(err, &p) || p.File != "templates/t/en.html" || p.Line != 2 || !strings.Contains(p.Message, "Nickname") {
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

func TestRenderExactEventNumbers(t *testing.T) {
	set, err := templates.Load(pack(map[string]string{
		"t/en.txt": "---\nsubject: Ticket #{{.Event.ticket_id}} closed\n---\n" +
			"{{if eq .Event.replies 3}}three replies{{end}}, {{.Event.rating}}, {{.Event.big}}, {{printf \"%.2f\" .Event.hours}}\n",
		"t/en.html": "<p>#{{.Event.ticket_id}}</p>",
	}), "templates")
	if err != nil {
		t.Fatal(err)
	}
	d := templates.SampleData(outreach.CategorySurvey, "en")
	// Properties decoded exactly, as json.Decoder.UseNumber keeps them.
	d.Event = map[string]any{
		"ticket_id": json.Number("12345678901234567890"),
		"replies":   json.Number("3"),
		"rating":    json.Number("4.0"),
		"big":       json.Number("-98765432109876543210987654321"),
		"hours":     json.Number("1.5"),
	}
	r, err := set.Render("t", "en", d)
	if err != nil {
		t.Fatal(err)
	}
	if r.Subject != "Ticket #12345678901234567890 closed" || !strings.Contains(r.HTML, "#12345678901234567890") {
		t.Errorf("subject %q, html %q: the ticket id lost digits", r.Subject, r.HTML)
	}
	if want := "three replies, 4, -98765432109876543210987654321, 1.50\n"; !strings.HasPrefix(r.Text, want) {
		t.Errorf("text = %q, want it to start with %q", r.Text, want)
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
	d.Account.RenewalDate = nil
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
		d.Occurrence, d.Account.StartedAt = tt.occurrence, nil
		if !tt.started.IsZero() {
			d.Account.StartedAt = &tt.started
		}
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
		// A Cyrillic name is written given name first, whatever the
		// reader's language: the Hungarian greeting uses Анна, not Иванова.
		{"hu", "Анна Иванова", "", "Kedves Анна!|Анна"},
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
	if len(problems) != 1 || problems[0].File != "templates/t/en.txt" || problems[0].Line != 4 || !strings.Contains(problems[0].Message, "npsScale") {
		t.Errorf("lifecycle: %v", problems)
	}
}

func TestOrgFromAccount(t *testing.T) {
	started := time.Date(2023, 3, 15, 9, 0, 0, 0, time.UTC)
	o, err := templates.OrgFromAccount(&outreach.Account{Name: "Acme", Plan: "Pro", RenewalDate: "2026-12-31", StartedAt: &started})
	if err != nil || o.RenewalDate == nil || !o.RenewalDate.Equal(time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)) ||
		o.StartedAt == nil || !o.StartedAt.Equal(started) || o.Name != "Acme" {
		t.Errorf("got %+v %v", o, err)
	}
	// Unset dates are nil, so that {{with}} and {{if}} skip them.
	o, err = templates.OrgFromAccount(&outreach.Account{Name: "Acme"})
	if err != nil || o.RenewalDate != nil || o.StartedAt != nil {
		t.Errorf("account without dates: got %+v %v", o, err)
	}
	if _, err := templates.OrgFromAccount(&outreach.Account{ExternalID: "a1", RenewalDate: "soon"}); err == nil {
		t.Error("a bad renewal date is accepted")
	}
}

// TestOptionalAccountDates renders the account's optional dates for an
// account that has them and one that has not (as OrgFromAccount converts
// them): {{with}} and {{if}} skip an unset date, while printing one is an
// error naming the field, never "1 January 1" or "0001-01-01".
func TestOptionalAccountDates(t *testing.T) {
	started := time.Date(2023, time.November, 14, 9, 0, 0, 0, time.UTC)
	withDates, err := templates.OrgFromAccount(&outreach.Account{Name: "Acme", RenewalDate: "2026-12-31", StartedAt: &started})
	if err != nil {
		t.Fatal(err)
	}
	withoutDates, err := templates.OrgFromAccount(&outreach.Account{Name: "Acme"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		body       string
		set, unset string // the rendered first line, or "error: " and part of the error
	}{
		{"{{with .Account.RenewalDate}}renews {{date .}}{{end}}.", "renews 31 December 2026.", "."},
		{"{{if .Account.RenewalDate}}renews {{date .Account.RenewalDate}}{{else}}no date{{end}}", "renews 31 December 2026", "no date"},
		{"{{with .Account.StartedAt}}since {{date .}}{{end}}.", "since 14 November 2023.", "."},
		{"{{date .Account.RenewalDate}}", "31 December 2026",
			"error: templates/t/en.txt:4:3: in {{date .Account.RenewalDate}}: .Account.RenewalDate is not set for this contact; use an optional date inside {{with .Account.RenewalDate}}{{date .}}{{end}}"},
		{"x {{date .Account.StartedAt}}", "x 14 November 2023",
			"error: templates/t/en.txt:4:5: in {{date .Account.StartedAt}}: .Account.StartedAt is not set for this contact; use an optional date inside {{with .Account.StartedAt}}{{date .}}{{end}}"},
		{"{{.Account.RenewalDate.Year}}", "2026", "error: .Account.RenewalDate is not set for this contact"},
		{"x\n{{.Account.RenewalDate}}", "x", `error: templates/t/en.txt:5:1: prints an unset value ("<nil>")`},
	} {
		set := setup(t, tt.body+"\n", "<p>"+tt.body+"</p>")
		for _, c := range []struct {
			account string
			org     templates.Org
			want    string
		}{{"with dates", withDates, tt.set}, {"without dates", withoutDates, tt.unset}} {
			d := templates.SampleData(outreach.CategoryTransactional, "en")
			d.Account = c.org
			r, err := set.Render("t", "en", d)
			if wantErr, ok := strings.CutPrefix(c.want, "error: "); ok {
				if err == nil || !strings.Contains(err.Error(), wantErr) {
					t.Errorf("%q, account %s: error %v, want %q", tt.body, c.account, err, wantErr)
				}
				continue
			}
			if err != nil {
				t.Errorf("%q, account %s: %v", tt.body, c.account, err)
				continue
			}
			if got, _, _ := strings.Cut(r.Text, "\n"); got != c.want {
				t.Errorf("%q, account %s: %q, want %q", tt.body, c.account, got, c.want)
			}
			for _, bad := range []string{"0001", "January 1\n", "<nil>", "&lt;nil&gt;"} {
				if strings.Contains(r.Text, bad) || strings.Contains(r.HTML, bad) {
					t.Errorf("%q, account %s: prints %q:\n%s\n%s", tt.body, c.account, bad, r.Text, r.HTML)
				}
			}
		}
	}
}

// TestPrintedUnsetDateInHTMLIsAnError: the HTML part alone printing an
// unset date is caught too, at its position.
func TestPrintedUnsetDateInHTMLIsAnError(t *testing.T) {
	set := setup(t, "ok\n", "<p>ok</p>\n<p>{{.Account.StartedAt}}</p>")
	d := templates.SampleData(outreach.CategoryTransactional, "en")
	d.Account = templates.Org{Name: "Acme"}
	_, err := set.Render("t", "en", d)
	var p *templates.Problem
	if !errors.As(err, &p) || p.File != "templates/t/en.html" || p.Line != 2 || p.Col != 4 || !strings.Contains(p.Message, `"<nil>"`) {
		t.Errorf("got %v", err)
	}
}

func TestGreetingSkipsTitles(t *testing.T) {
	files := map[string]string{}
	for _, loc := range []string{"en", "pt", "fr", "ru", "hu", "id"} {
		files["t/"+loc+".txt"] = "---\nsubject: S\n---\n{{greeting}}|{{firstName}}\n"
		files["t/"+loc+".html"] = "x"
	}
	set, err := templates.Load(pack(files), "templates")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ locale, name, want string }{
		{"pt", "Dr. Maria da Silva", "Olá, Maria!|Maria"},
		{"pt", "dra maria souza", "Olá, maria!|maria"},
		{"pt-BR", "Sra. Ana Souza", "Olá, Ana!|Ana"},
		{"pt", "Sr.ª Ana Souza", "Olá, Ana!|Ana"},
		{"en", "Mr. John Smith", "Hi John,|John"},
		{"en", "MRS JANE DOE", "Hi JANE,|JANE"},
		{"en", "Prof. Dr. Jane Cooper", "Hi Jane,|Jane"},
		{"en", "Ms Jane Cooper", "Hi Jane,|Jane"},
		{"es", "Sra. Lucía Pérez", "Hi Lucía,|Lucía"},
		{"fr", "M. Jean Dupont", "Bonjour Jean,|Jean"},
		{"fr", "Mme Claire Martin", "Bonjour Claire,|Claire"},
		{"fr", "mlle. Claire Martin", "Bonjour Claire,|Claire"},
		{"de", "Herr Dipl.-Ing. Hans Müller", "Hi Hans,|Hans"},
		{"de", "Frau Dr. Anna Schmidt", "Hi Anna,|Anna"},
		{"it", "Dott.ssa Giulia Rossi", "Hi Giulia,|Giulia"},
		{"ru", "г-н Иван Петров", "Здравствуйте, Иван!|Иван"},
		{"ru", "Госпожа Анна Смирнова", "Здравствуйте, Анна!|Анна"},
		{"id", "Ibu Rina Wijaya", "Halo, Kak Rina!|Rina"},
		{"id", "Bpk. Budi Santoso", "Halo, Kak Budi!|Budi"},
		// Hungarian keeps the family name first: the given name is last.
		{"hu", "dr. Kovács Anna", "Kedves Anna!|Anna"},
		{"hu", "Kovács Anna PhD", "Kedves Anna!|Anna"},
		{"hu", "ifj. Kovács János", "Kedves János!|János"},
		{"hu", "Prof. Dr. Kovács Anna dr.", "Kedves Anna!|Anna"},
		// Only titles: no given name, the localised default.
		{"en", "Dr.", "Hi there,|there"},
		{"pt", "Sra.", "Olá!|cliente"},
		// Names that merely start like a title, or are given names too.
		{"en", "Drake Bell", "Hi Drake,|Drake"},
		{"fr", "Marianne Martin", "Bonjour Marianne,|Marianne"},
		{"en", "Don Draper", "Hi Don,|Don"},
		{"en", "Sig Hansen", "Hi Sig,|Sig"},
	} {
		d := templates.SampleData(outreach.CategoryLifecycle, tt.locale)
		d.Contact.Name, d.Contact.FirstName = tt.name, ""
		r, err := set.Render("t", tt.locale, d)
		if err != nil {
			t.Fatal(err)
		}
		if got, _, _ := strings.Cut(r.Text, "\n"); got != tt.want {
			t.Errorf("%s %q: %q, want %q", tt.locale, tt.name, got, tt.want)
		}
	}
}

// A pack's templates are the dispatcher's outreach.Renderer.
var _ outreach.Renderer = (*templates.Set)(nil)

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// previewEnv imports account acme with contacts ana (pt-BR) and joe (no
// locale), and a closed p2 ticket 4711 for ana.
func previewEnv(t *testing.T) map[string]string {
	t.Helper()
	env := sqliteEnv(t)
	imp := func(kind, csv string) {
		t.Helper()
		if r := run(t, env, "import", kind, writeFile(t, kind+".csv", csv)); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
	}
	imp("team", "email,name\nmaria@vendor.example,Maria Silva\n")
	imp("accounts", "external_id,name,plan,renewal_date,owner_email\nacme,Acme Logistics,business,2026-12-31,maria@vendor.example\n")
	imp("contacts", "external_id,account_external_id,email,name,role,locale\n"+
		"c1,acme,ana@example.com,Ana Souza,admin,pt-BR\nc2,acme,joe@example.com,Joe Park,user,\n")
	imp("events", "id,type,contact_external_id,occurred_at,properties\n"+
		`e1,support.ticket_closed,c1,2026-02-27T10:00:00Z,"{""ticket_id"":""4711"",""priority"":""p2""}"`+"\n")
	return env
}

func TestPreviewRendersForAContact(t *testing.T) {
	env := previewEnv(t)
	html := filepath.Join(t.TempDir(), "nps.html")
	r := run(t, env, "preview", "--campaign", "nps-onboarding", "--contact", "Ana@Example.com", "--html", html)
	if r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	// The default pack replies to the account's owner.
	for _, want := range []string{"locale pt-BR", "From: Outreach <outreach@example.com>\nReply-To: Maria Silva <maria@vendor.example>\nTo: ana@example.com", "Subject: ", "Ana", "http://127.0.0.1:8080/s/preview?score=10",
		"HTML written to " + html} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
		}
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "</html>") || !strings.Contains(string(b), "/u/preview") {
		t.Errorf("HTML file: %d bytes, %v; want a page with the unsubscribe placeholder", len(b), err)
	}

	r = run(t, env, "preview", "--campaign", "nps-onboarding", "--contact", "ana@example.com", "--locale", "fr", "--html", html)
	if r.err != nil || !strings.Contains(r.stdout, "locale fr") {
		t.Errorf("--locale fr: %v\n%s", r.err, r.stdout)
	}

	// The CSAT subject names the ticket of ana's newest closed ticket.
	r = run(t, env, "preview", "--campaign", "csat-support", "--contact", "ana@example.com", "--html", html)
	if r.err != nil || !strings.Contains(r.stdout, "#4711") {
		t.Errorf("csat for ana: %v\n%s", r.err, r.stdout)
	}
	// joe has no ticket: the template renders without one, and says so.
	r = run(t, env, "preview", "--campaign", "csat-support", "--contact", "joe@example.com", "--html", html)
	if r.err != nil || strings.Contains(r.stdout, "#") || !strings.Contains(r.stderr, "no support.ticket_closed event") {
		t.Errorf("csat for joe: %v\nstdout %s\nstderr %s", r.err, r.stdout, r.stderr)
	}
}

func TestPreviewDefaultHTMLPath(t *testing.T) {
	env := previewEnv(t)
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(wd) })
	r := run(t, env, "preview", "--campaign", "reengagement", "--contact", "joe@example.com")
	if r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "preview-reengagement.html")); err != nil {
		t.Errorf("default --html: %v\n%s", err, r.stdout)
	}
}

func TestPreviewErrors(t *testing.T) {
	env := previewEnv(t)
	html := filepath.Join(t.TempDir(), "x.html")
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--contact", "ana@example.com"}, "--campaign is required"},
		{[]string{"--campaign", "nps-onboarding"}, "--contact is required"},
		{[]string{"--campaign", "nope", "--contact", "ana@example.com"}, "use one of"},
		{[]string{"--campaign", "nps-onboarding", "--contact", "ghost@example.com"}, "no contact with email ghost@example.com"},
		{[]string{"--campaign", "nps-onboarding", "--contact", "ana@example.com", "--locale", "!!"}, "--locale"},
	}
	for _, c := range cases {
		r := run(t, env, append([]string{"preview", "--html", html}, c.args...)...)
		if r.err == nil || !strings.Contains(r.err.Error(), c.want) {
			t.Errorf("preview %v: err = %v, want %q", c.args, r.err, c.want)
		}
	}

	// A pack whose CSAT template prints a property that validation's
	// sample data (no event) never reaches, and ana's ticket lacks.
	dir := filepath.Join(t.TempDir(), "pack")
	if r := run(t, env, "init", dir); r.err != nil {
		t.Fatal(r.err)
	}
	tmpl := "---\nsubject: How did we do?\nquestion: How satisfied are you?\n---\n{{if .Event}}Agent: {{.Event.agent_name}}{{end}}\n{{npsScale}}\n"
	if err := os.WriteFile(filepath.Join(dir, "templates", "csat", "en.txt"), []byte(tmpl), 0o644); err != nil {
		t.Fatal(err)
	}
	env["OUTREACH_CAMPAIGNS"] = dir
	r := run(t, env, "preview", "--campaign", "csat-support", "--contact", "ana@example.com", "--locale", "en", "--html", html)
	if r.err == nil || !strings.Contains(r.err.Error(), "agent_name") {
		t.Errorf("missing variable: err = %v, want an error naming agent_name", r.err)
	}
}

// preview reads the pack of --campaigns DIR (like validate and simulate)
// and warns when the campaign would not reach the contact: suppressed,
// filtered out by role or plan, outside the campaign's locales.
func TestPreviewCampaignsDirAndWarnings(t *testing.T) {
	env := previewEnv(t)
	dir := filepath.Join(t.TempDir(), "pack")
	if r := run(t, env, "init", dir); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	yml := filepath.Join(dir, "campaigns.yaml")
	b, err := os.ReadFile(yml)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(b), "filter: {roles: [admin, champion]}", "filter: {roles: [admin, champion], locales: [pt]}\n    name: NPS edited", 1)
	edited = strings.Replace(edited, "    name: NPS after onboarding\n", "", 1)
	if err := os.WriteFile(yml, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(t, env, "import", "suppressions", writeFile(t, "sup.csv", "email,scope,reason\njoe@example.com,survey,asked by phone\n")); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	html := filepath.Join(t.TempDir(), "p.html")

	r := run(t, env, "preview", "--campaigns", dir, "--campaign", "nps-onboarding", "--contact", "ana@example.com", "--html", html)
	if r.err != nil || strings.Contains(r.stderr, "warning") {
		t.Errorf("ana (admin, pt-BR, not suppressed): %v\n%s", r.err, r.stderr)
	}
	r = run(t, env, "preview", "--campaigns", dir, "--campaign", "nps-onboarding", "--contact", "joe@example.com", "--html", html)
	if r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	for _, want := range []string{
		"warning: joe@example.com is suppressed (survey since 2026-03-01: asked by phone): nps-onboarding would not be sent to them",
		`warning: joe@example.com is filtered out of nps-onboarding (roles admin, champion; the contact's role is "user"`,
		`warning: joe@example.com's locale "-" is outside nps-onboarding's locales (pt)`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	// The edited pack, not the built-in one, was used.
	r = run(t, env, "preview", "--campaigns", filepath.Join(t.TempDir(), "none"), "--campaign", "nps-onboarding", "--contact", "ana@example.com", "--html", html)
	if r.err == nil || !strings.Contains(r.err.Error(), "none") {
		t.Errorf("a missing --campaigns DIR: %v", r.err)
	}
}

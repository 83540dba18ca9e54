package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/sample"
)

// runSimulate parses args with the simulate command's flags, as ParseFlags
// does, and runs it in-process.
func runSimulate(t *testing.T, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(string) string { return "" }
	m.Now = func() time.Time { return testNow }
	cmd := m.simulateCommand()
	fs := flag.NewFlagSet("outreach simulate", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	m.Config.RegisterFlags(fs)
	cmd.Flags(fs)
	pos, err := parseInterspersed(fs, args)
	if err == nil {
		err = cmd.Run(context.Background(), pos)
	}
	return result{out.String(), errb.String(), err}
}

func TestSimulateCommand(t *testing.T) {
	data := t.TempDir()
	from := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	if err := sample.Generate(3, sample.Options{Accounts: 20, From: from, Days: 14}).WriteCSV(data); err != nil {
		t.Fatal(err)
	}
	pack := filepath.Join(t.TempDir(), "pack")
	if err := campaigns.WriteDefault(pack); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(t.TempDir(), "decisions.jsonl")
	r := runSimulate(t, "--campaigns", pack,
		"--accounts", filepath.Join(data, sample.AccountsFile), "--contacts", filepath.Join(data, sample.ContactsFile),
		"--events", filepath.Join(data, sample.EventsFile), "--team", filepath.Join(data, sample.TeamFile),
		"--from", "2026-03-02T00:00:00Z", "--days", "14", "--out", logPath)
	if r.err != nil {
		t.Fatalf("simulate: %v\n%s", r.err, r.stderr)
	}
	for _, s := range []string{"campaign", "nps-onboarding", "total", "max sent in any 7 days", "digests: "} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, r.stdout)
		}
	}
	f, err := os.Open(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	lines, digests := 0, 0
	for sc.Scan() {
		var rec struct {
			At       time.Time `json:"at"`
			Decision string    `json:"decision"`
			Contact  string    `json:"contact"`
			Digest   string    `json:"digest"` // a digest sent to a team member (--team)
			Subject  string    `json:"subject"`
		}
		err := json.Unmarshal(sc.Bytes(), &rec)
		switch {
		case err == nil && rec.Digest != "" && rec.Subject != "" && !rec.At.IsZero():
			digests++
		case err != nil || rec.At.IsZero() || rec.Decision == "" || rec.Contact == "":
			t.Fatalf("log line %d %q: %v", lines+1, sc.Text(), err)
		}
		lines++
	}
	if lines == 0 || digests == 0 {
		t.Fatalf("%d log lines, %d digests: want decisions and, with --team, digests", lines, digests)
	}
	if want := fmt.Sprintf("and %d digests written to %s", digests, logPath); !strings.Contains(r.stdout, want) {
		t.Errorf("output lacks %q:\n%s", want, r.stdout)
	}
}

func TestSimulateCommandErrors(t *testing.T) {
	r := runSimulate(t, "--days", "0", "--from", "yesterday")
	if r.err == nil {
		t.Fatal("simulate without files succeeded")
	}
	for _, s := range []string{"--accounts is required", "--events is required", "--days is required", `--from "yesterday" is not an RFC 3339 time`} {
		if !strings.Contains(r.err.Error(), s) {
			t.Errorf("error lacks %q: %v", s, r.err)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--sample", "-1"}, "--sample -1: give the number of accounts to generate, at least 1"},
		{[]string{"--sample", "3", "--days", "-3"}, "--days -3: the number of days to simulate must be positive"},
		{[]string{"--sample", "3", "--days", "200000"}, "--days 200000 is too long: simulate at most 3660 days"},
		{[]string{"--sample", "3", "--days", "1", "extra"}, `unexpected argument "extra"`},
		{[]string{"--accounts", "a.csv", "--contacts", "c.csv", "--events", "e.csv", "--sample-seed", "4", "--days", "1"},
			"--sample-seed only applies with --sample N"},
		{[]string{"--accounts", "a.csv", "--contacts", "c.csv", "--events", "e.csv", "--sample-out", "dir", "--days", "1"},
			"--sample-out only applies with --sample N"},
	} {
		r := runSimulate(t, append(tc.args, "--from", "2026-03-02T00:00:00Z")...)
		if r.err == nil || !strings.Contains(r.err.Error(), tc.want) {
			t.Errorf("simulate %v: %v, want an error saying %q\n%s", tc.args, r.err, tc.want, r.stdout)
		}
	}

	// A row the store refuses is named by file and line, like a row the
	// CSV decoder refuses.
	in := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(in, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	r = runSimulate(t, "--accounts", write("a.csv", "external_id,name,timezone\nacme,Acme,UTC\n"),
		"--contacts", write("c.csv", "external_id,account_external_id,email\njane,acme,jane@acme.example\nbob,acme-typo,bob@acme.example\n"),
		"--events", write("e.csv", "id,type,contact_external_id,occurred_at\n"), "--from", "2026-03-02T00:00:00Z", "--days", "1")
	if want := `contacts CSV: line 3: account_external_id: no account has external_id "acme-typo"`; r.err == nil || !strings.Contains(r.err.Error(), want) {
		t.Errorf("contact of an unknown account: %v, want %q", r.err, want)
	}

	missing := filepath.Join(t.TempDir(), "nope.csv")
	r = runSimulate(t, "--accounts", missing, "--contacts", missing, "--events", missing, "--from", "2026-03-02T00:00:00Z", "--days", "1")
	if r.err == nil || !strings.Contains(r.err.Error(), "--accounts") {
		t.Errorf("missing file: %v", r.err)
	}
}

func TestSimulateCommandSample(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	r := runSimulate(t, "--sample", "15", "--sample-seed", "4", "--sample-out", dir, "--from", "2026-03-02T00:00:00Z", "--days", "10")
	if r.err != nil {
		t.Fatalf("simulate --sample: %v", r.err)
	}
	if !strings.Contains(r.stdout, "renewal-reminder") || !strings.Contains(r.stdout, "digests; simulated in") {
		t.Errorf("output:\n%s", r.stdout)
	}
	// The written files simulate to the same forecast.
	again := runSimulate(t, "--accounts", filepath.Join(dir, sample.AccountsFile), "--contacts", filepath.Join(dir, sample.ContactsFile),
		"--events", filepath.Join(dir, sample.EventsFile), "--team", filepath.Join(dir, sample.TeamFile),
		"--from", "2026-03-02T00:00:00Z", "--days", "10")
	if again.err != nil || again.stdout != r.stdout {
		t.Errorf("the sample's CSV files forecast differently (%v):\n%s\nvs\n%s", again.err, again.stdout, r.stdout)
	}
	// --sample-out never overwrites: a second run into the same directory
	// refuses and leaves the files as they were.
	before := mustRead(t, filepath.Join(dir, sample.EventsFile))
	r = runSimulate(t, "--sample", "3", "--sample-seed", "9", "--sample-out", dir, "--from", "2026-03-02T00:00:00Z", "--days", "2")
	if r.err == nil || !strings.Contains(r.err.Error(), "already exists") || !strings.Contains(r.err.Error(), "refusing to overwrite") {
		t.Errorf("--sample-out into a directory holding a sample: %v", r.err)
	}
	if mustRead(t, filepath.Join(dir, sample.EventsFile)) != before {
		t.Errorf("--sample-out overwrote %s", sample.EventsFile)
	}
	r = runSimulate(t, "--sample", "15", "--accounts", "a.csv", "--from", "2026-03-02T00:00:00Z", "--days", "10")
	if r.err == nil || !strings.Contains(r.err.Error(), "--sample replaces") {
		t.Errorf("--sample with --accounts: %v", r.err)
	}
}

// badPlural finds a count of one with a plural noun ("1 days").
var badPlural = regexp.MustCompile(`(^|[^\d.])1 (days|instants|stale occurrences|deferrals|team members|contacts|decisions|digests|accounts|CSMs|events|emails|lines|answers|promoters|passives|detractors)\b`)

func TestSimulateCommandSingular(t *testing.T) {
	r := runSimulate(t, "--sample", "3", "--from", "2026-03-02T00:00:00Z", "--days", "1")
	if r.err != nil {
		t.Fatal(r.err)
	}
	if !strings.Contains(r.stdout, "(1 day): ") {
		t.Errorf("no \"(1 day)\" in:\n%s", r.stdout)
	}
	if m := badPlural.FindAllString(r.stdout, -1); m != nil {
		t.Errorf("plural nouns after a count of one %q in:\n%s", m, r.stdout)
	}
}

// simulate --compare DIR runs a second pack on the same files and prints
// what it changes: a pack that adds a survey takes a CSAT's slot.
func TestSimulateCommandCompare(t *testing.T) {
	ask := map[string]string{
		"templates/ask/en.txt":  "---\nsubject: How did we do?\n---\n{{greeting}}\n\nTell us.\n",
		"templates/ask/en.html": "<p>{{greeting}}</p><p>Tell us.</p>\n",
	}
	base := `policy:
  timezone: UTC
  surveys: {cooldown: 7d}
campaigns:
  - key: csat-support
    category: survey
    priority: 70
    trigger: {event: support.ticket_closed}
    template: ask
    ttl: 3d
`
	withNPS := base + `  - key: nps-onboarding
    category: survey
    priority: 80
    trigger: {event: onboarding.completed}
    template: ask
    ttl: 3d
`
	dir := t.TempDir()
	put := func(p, content string) string {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, yaml := range map[string]string{"base": base, "nps": withNPS} {
		for f, content := range ask {
			put(filepath.Join(dir, name, f), content)
		}
		put(filepath.Join(dir, name, "campaigns.yaml"), yaml)
	}
	accounts := put(filepath.Join(dir, "accounts.csv"), "external_id,name\nacme,Acme\n")
	contacts := put(filepath.Join(dir, "contacts.csv"), "external_id,account_external_id,email,name,locale\n"+
		"jane,acme,jane@acme.example,Jane,en\nbob,acme,bob@acme.example,Bob,en\n")
	events := put(filepath.Join(dir, "events.csv"), "id,type,contact_external_id,account_external_id,occurred_at,properties\n"+
		"onb-1,onboarding.completed,jane,,2026-03-02T10:00:00Z,\n"+
		"t-1,support.ticket_closed,jane,,2026-03-03T10:00:00Z,\n"+
		"t-2,support.ticket_closed,bob,,2026-03-03T10:00:00Z,\n")
	r := runSimulate(t, "--campaigns", filepath.Join(dir, "base"), "--compare", filepath.Join(dir, "nps"),
		"--accounts", accounts, "--contacts", contacts, "--events", events, "--from", "2026-03-02T00:00:00Z", "--days", "7")
	if r.err != nil {
		t.Fatalf("simulate --compare: %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{
		"compared with " + filepath.Join(dir, "nps"),
		"  csat-support sent 2 → 1 (−1)\n",
		"  csat-support dropped by survey_cooldown 0 → 1 (+1)\n",
		"  nps-onboarding sent 0 → 1 (+1)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
}

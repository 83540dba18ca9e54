package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDigestCommand(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		env["OUTREACH_SECRET"] = "0123456789abcdef0123456789abcdef"
		env["OUTREACH_OUTBOX_DIR"] = filepath.Join(t.TempDir(), "outbox")
		imp := func(kind, csv string) {
			t.Helper()
			if r := run(t, env, "import", kind, writeFile(t, kind+".csv", csv)); r.err != nil {
				t.Fatal(r.err, r.stderr)
			}
		}
		imp("team", "email,name,timezone,digest_schedule\ncsm@vendor.example,Casey,,0 8 * * MON\nidle@vendor.example,Idle,,\n")
		// testNow is 1 March 2026: Globex renews in 20 days.
		imp("accounts", "external_id,name,owner_email,renewal_date\nglobex,Globex,csm@vendor.example,2026-03-21\n")

		r := run(t, env, "digest", "--owner", "nobody@vendor.example")
		if r.err == nil || !strings.Contains(r.err.Error(), "neither a team member nor the owner of any account") {
			t.Errorf("unknown owner: err = %v", r.err)
		}
		r = run(t, env, "digest", "--owner", "idle@vendor.example")
		if r.err == nil || !strings.Contains(r.err.Error(), "owns no accounts") || r.stdout != "" {
			t.Errorf("owner without accounts: err = %v, stdout %q", r.err, r.stdout)
		}
		if r := run(t, env, "digest", "--owner", "csm@vendor.example", "--at", "yesterday"); r.err == nil || !strings.Contains(r.err.Error(), "RFC 3339") {
			t.Errorf("bad --at: err = %v", r.err)
		}

		html := filepath.Join(t.TempDir(), "digest.html")
		r = run(t, env, "digest", "--owner", "CSM@vendor.example", "--html", html)
		if r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		for _, want := range []string{"Subject: Customer digest", "RENEWALS IN THE NEXT 90 DAYS", "Globex (globex) renews 2026-03-21 (in 20 days)",
			"http://127.0.0.1:8080/p/"} {
			if !strings.Contains(r.stdout, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
			}
		}
		if b, err := os.ReadFile(html); err != nil || !strings.Contains(string(b), "Renewals in the next 90 days") {
			t.Errorf("--html wrote %d bytes (%v)", len(b), err)
		}
		if n := countRows(t, env, "digests"); n != 0 {
			t.Errorf("printing stored %d digests, want none", n)
		}

		r = run(t, env, "digest", "--owner", "csm@vendor.example", "--at", "2026-03-02T08:00:00Z", "--send")
		if r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		files, _ := filepath.Glob(filepath.Join(env["OUTREACH_OUTBOX_DIR"], "digest-*.eml"))
		if len(files) != 1 || countRows(t, env, "digests") != 1 || countRows(t, env, "deliveries") != 0 {
			t.Errorf("--send wrote %v, %d digests, %d deliveries; want one .eml, one digest, no delivery",
				files, countRows(t, env, "digests"), countRows(t, env, "deliveries"))
		}
		r = run(t, env, "digest", "--owner", "csm@vendor.example", "--at", "2026-03-02T08:00:00Z", "--send")
		if r.err == nil || !strings.Contains(r.err.Error(), "already stored") {
			t.Errorf("second --send of one period: err = %v", r.err)
		}
	})
}

func countRows(t *testing.T, env map[string]string, table string) int {
	t.Helper()
	var n int
	if err := openDB(t, env).SQLX().Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

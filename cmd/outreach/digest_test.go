package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/internal/storetest"
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
	if err := storetest.OpenSQL(t, env["OUTREACH_DATABASE_URL"]).Get(&n, "SELECT COUNT(*) FROM "+table); err != nil {
		t.Fatal(err)
	}
	return n
}

// runAt runs outreach like run, with the clock at now.
func runAt(t *testing.T, env map[string]string, now time.Time, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	m := NewMain()
	m.Stdout, m.Stderr = &out, &errb
	m.Getenv = func(k string) string { return env[k] }
	m.Now = func() time.Time { return now }
	err := m.ParseFlags(context.Background(), args)
	if err == nil {
		err = m.Run(context.Background())
	}
	if cerr := m.Close(); cerr != nil && err == nil {
		err = cerr
	}
	return result{out.String(), errb.String(), err}
}

// A --send right after another one would send a near-copy for a period of
// milliseconds (the renewals do not depend on the period): it is refused
// for a period under an hour, whether it ends now or at --at.
func TestDigestSendRefusesNearEmptyPeriod(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		env["OUTREACH_SECRET"] = "0123456789abcdef0123456789abcdef"
		env["OUTREACH_OUTBOX_DIR"] = filepath.Join(t.TempDir(), "outbox")
		for _, imp := range [][2]string{
			{"team", "email,name,timezone,digest_schedule\ncsm@vendor.example,Casey,,0 8 * * MON\n"},
			{"accounts", "external_id,name,owner_email,renewal_date\nglobex,Globex,csm@vendor.example,2026-03-21\n" +
				"initech,Initech,temp@vendor.example,2026-03-21\n"},
		} {
			if r := run(t, env, "import", imp[0], writeFile(t, imp[0]+".csv", imp[1])); r.err != nil {
				t.Fatal(r.err, r.stderr)
			}
		}
		emails := func() int {
			files, _ := filepath.Glob(filepath.Join(env["OUTREACH_OUTBOX_DIR"], "digest-*.eml"))
			return len(files)
		}
		send := func(now time.Time, args ...string) result {
			return runAt(t, env, now, append([]string{"digest", "--owner", "csm@vendor.example", "--send"}, args...)...)
		}
		if r := send(testNow); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		if n := emails(); n != 1 {
			t.Fatalf("first --send wrote %d digests, want 1", n)
		}
		for _, r := range []result{send(testNow.Add(5 * time.Millisecond)), send(testNow, "--at", testNow.Add(30*time.Minute).Format(time.RFC3339))} {
			if r.err == nil || !strings.Contains(r.err.Error(), "at least 1 hour") || !strings.Contains(r.err.Error(), "ended at "+testNow.Format(time.RFC3339)) {
				t.Errorf("--send right after another: err = %v", r.err)
			}
		}
		if n, rows := emails(), countRows(t, env, "digests"); n != 1 || rows != 1 {
			t.Errorf("after the refused --send: %d emails, %d digests; want 1 and 1", n, rows)
		}
		// Printing shows the short period; it stores nothing.
		if r := runAt(t, env, testNow.Add(5*time.Millisecond), "digest", "--owner", "csm@vendor.example"); r.err != nil ||
			!strings.Contains(r.stdout, "Sun 1 Mar 12:00 – Sun 1 Mar 12:00 (UTC)") {
			t.Errorf("printing a short period: err = %v, stdout:\n%s", r.err, r.stdout)
		}
		// An hour on, --send sends again.
		if r := send(testNow.Add(2 * time.Hour)); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		if n := emails(); n != 2 {
			t.Errorf("--send two hours later: %d emails, want 2", n)
		}

		// The same for an owner of accounts who is not a team member: their
		// previous digest is found by owner all the same.
		temp := func(now time.Time) result {
			return runAt(t, env, now, "digest", "--owner", "temp@vendor.example", "--send")
		}
		if r := temp(testNow); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		if r := temp(testNow.Add(5 * time.Millisecond)); r.err == nil || !strings.Contains(r.err.Error(), "at least 1 hour") {
			t.Errorf("second --send for an owner who is no team member: err = %v", r.err)
		}
		if n := emails(); n != 3 {
			t.Errorf("%d emails, want 3", n)
		}
	})
}

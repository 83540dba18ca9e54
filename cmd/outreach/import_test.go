package main

import (
	"context"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

// TestImportListsEveryProblem: one run names every bad row, whether the
// problem is a field (a NUL character, a time out of range, a bad email)
// or a reference, on both databases alike, and imports nothing.
func TestImportListsEveryProblem(t *testing.T) {
	eachDatabase(t, func(t *testing.T, env map[string]string) {
		if r := run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accountsCSV)); r.err != nil {
			t.Fatal(r.err, r.stderr)
		}
		path := writeFile(t, "contacts.csv", "email,external_id,account_external_id,name\n"+
			"ana@example.com,c1,acme,Ana\n"+
			"not-an-email,c2,acme,\n"+
			"bob@example.com,c3,nope,\n"+
			"carl@example.com,c4,acme,Ca\x00rl\n")
		r := run(t, env, "import", "contacts", path)
		if r.err == nil || !strings.Contains(r.err.Error(), "3 rows invalid, nothing imported") {
			t.Fatalf("err = %v\n%s", r.err, r.stderr)
		}
		for _, want := range []string{
			path + ":3: column email: \"not-an-email\" is not a valid email address\n",
			path + `:4: column account_external_id: no account has external_id "nope": import the account first` + "\n",
			path + `:5: column name: contains a NUL character (\u0000), which cannot be stored: remove it` + "\n",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		if _, err := openDB(t, env).Timeline(context.Background(), "ana@example.com"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("a row of a file with an error was imported: %v", err)
		}

		// --skip-invalid writes the one good row and lists the three others once.
		r = run(t, env, "import", "contacts", path, "--skip-invalid")
		if r.err != nil || !strings.Contains(r.stdout, "1 created, 0 updated, 0 duplicates, 3 rows rejected") {
			t.Fatalf("err = %v, stdout = %s, stderr = %s", r.err, r.stdout, r.stderr)
		}
		if n := strings.Count(r.stderr, ":4: column account_external_id"); n != 1 {
			t.Errorf("the unknown account is listed %d times:\n%s", n, r.stderr)
		}

		events := writeFile(t, "events.csv", "ID,Type,Contact_External_ID,Occurred_At\n"+
			"e1,ticket.closed,c1,9999-12-31T23:59:59Z\n"+
			"e2,ticket.closed,c9,2026-02-01T10:00:00Z\n"+
			"e3,ticket.closed,c1,2026-02-01T10:00:00Z\n")
		r = run(t, env, "import", "events", events)
		for _, want := range []string{
			events + `:2: column occurred_at: "9999-12-31T23:59:59Z" is out of range: use a year from 1970 to 2200` + "\n",
			events + `:3: column contact_external_id: no contact has external_id "c9": import the contact first` + "\n",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		if r.err == nil || strings.Contains(r.stderr, ":1:") {
			t.Errorf("err = %v; the header in another case must be accepted:\n%s", r.err, r.stderr)
		}
	})
}

// TestImportRefusesLookAlikeAddresses: a CSV import names each row whose
// address is a look-alike (invisible character, mixed-script domain) and
// imports nothing; the suppressions file is checked the same way, and a
// valid address is stored in its canonical form.
func TestImportRefusesLookAlikeAddresses(t *testing.T) {
	env := sqliteEnv(t)
	if r := run(t, env, "import", "accounts", writeFile(t, "accounts.csv", accountsCSV)); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	path := writeFile(t, "contacts.csv", "email,account_external_id\n"+
		"Ana@Example.COM ,acme\n"+
		"id5\u200b@inj.example,acme\n"+
		"id6@inj.examp\u00adle,acme\n"+
		"id7@inj.ex\u0430mple,acme\n")
	r := run(t, env, "import", "contacts", path)
	if r.err == nil || !strings.Contains(r.err.Error(), "3 rows invalid, nothing imported") {
		t.Fatalf("err = %v\n%s", r.err, r.stderr)
	}
	for _, want := range []string{
		path + `:3: column email: "id5\u200b@inj.example" contains an invisible character (U+200B)`,
		path + `:4: column email: "id6@inj.examp\u00adle" contains an invisible character (U+00AD)`,
		path + `:5: column email: "id7@inj.ex\u0430mple": the domain label "ex\u0430mple" mixes Cyrillic and Latin letters`,
	} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
		}
	}
	sup := writeFile(t, "suppressions.csv", "email,scope\nid5\u200b@inj.example,all\n")
	if r := run(t, env, "import", "suppressions", sup); r.err == nil || !strings.Contains(r.stderr, sup+`:2: column email: "id5\u200b@inj.example" contains an invisible character`) {
		t.Errorf("suppressions: err = %v\n%s", r.err, r.stderr)
	}
	if r := run(t, env, "import", "contacts", path, "--skip-invalid"); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	if _, err := openDB(t, env).Timeline(context.Background(), "ana@example.com"); err != nil {
		t.Errorf("Ana@Example.COM was not imported as ana@example.com: %v", err)
	}
	// An IDN domain is stored in ASCII form; the CLI finds it as typed.
	idn := writeFile(t, "idn.csv", "email,account_external_id\njosé@Bücher.example,acme\n")
	if r := run(t, env, "import", "contacts", idn); r.err != nil {
		t.Fatal(r.err, r.stderr)
	}
	if r := run(t, env, "explain", "--contact", "José@bücher.EXAMPLE"); r.err != nil || !strings.HasPrefix(r.stdout, "josé@xn--bcher-kva.example") {
		t.Errorf("explain: err = %v, stdout = %s", r.err, r.stdout)
	}
	if r := run(t, env, "explain", "--contact", "id7@inj.ex\u0430mple"); r.err == nil || !strings.Contains(r.err.Error(), "--contact:") {
		t.Errorf("explain of a look-alike: err = %v", r.err)
	}
}

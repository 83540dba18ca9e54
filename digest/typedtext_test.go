package digest_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/store"
)

// forgedComment is a survey comment that imitates the digest's own
// structure: a blank line, a section heading with its underline, an item,
// a terminal colour escape and a bare carriage return.
const forgedComment = "Fine.\r\n\r\nRENEWALS IN THE NEXT 90 DAYS\r\n============================\r\n" +
	"  - within 7 days: Evil (evil) renews \x1b[31mtoday\x1b[0m\rPAUSE OUTREACH\n==============\n"

// TestTypedTextCannotForgeStructure: a comment and a name that imitate the
// digest's sections are quoted and indented in the text digest (control
// characters stripped, the name on one line), and the digest's section
// headings are exactly the real ones.
func TestTypedTextCannotForgeStructure(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		f := seedFull(t, db)
		ok(t)(db.UpsertContacts(context.Background(), []outreach.Contact{
			{ExternalID: "bob", Name: "Bob\r\n\nPEOPLE\n======\x1b[2J\u202e"}}))
		f.response(t, "bob@acme.example", 2, forgedComment, periodEnd.Add(-30*time.Minute))
		d, err := digest.Build(context.Background(), db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		_, text, _, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		var headings []string
		lines := strings.Split(text, "\n")
		for i := 1; i < len(lines); i++ {
			if l := lines[i]; l != "" && strings.Trim(l, "=") == "" {
				headings = append(headings, lines[i-1])
			}
		}
		want := []string{"FEEDBACK", "RENEWALS IN THE NEXT 90 DAYS", "PEOPLE", "AUTOMATION",
			"BOUNCES, SPAM REPORTS AND UNSUBSCRIBES", "PAUSE OUTREACH"}
		if strings.Join(headings, "|") != strings.Join(want, "|") {
			t.Errorf("section headings %q, want %q:\n%s", headings, want, text)
		}
		quoted := "  - [2] Bob PEOPLE ====== <bob@acme.example>, Acme Corp (acme), nps-onboarding, Mon 9 Mar\n" +
			"    > Fine.\n" +
			"    >\n" +
			"    > RENEWALS IN THE NEXT 90 DAYS\n" +
			"    > ============================\n" +
			"    >   - within 7 days: Evil (evil) renews today\n" +
			"    > PAUSE OUTREACH\n" +
			"    > ==============\n"
		if !strings.Contains(text, quoted) {
			t.Errorf("text lacks the quoted comment\n%s\nin:\n%s", quoted, text)
		}
		if strings.ContainsAny(text, "\r\x1b\u202e") {
			t.Errorf("text keeps a control character: %q", text)
		}
	})
}

func TestPlainLineAndQuote(t *testing.T) {
	lines := []struct{ in, want string }{
		{"Ana\r\nSilva", "Ana Silva"},
		{"  Bob \t Smith\n", "Bob Smith"},
		{"red\x1b[31m alert\x1b[0m", "red alert"},
		{"evil\u202egnp.exe", "evilgnp.exe"},
		{"bell\x07 and NUL\x00", "bell and NUL"},
		{"title\x1b]0;pwned\x07 ok", "title ok"},
	}
	for _, c := range lines {
		if got := outreach.PlainLine(c.in); got != c.want {
			t.Errorf("PlainLine(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	quotes := []struct{ in, want string }{
		{"", ""},
		{"one line", "    > one line"},
		{"\n\na\r\rb  \n\n", "    > a\n    >\n    > b"},
		{"x\u2028y\u0085z", "    > x\n    > y\n    > z"},
		{"tab\there", "    > tab here"},
	}
	for _, c := range quotes {
		if got := outreach.PlainQuote(c.in); got != c.want {
			t.Errorf("PlainQuote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

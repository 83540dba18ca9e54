package digest_test

import (
	"context"
	"html"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// TestErasureRedactsStoredDigests stores real digests that name Bob (his
// label, his comments, a changed comment, a digest in the format before
// comments were quoted), erases him, and reads the digests table: none of
// his name, address or comments is left, in text or HTML, while the rest
// of each digest (Jane's answer, the headings) is unchanged.
func TestErasureRedactsStoredDigests(t *testing.T) {
	eachDialect(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		f := seedFull(t, db)
		const name = "Bob O'Hara & Sons"
		ok(t)(db.UpsertContacts(ctx, []outreach.Contact{{ExternalID: "bob", Name: name}}))
		before := "We pay <too much> + get \"too little\".\nRENEWALS IN THE NEXT 90 DAYS\nok"
		f.response(t, "bob@acme.example", 2, before, periodEnd.Add(-30*time.Minute))
		store := func(end time.Time, text, html string) {
			if _, err := db.InsertDigest(ctx, outreach.DigestRecord{OwnerEmail: csm, PeriodStart: end.Add(-7 * 24 * time.Hour),
				PeriodEnd: end, State: outreach.DigestSent, Subject: "s", Text: text, HTML: html}); err != nil {
				t.Fatal(err)
			}
		}
		d, err := digest.Build(ctx, db, casey, periodStart, periodEnd, pack)
		if err != nil {
			t.Fatal(err)
		}
		_, text, htmlBody, err := digest.Render(d, signer(t), "https://outreach.example")
		if err != nil {
			t.Fatal(err)
		}
		store(periodEnd, text, htmlBody)
		// The format before comments were quoted, one week earlier.
		old := "Detractors (0-6):\n  - [2] " + name + " <bob@acme.example>, Acme Corp (acme), nps-onboarding, Mon 9 Mar\n" +
			`    "` + before + `"` + "\n  - [3] Jane Doe <jane@acme.example>, Acme Corp (acme)\n    \"Too slow since the update\"\n"
		oldHTML := `<li style="margin-bottom:6px;"><strong>2</strong> · ` + html.EscapeString(name+" <bob@acme.example>") +
			` · Acme Corp (acme)<br><em style="color:#57606a;">“` + html.EscapeString(before) + `”</em></li>`
		store(periodEnd.Add(-7*24*time.Hour), old, oldHTML)
		// Bob changes his comment after the digests went out.
		after := "Changed my mind"
		raw := storetest.SQL(t, db)
		if _, err := raw.Exec(raw.Rebind(`UPDATE survey_responses SET comment = ? WHERE comment = ?`), after, before); err != nil {
			t.Fatal(err)
		}

		if err := db.EraseContact(ctx, "bob@acme.example"); err != nil {
			t.Fatal(err)
		}
		var rows []struct{ Text, HTML string }
		if err := storetest.SQL(t, db).Select(&rows, `SELECT text, html FROM digests ORDER BY period_end`); err != nil {
			t.Fatal(err)
		}
		if len(rows) != 2 {
			t.Fatalf("%d digests, want 2", len(rows))
		}
		gone := []string{"bob@acme.example", "O'Hara", "O&#39;Hara", "Bob ", "too much", "too little", "Love it"}
		for i, r := range rows {
			for _, body := range []string{r.Text, r.HTML} {
				for _, g := range gone {
					if strings.Contains(body, g) {
						t.Errorf("digest %d still holds %q:\n%s", i, g, body)
					}
				}
			}
		}
		if !strings.Contains(rows[0].Text, "Too slow since the update") || !strings.Contains(rows[1].Text, "Jane Doe <jane@acme.example>") ||
			!strings.Contains(rows[1].HTML, "Too slow since the update") || !strings.Contains(rows[1].Text, "RENEWALS IN THE NEXT 90 DAYS\n====") {
			t.Errorf("erasure removed more than Bob:\n%s\n%s", rows[0].Text, rows[1].Text)
		}
		if !strings.Contains(rows[1].Text, "  - [2] "+outreach.Erased+", Acme Corp (acme), nps-onboarding, Mon 9 Mar\n"+
			outreach.QuotePrefix+outreach.ErasedComment+"\n") {
			t.Errorf("Bob's answer is not redacted in place:\n%s", rows[1].Text)
		}
	})
}

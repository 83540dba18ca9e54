package alerting_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestAlertEmailUsesTheSenderIdentity: the alert email comes from the
// policy's from and reply_to (the sender identity campaigns and digests
// use), not from OUTREACH_MAIL_FROM; "owner" as reply_to is skipped, the
// alert going to the owner.
func TestAlertEmailUsesTheSenderIdentity(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		for _, tc := range []struct {
			name                 string
			identity             outreach.Identity
			from, name2, replyTo string
		}{
			{"policy addresses", outreach.Identity{From: "Customer Success <cs@vendor.example>", ReplyTo: "help@vendor.example"}, "cs@vendor.example", "Customer Success", "help@vendor.example"},
			{"owner is skipped", outreach.Identity{From: outreach.Owner, ReplyTo: outreach.Owner}, "outreach@vendor.example", "Outreach", ""},
		} {
			t.Run(tc.name, func(t *testing.T) {
				b := setup(t, dialect)
				pack := b.w.Pack()
				pack.Policy.Identity = tc.identity
				b.w.Window = -1
				b.answer(t, "ann", 2, "")
				b.tick(t, t0.Add(time.Second))
				msgs := b.mail.Messages()
				if len(msgs) != 1 {
					t.Fatalf("alert emails = %d", len(msgs))
				}
				m := msgs[0]
				if m.From != tc.from || m.FromName != tc.name2 || m.ReplyTo != tc.replyTo {
					t.Errorf("From %q <%s>, Reply-To %q; want %q <%s>, %q", m.FromName, m.From, m.ReplyTo, tc.name2, tc.from, tc.replyTo)
				}
			})
		}
	})
}

// TestUnsubscribedAnswersStillAlert: a detractor who has since
// unsubscribed still alerts the owner (they want to know), and the email,
// Slack and Teams messages say "unsubscribed" next to that person only.
func TestUnsubscribedAnswersStillAlert(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		b.slack.failures = 0
		b.w.Window = -1
		if _, err := b.db.AddSuppressions(context.Background(), []outreach.Suppression{{Email: "bob@acme.example", Scope: outreach.ScopeAll, Reason: "one-click unsubscribe"}}); err != nil {
			t.Fatal(err)
		}
		b.answer(t, "ann", 3, "")
		b.answer(t, "bob", 1, "")
		b.tick(t, t0.Add(time.Second))
		msgs := b.mail.Messages()
		if len(msgs) != 1 {
			t.Fatalf("alert emails = %d, want 1 (the unsubscribed detractor alerts too)", len(msgs))
		}
		text := msgs[0].Text
		if !strings.Contains(text, "bob@acme.example>, champion (unsubscribed)") || strings.Count(text, "(unsubscribed)") != 1 {
			t.Errorf("alert text does not mark bob (only) unsubscribed:\n%s", text)
		}
		if !strings.Contains(msgs[0].HTML, "(unsubscribed)") {
			t.Errorf("alert HTML:\n%s", msgs[0].HTML)
		}
		bodies, _ := b.slack.got()
		if len(bodies) != 1 || !strings.Contains(string(bodies[0]), "(unsubscribed)") {
			t.Errorf("slack = %q", bodies)
		}
	})
}

package digest_test

import (
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
)

// TestDigestSenderIdentity: a digest comes from the policy's from and
// reply_to addresses; "owner" is skipped (the digest goes to the owner),
// leaving OUTREACH_MAIL_FROM and no Reply-To.
func TestDigestSenderIdentity(t *testing.T) {
	rec := outreach.DigestRecord{OwnerEmail: "maria@vendor.example", PeriodEnd: time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), Subject: "s", Text: "t"}
	for _, tt := range []struct {
		policy                  outreach.Identity
		from, fromName, replyTo string
	}{
		{outreach.Identity{}, "outreach@vendor.example", "Outreach", ""},
		{outreach.Identity{From: "CS Ops <ops@vendor.example>", ReplyTo: "help@vendor.example"}, "ops@vendor.example", "CS Ops", "help@vendor.example"},
		{outreach.Identity{From: outreach.Owner, ReplyTo: outreach.Owner}, "outreach@vendor.example", "Outreach", ""},
	} {
		pack := &outreach.Pack{Policy: outreach.Policy{Identity: tt.policy}}
		r := &digest.Runner{From: "Outreach <outreach@vendor.example>", Pack: func() *outreach.Pack { return pack }}
		m, err := r.Message(rec, "Maria")
		if err != nil {
			t.Fatal(err)
		}
		if m.From != tt.from || m.FromName != tt.fromName || m.ReplyTo != tt.replyTo {
			t.Errorf("policy %+v: From %q <%s>, Reply-To %q; want %q <%s>, %q", tt.policy, m.FromName, m.From, m.ReplyTo, tt.fromName, tt.from, tt.replyTo)
		}
	}
}

package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

// minSendPeriod is the shortest period `digest --send` sends: a digest
// right after the previous one would repeat the renewals and add next to
// nothing (two --send in a row, or one just after the scheduled run).
const minSendPeriod = time.Hour

func (m *Main) digestCommand() *command {
	var owner, at, htmlFile string
	var send bool
	return &command{
		Usage:   "digest --owner EMAIL [--at RFC3339] [--html FILE] [--send]",
		Summary: "print a CSM's digest for the period ending at --at (default now) since their previous digest (or 7 days)",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&owner, "owner", "", "the team member (accounts.owner_email) whose digest to build")
			fs.StringVar(&at, "at", "", "end of the period, RFC 3339 (default now)")
			fs.StringVar(&htmlFile, "html", "", "also write the HTML version to this file")
			fs.BoolVar(&send, "send", false, "store the digest and send it through the configured sender (refused for a period under 1 hour)")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, "digest --owner EMAIL [--at RFC3339] [--html FILE] [--send]"); err != nil {
				return err
			}
			return m.runDigest(ctx, owner, at, htmlFile, send)
		},
	}
}

func (m *Main) runDigest(ctx context.Context, owner, at, htmlFile string, send bool) error {
	if strings.TrimSpace(owner) == "" {
		return fmt.Errorf("--owner is required: the email of a team member who owns accounts")
	}
	owner, err := outreach.CanonicalEmail(owner)
	if err != nil {
		return fmt.Errorf("--owner: %v", err)
	}
	owner = strings.ToLower(owner)
	to := m.Now().UTC()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("--at %q is not an RFC 3339 time (e.g. 2026-03-09T08:00:00Z)", at)
		}
		to = t.UTC()
	}
	to = to.Truncate(time.Millisecond) // the stored precision
	db, err := m.openExisting(ctx)
	if err != nil {
		return err
	}
	member := outreach.TeamMember{Email: owner}
	var last *time.Time // the end of the owner's latest stored digest
	known := true
	switch dm, err := db.DigestMember(ctx, owner); {
	case outreach.ErrorCode(err) == outreach.ENOTFOUND:
		// An owner of accounts who is not a team member: --send stores
		// their digests all the same.
		known = false
		if last, err = db.LastDigestEnd(ctx, owner); err != nil {
			return err
		}
	case err != nil:
		return err
	default:
		member, last = dm.TeamMember, dm.LastPeriodEnd
	}
	from := digest.PeriodFrom(last, to)
	if period := to.Sub(from); send && period < minSendPeriod {
		if period >= time.Second {
			period = period.Round(time.Second)
		}
		return fmt.Errorf("not sent: the previous digest of %s ended at %s, %s before the end of this one (%s); --send needs a period of at least %s: wait, or pass a later --at",
			owner, from.Format(time.RFC3339Nano), period, to.Format(time.RFC3339Nano), plural(int(minSendPeriod/time.Hour), "hour"))
	}
	loaded, err := loadPack(m.Config.Campaigns)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid (its policy timezone is the digest's fallback, and it tells CSAT surveys from NPS ones):\n%w", packName(m.Config.Campaigns), err)
	}
	d, err := digest.Build(ctx, db, member, from, to, loaded.Pack)
	if err != nil {
		return err
	}
	if len(d.Accounts) == 0 {
		if !known {
			return fmt.Errorf("%s is neither a team member nor the owner of any account: check the address, or import them with `outreach import team FILE.csv` and set owner_email on their accounts", owner)
		}
		return fmt.Errorf("%s owns no accounts, so there is no digest to build: set owner_email = %s on their accounts (`outreach import accounts FILE.csv`)", owner, owner)
	}
	signer, err := m.linkSigner(ctx, db)
	if err != nil {
		return err
	}
	subject, text, html, err := digest.Render(d, signer, m.Config.PublicURL)
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "Subject: %s\n\n%s", subject, text)
	if d.Empty() {
		fmt.Fprintf(m.Stdout, "\nNothing to report for %s in this period: the digest would not be sent.\n", owner)
	}
	if htmlFile != "" {
		if err := os.WriteFile(htmlFile, []byte(html), 0o644); err != nil {
			return fmt.Errorf("--html: %w", err)
		}
	}
	if !send {
		return nil
	}
	if d.Empty() {
		return fmt.Errorf("not sent: the digest of %s has nothing to report", owner)
	}
	return m.sendDigest(ctx, db, signer, member, from, to, loaded.Pack)
}

// sendDigest stores and sends the digest through the configured sender.
func (m *Main) sendDigest(ctx context.Context, db *store.DB, signer *links.Signer, member outreach.TeamMember, from, to time.Time, pack *outreach.Pack) error {
	sender, where, err := m.mailSender(false)
	if err != nil {
		return err
	}
	r := &digest.Runner{Store: db, Sender: sender, Signer: signer, PublicURL: m.Config.PublicURL,
		From: m.Config.MailFrom, Pack: func() *outreach.Pack { return pack }, Logger: m.Logger}
	sent, err := r.SendDigest(ctx, member, from, to, m.Now())
	if err != nil {
		return err
	}
	if !sent {
		return fmt.Errorf("not sent: a digest of %s for the period ending %s was already stored; pick another --at", member.Email, to.Format(time.RFC3339))
	}
	fmt.Fprintf(m.Stderr, "digest sent to %s through %s\n", member.Email, where)
	return nil
}

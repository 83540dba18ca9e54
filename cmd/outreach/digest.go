package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/eml"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/store"
)

// linkSecretSetting is the settings key of the generated link-signing
// secret used when OUTREACH_SECRET is unset.
const linkSecretSetting = "link_secret"

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
			fs.BoolVar(&send, "send", false, "store the digest and send it through the configured sender")
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
	owner = strings.ToLower(strings.TrimSpace(owner))
	if owner == "" {
		return fmt.Errorf("--owner is required: the email of a team member who owns accounts")
	}
	to := m.Now().UTC()
	if at != "" {
		t, err := time.Parse(time.RFC3339, at)
		if err != nil {
			return fmt.Errorf("--at %q is not an RFC 3339 time (e.g. 2026-03-09T08:00:00Z)", at)
		}
		to = t.UTC()
	}
	to = to.Truncate(time.Millisecond) // the stored precision
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	member := outreach.TeamMember{Email: owner}
	from := to.Add(-digest.FirstPeriod)
	known := true
	switch dm, err := db.DigestMember(ctx, owner); {
	case outreach.ErrorCode(err) == outreach.ENOTFOUND:
		known = false
	case err != nil:
		return err
	default:
		member = dm.TeamMember
		if dm.LastPeriodEnd != nil && dm.LastPeriodEnd.Before(to) {
			from = *dm.LastPeriodEnd
		}
	}
	loaded, err := loadPack(m.Config.Campaigns)
	if err != nil {
		return fmt.Errorf("campaign pack %s is invalid (its policy timezone is the digest's fallback):\n%w", packName(m.Config.Campaigns), err)
	}
	policyTZ := loaded.Pack.Policy.Timezone
	d, err := digest.Build(ctx, db, member, from, to, policyTZ)
	if err != nil {
		return err
	}
	if len(d.Accounts) == 0 {
		if !known {
			return fmt.Errorf("%s is neither a team member nor the owner of any account: check the address, or import them with `outreach import team FILE.csv` and set owner_email on their accounts", owner)
		}
		return fmt.Errorf("%s owns no accounts, so there is no digest to build: set owner_email = %s on their accounts (`outreach import accounts FILE.csv`)", owner, owner)
	}
	signer, err := m.digestSigner(ctx, db)
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
	return m.sendDigest(ctx, db, signer, member, from, to, policyTZ)
}

// sendDigest stores and sends the digest through the configured sender.
func (m *Main) sendDigest(ctx context.Context, db *store.DB, signer *links.Signer, member outreach.TeamMember, from, to time.Time, policyTZ string) error {
	var sender outreach.Sender = eml.New(m.Config.OutboxDir, m.Now)
	where := "the outbox directory " + m.Config.OutboxDir
	if m.Config.SendGridAPIKey != "" {
		sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: m.Config.SendGridAPIKey, APIURL: m.Config.SendGridAPIURL,
			PostalAddress: m.Config.PostalAddress, RatePerSecond: m.Config.SendRate, Now: m.Now})
		if err != nil {
			return err
		}
		sender, where = sg, "SendGrid"
	}
	r := &digest.Runner{Store: db, Sender: sender, Signer: signer, PublicURL: m.Config.PublicURL,
		From: m.Config.MailFrom, PolicyTZ: func() string { return policyTZ }, Logger: m.Logger}
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

// digestSigner returns the link signer: OUTREACH_SECRET, or the secret
// generated once and kept in the database.
func (m *Main) digestSigner(ctx context.Context, db *store.DB) (*links.Signer, error) {
	if len(m.Config.Secrets) > 0 {
		return links.NewSigner(strings.Join(m.Config.Secrets, ","))
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("generate link secret: %w", err)
	}
	secret, err := db.SetSettingIfAbsent(ctx, linkSecretSetting, base64.RawURLEncoding.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return links.NewSigner(secret)
}

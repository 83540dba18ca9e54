package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/eml"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/smtp"
	"github.com/outreach-dev/outreach/store"
)

// linkSecretSetting is the settings key of the link secret generated when
// OUTREACH_SECRET is unset, so that every replica and every command signs
// with the same key.
const linkSecretSetting = "link_secret"

// linkSigner returns the signer of public links: OUTREACH_SECRET, or the
// secret generated once and kept in the database.
func (m *Main) linkSigner(ctx context.Context, db *store.DB) (*links.Signer, error) {
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

// mailSender returns the configured sender and a phrase naming where mail
// goes: SendGrid with a key, else SMTP with OUTREACH_SMTP_URL, else .eml
// files in the outbox directory, and a recorder that sends nothing for dry
// runs.
func (m *Main) mailSender(dryRun bool) (outreach.Sender, string, error) {
	switch {
	case dryRun:
		return &dispatch.Recorder{DryRun: true, Keep: 1000}, "nowhere (dry run)", nil
	case m.Config.SendGridAPIKey != "":
		sg, err := sendgrid.NewSender(sendgrid.Config{APIKey: m.Config.SendGridAPIKey, APIURL: m.Config.SendGridAPIURL,
			PostalAddress: m.Config.PostalAddress, RatePerSecond: m.Config.SendRate, Now: m.Now})
		if err != nil {
			return nil, "", err
		}
		return sg, "SendGrid at " + m.Config.SendGridAPIURL, nil
	case m.Config.SMTPURL != "":
		s, err := smtp.NewSender(smtp.Config{URL: m.Config.SMTPURL, PostalAddress: m.Config.PostalAddress,
			RatePerSecond: m.Config.SendRate, Now: m.Now})
		if err != nil {
			return nil, "", err
		}
		return s, "the " + s.Endpoint().String(), nil
	}
	out := eml.New(m.Config.OutboxDir, m.Now)
	out.PostalAddress = m.Config.PostalAddress
	return out, "the outbox directory " + m.Config.OutboxDir, nil
}

// splitFrom splits OUTREACH_MAIL_FROM ("Name <addr>" or "addr").
func splitFrom(from string) (addr, name string, err error) {
	a, err := outreach.ParseMailbox(from)
	if err != nil {
		return "", "", fmt.Errorf("OUTREACH_MAIL_FROM %q is not an email address: %w", from, err)
	}
	return a.Address, a.Name, nil
}

// processID names this process among the replicas (claimed_by).
func processID() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s-%d-%x", host, os.Getpid(), b)
}

// insecurePublicURL reports whether links built on u would travel in clear
// text to a non-loopback host: fine for a laptop, not for real customers.
func insecurePublicURL(u string) bool {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "https" {
		return false
	}
	host := p.Hostname()
	if host == "localhost" {
		return false
	}
	ip := net.ParseIP(host)
	return ip == nil || !ip.IsLoopback()
}

// wiring is what serve builds once and shares: one link signer, one sender
// (so OUTREACH_SEND_RATE is per process), the feedback endpoints and the
// digest runner.
type wiring struct {
	signer   *links.Signer
	sender   outreach.Sender
	feedback *httpapi.Feedback
	digests  *digest.Runner
	webhook  bool
}

// wire builds serve's shared pieces from the configuration.
func (m *Main) wire(ctx context.Context, db *store.DB) (*wiring, error) {
	w := &wiring{}
	var err error
	if w.signer, err = m.linkSigner(ctx, db); err != nil {
		return nil, err
	}
	var where string
	if w.sender, where, err = m.mailSender(m.dryRun); err != nil {
		return nil, err
	}
	m.Logger.Info("mail goes to "+where, "dry_run", m.dryRun)
	if outbox, ok := w.sender.(*eml.Sender); ok {
		// A process killed while writing leaves a temporary file; recovery
		// writes its delivery again.
		if n, err := outbox.Clean(); err != nil {
			return nil, fmt.Errorf("OUTREACH_OUTBOX_DIR: %w", err)
		} else if n > 0 {
			m.Logger.Info("removed temporary files a stopped process left in the outbox", "files", n)
		}
	}
	if m.Config.SendGridAPIKey != "" && !m.dryRun && insecurePublicURL(m.Config.PublicURL) {
		m.Logger.Warn("OUTREACH_PUBLIC_URL is not https: survey and unsubscribe links in real emails will travel in clear text",
			"public_url", m.Config.PublicURL)
	}
	w.feedback = &httpapi.Feedback{Store: db, Links: w.signer}
	if _, name, err := splitFrom(m.Config.MailFrom); err == nil {
		w.feedback.SenderName = name // the survey page says who asks
	}
	if k := m.Config.SendGridWebhookPublicKey; k != "" {
		v, err := sendgrid.NewVerifier(k)
		if err != nil {
			return nil, fmt.Errorf("OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY: %w", err)
		}
		v.Now = m.Now
		w.feedback.Webhook, w.webhook = v, true
	} else {
		m.Logger.Warn("OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY is not set: POST /webhooks/sendgrid answers 503, and a send cut off by a crash is marked failed (outcome unknown) instead of being resent")
	}
	w.digests = &digest.Runner{Store: db, Sender: w.sender, Signer: w.signer, PublicURL: m.Config.PublicURL,
		From: m.Config.MailFrom, Logger: m.Logger,
		// m.plan is set by startPlanning before the scheduler first ticks.
		Pack: func() *outreach.Pack { return m.plan.Active().Pack }}
	return w, nil
}

// startDispatch runs the dispatcher (every replica) until ctx ends; the
// returned stop waits for in-flight sends to finish.
func (m *Main) startDispatch(ctx context.Context, db *store.DB, w *wiring, pack func() *campaigns.Loaded, onSend func(outreach.SendOutcome)) (stop func(), err error) {
	from, fromName, err := splitFrom(m.Config.MailFrom)
	if err != nil {
		return nil, err
	}
	d := &dispatch.Dispatcher{
		Store: db, Sender: w.sender, Signer: w.signer, Logger: m.Logger, Now: m.Now, OnSend: onSend,
		// One load: the pack and the templates it was read with.
		Pack:    func() (*outreach.Pack, outreach.Renderer) { return pack().PackAndTemplates() },
		Refresh: m.plan.follow, // a claim that finds a newer stored pack loads it first
		Config: dispatch.Config{
			ProcessID: processID(), PublicURL: m.Config.PublicURL, From: from, FromName: fromName,
			PostalAddress: m.Config.PostalAddress, Grace: m.Config.SendGrace, Lease: m.Config.SendLease,
			// SendGrid's processed events never confirm mail sent over
			// SMTP: a crashed SMTP send is "outcome unknown", not resent.
			WebhookEnabled: w.webhook && m.Config.SMTPURL == "", DryRun: m.dryRun, UnsubscribeMailto: m.Config.UnsubscribeMailto,
		},
	}
	if err := d.Config.Validate(); err != nil {
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := d.Run(ctx); err != nil {
			m.Logger.Error("dispatcher stopped", "err", err.Error())
		}
	}()
	return func() { <-done }, nil
}

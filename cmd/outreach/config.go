package main

import (
	"flag"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/safehttp"
	"github.com/outreach-dev/outreach/scheduler"
	"github.com/outreach-dev/outreach/smtp"
	"github.com/outreach-dev/outreach/store"
)

// Config is the configuration of every command, read from OUTREACH_*
// environment variables (see PRODUCT.md and README.md); flags may override
// some of it. The zero value is not useful: start from DefaultConfig.
type Config struct {
	DatabaseURL              string        // OUTREACH_DATABASE_URL
	HTTPAddr                 string        // OUTREACH_HTTP_ADDR
	PublicURL                string        // OUTREACH_PUBLIC_URL
	APIToken                 string        // OUTREACH_API_TOKEN: admin bearer token, "" = only stored tokens
	Secrets                  []string      // OUTREACH_SECRET: first signs, all verify; nil = generated and stored
	Campaigns                string        // OUTREACH_CAMPAIGNS: pack directory, "" = built-in pack
	SendGridAPIKey           string        // OUTREACH_SENDGRID_API_KEY: "" = file outbox
	SendGridAPIURL           string        // OUTREACH_SENDGRID_API_URL
	SendGridWebhookPublicKey string        // OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY: "" = webhook answers 503
	OutboxDir                string        // OUTREACH_OUTBOX_DIR
	SMTPURL                  string        // OUTREACH_SMTP_URL: smtp(s)://[user:pass@]host:port; "" = no SMTP
	MailFrom                 string        // OUTREACH_MAIL_FROM
	PostalAddress            string        // OUTREACH_POSTAL_ADDRESS
	Tick                     string        // OUTREACH_TICK: cron spec or @every D
	SendRate                 float64       // OUTREACH_SEND_RATE: requests per second per process
	SendGrace                time.Duration // OUTREACH_SEND_GRACE
	SendLease                time.Duration // OUTREACH_SEND_LEASE: silent heartbeat after which a sending process counts as gone
	UnsubscribeMailto        string        // OUTREACH_UNSUBSCRIBE_MAILTO: List-Unsubscribe mailto address, "" = unsubscribe@ the From domain
	DBMaxConns               int           // OUTREACH_DB_MAX_CONNS: PostgreSQL connections per process
	PublicBytesInFlight      int64         // OUTREACH_PUBLIC_BYTES_IN_FLIGHT: request body bytes the public endpoints hold at once
	Leader                   string        // OUTREACH_LEADER: "advisory" (session advisory lock) or "lease" (lease row, works through PgBouncer)
	SlackWebhookURL          string        // OUTREACH_SLACK_WEBHOOK_URL: alerts of owners without their own
	TeamsWebhookURL          string        // OUTREACH_TEAMS_WEBHOOK_URL: alerts of owners without their own
	AllowPrivateTargets      bool          // OUTREACH_ALLOW_PRIVATE_TARGETS: outgoing posts may reach loopback/private addresses and http (development)
	AlertWindow              time.Duration // OUTREACH_ALERT_WINDOW: how long an alert waits for more answers of one account
	PackApproval             string        // OUTREACH_PACK_APPROVAL: "required" = a second admin approves a console pack draft before activation; "" = off
}

// DefaultConfig returns the defaults of the PRODUCT.md table.
func DefaultConfig() Config {
	return Config{
		DatabaseURL:    "sqlite:outreach.db",
		HTTPAddr:       "127.0.0.1:8080",
		PublicURL:      "http://127.0.0.1:8080",
		SendGridAPIURL: "https://api.sendgrid.com",
		OutboxDir:      "outbox",
		MailFrom:       "Outreach <outreach@example.com>",
		PostalAddress:  "Example Inc., 1 Example Street, Springfield, USA",
		Tick:           "@every 1m",
		SendRate:       100,
		SendGrace:      15 * time.Minute,
		SendLease:      30 * time.Second,

		DBMaxConns:          store.DefaultMaxConns,
		PublicBytesInFlight: httpapi.DefaultPublicBytesInFlight,
		Leader:              LeaderAdvisory,
		AlertWindow:         30 * time.Second,
	}
}

// LoadEnv overrides c with the OUTREACH_* variables that getenv returns
// non-empty. A value that does not parse is an error naming its variable.
func (c *Config) LoadEnv(getenv func(string) string) error {
	strs := map[string]*string{
		"OUTREACH_DATABASE_URL":                &c.DatabaseURL,
		"OUTREACH_HTTP_ADDR":                   &c.HTTPAddr,
		"OUTREACH_PUBLIC_URL":                  &c.PublicURL,
		"OUTREACH_API_TOKEN":                   &c.APIToken,
		"OUTREACH_CAMPAIGNS":                   &c.Campaigns,
		"OUTREACH_SENDGRID_API_KEY":            &c.SendGridAPIKey,
		"OUTREACH_SENDGRID_API_URL":            &c.SendGridAPIURL,
		"OUTREACH_SENDGRID_WEBHOOK_PUBLIC_KEY": &c.SendGridWebhookPublicKey,
		"OUTREACH_OUTBOX_DIR":                  &c.OutboxDir,
		"OUTREACH_SMTP_URL":                    &c.SMTPURL,
		"OUTREACH_MAIL_FROM":                   &c.MailFrom,
		"OUTREACH_POSTAL_ADDRESS":              &c.PostalAddress,
		"OUTREACH_TICK":                        &c.Tick,
		"OUTREACH_UNSUBSCRIBE_MAILTO":          &c.UnsubscribeMailto,
		"OUTREACH_LEADER":                      &c.Leader,
		"OUTREACH_SLACK_WEBHOOK_URL":           &c.SlackWebhookURL,
		"OUTREACH_TEAMS_WEBHOOK_URL":           &c.TeamsWebhookURL,
		"OUTREACH_PACK_APPROVAL":               &c.PackApproval,
	}
	for name, p := range strs {
		if v := strings.TrimSpace(getenv(name)); v != "" {
			*p = v
		}
	}
	if v := getenv("OUTREACH_SECRET"); strings.TrimSpace(v) != "" {
		c.Secrets = nil
		for _, k := range strings.Split(v, ",") {
			c.Secrets = append(c.Secrets, strings.TrimSpace(k))
		}
	}
	if v := strings.TrimSpace(getenv("OUTREACH_SEND_RATE")); v != "" {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("OUTREACH_SEND_RATE: %q is not a number (requests per second, e.g. 100)", v)
		}
		c.SendRate = r
	}
	if v := strings.TrimSpace(getenv("OUTREACH_SEND_GRACE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("OUTREACH_SEND_GRACE: %q is not a duration (e.g. 15m)", v)
		}
		c.SendGrace = d
	}
	if err := c.loadLimits(getenv); err != nil {
		return err
	}
	if v := strings.TrimSpace(getenv("OUTREACH_ALLOW_PRIVATE_TARGETS")); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("OUTREACH_ALLOW_PRIVATE_TARGETS: %q is not true or false", v)
		}
		c.AllowPrivateTargets = b
	}
	if v := strings.TrimSpace(getenv("OUTREACH_ALERT_WINDOW")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("OUTREACH_ALERT_WINDOW: %q is not a duration from 0s to 1m (e.g. 30s)", v)
		}
		c.AlertWindow = d
	}
	if v := strings.TrimSpace(getenv("OUTREACH_SEND_LEASE")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("OUTREACH_SEND_LEASE: %q is not a duration (e.g. 30s)", v)
		}
		c.SendLease = d
	}
	return nil
}

// RegisterFlags adds the flags that override the configuration of every
// command to fs.
func (c *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&c.DatabaseURL, "database-url", c.DatabaseURL, "database: postgres://... or sqlite:PATH (OUTREACH_DATABASE_URL)")
}

// Validate checks the configuration; each error names the variable to fix.
func (c Config) Validate() error {
	if err := c.validateDatabase(); err != nil {
		return err
	}
	return c.validateRest()
}

// validateDatabase checks OUTREACH_DATABASE_URL.
func (c Config) validateDatabase() error {
	if !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") &&
		!strings.HasPrefix(c.DatabaseURL, "sqlite:") {
		return fmt.Errorf("OUTREACH_DATABASE_URL: %q is neither postgres://USER@HOST/DB nor sqlite:PATH", c.DatabaseURL)
	}
	if c.DatabaseURL == "sqlite:" {
		return fmt.Errorf("OUTREACH_DATABASE_URL: sqlite: needs a path, e.g. sqlite:outreach.db")
	}
	return nil
}

// validateRest checks everything but the database URL, for the commands
// that use no configured database (init, validate, simulate, demo).
func (c Config) validateRest() error {
	if _, _, err := net.SplitHostPort(c.HTTPAddr); err != nil {
		return fmt.Errorf("OUTREACH_HTTP_ADDR: %q is not HOST:PORT (e.g. 127.0.0.1:8080)", c.HTTPAddr)
	}
	for name, v := range map[string]string{"OUTREACH_PUBLIC_URL": c.PublicURL, "OUTREACH_SENDGRID_API_URL": c.SendGridAPIURL} {
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%s: %q is not an http(s) URL", name, v)
		}
	}
	for i, k := range c.Secrets {
		if len(k) < 16 {
			return fmt.Errorf("OUTREACH_SECRET: key %d is shorter than 16 characters: use long random keys, comma-separated", i+1)
		}
	}
	if _, err := outreach.ParseMailbox(c.MailFrom); err != nil {
		return fmt.Errorf("OUTREACH_MAIL_FROM: %q is not an email address (e.g. \"Acme <hello@acme.com>\"): %v", c.MailFrom, err)
	}
	if strings.TrimSpace(c.PostalAddress) == "" {
		return fmt.Errorf("OUTREACH_POSTAL_ADDRESS: is required in every email footer (CAN-SPAM)")
	}
	if strings.TrimSpace(c.OutboxDir) == "" {
		return fmt.Errorf("OUTREACH_OUTBOX_DIR: must name a directory")
	}
	if err := c.validateSender(); err != nil {
		return err
	}
	if _, err := scheduler.ParseTick(c.Tick); err != nil {
		return err
	}
	if c.SendRate <= 0 {
		return fmt.Errorf("OUTREACH_SEND_RATE: must be more than 0 requests per second")
	}
	if c.SendGrace <= 0 {
		return fmt.Errorf("OUTREACH_SEND_GRACE: must be a positive duration (e.g. 15m)")
	}
	if a := c.UnsubscribeMailto; a != "" {
		if p, err := mail.ParseAddress(a); err != nil || p.Name != "" {
			return fmt.Errorf("OUTREACH_UNSUBSCRIBE_MAILTO: %q is not a bare email address (e.g. unsubscribe@acme.com)", a)
		}
	}
	if err := c.validateLimits(); err != nil {
		return err
	}
	for name, v := range map[string]string{"OUTREACH_SLACK_WEBHOOK_URL": c.SlackWebhookURL, "OUTREACH_TEAMS_WEBHOOK_URL": c.TeamsWebhookURL} {
		if v == "" {
			continue
		}
		if err := safehttp.CheckURL(v, c.AllowPrivateTargets, c.AllowPrivateTargets); err != nil {
			return fmt.Errorf("%s: %v", name, err)
		}
	}
	if c.SendLease < time.Second {
		return fmt.Errorf("OUTREACH_SEND_LEASE: must be at least 1s (default 30s): the heartbeat runs every third of it")
	}
	if c.Leader != LeaderAdvisory && c.Leader != LeaderLease {
		return fmt.Errorf("OUTREACH_LEADER: %q is neither %q (a session advisory lock, the default) nor %q (a lease row, for PgBouncer in transaction mode)",
			c.Leader, LeaderAdvisory, LeaderLease)
	}
	if c.PackApproval != "" && c.PackApproval != PackApprovalRequired {
		return fmt.Errorf("OUTREACH_PACK_APPROVAL: %q is not %q (leave it unset for no approval step)", c.PackApproval, PackApprovalRequired)
	}
	return nil
}

// PackApprovalRequired is the value of OUTREACH_PACK_APPROVAL that makes a
// second admin approve each console pack draft before activation.
const PackApprovalRequired = "required"

// validateSender checks the choice of sender: a SendGrid key, an SMTP URL,
// or neither (the .eml outbox) — never both.
func (c Config) validateSender() error {
	if c.SMTPURL == "" {
		return nil
	}
	if c.SendGridAPIKey != "" {
		return fmt.Errorf("OUTREACH_SENDGRID_API_KEY and OUTREACH_SMTP_URL are both set: outreach sends through one provider; unset one of them")
	}
	_, err := smtp.ParseURL(c.SMTPURL)
	return err
}

// Values of OUTREACH_LEADER: how the replicas elect the leader.
const (
	LeaderAdvisory = "advisory" // a session advisory lock on a dedicated connection
	LeaderLease    = "lease"    // a row of the leases table, renewed every few seconds
)

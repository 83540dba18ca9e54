package dispatch

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
)

// Defaults of Config.
const (
	DefaultWorkers = 8
	DefaultBatch   = 100
	DefaultLease   = 30 * time.Second
	DefaultGrace   = 15 * time.Minute
	DefaultIdle    = time.Second
)

// Config configures a Dispatcher. Zero values take the documented defaults
// (see WithDefaults); Validate names the field that is wrong.
type Config struct {
	// Workers is how many sends run at once in this process (default 8).
	Workers int
	// Batch is how many contacts one claim transaction decides (default 100).
	Batch int
	// ProcessID identifies this process in claimed_by; it must be unique
	// among live processes (e.g. host, pid and a random suffix). Required.
	ProcessID string
	// PublicURL is the base of survey and unsubscribe links
	// (OUTREACH_PUBLIC_URL). Required.
	PublicURL string
	// From and FromName are the sender of every email (OUTREACH_MAIL_FROM).
	From, FromName string
	// PostalAddress is the CAN-SPAM footer (OUTREACH_POSTAL_ADDRESS).
	PostalAddress string
	// UnsubscribeMailto is the address of the List-Unsubscribe mailto
	// (OUTREACH_UNSUBSCRIBE_MAILTO); "" means unsubscribe@ the From
	// domain. Mail to it should reach POST /webhooks/sendgrid/inbound
	// (SendGrid Inbound Parse), which reads the signed token in the
	// subject.
	UnsubscribeMailto string
	// Lease is how long a sending delivery's heartbeat may be silent before
	// its process counts as gone (default 30 s).
	Lease time.Duration
	// Grace is how long a delivery of a gone process waits for the
	// webhook's processed event before it is sent again
	// (OUTREACH_SEND_GRACE, default 15 min).
	Grace time.Duration
	// Idle is the longest Run waits when nothing is due (default 1 s).
	Idle time.Duration
	// WebhookEnabled says that processed events arrive (a webhook key is
	// configured). Without it a delivery whose process died while sending
	// is failed "outcome unknown" instead of being sent again.
	WebhookEnabled bool
	// DryRun decides and records everything but sends nothing: messages go
	// to a Recorder and are marked sent with a "dry-run:" message id.
	DryRun bool
}

// WithDefaults returns c with every zero field set to its default.
func (c Config) WithDefaults() Config {
	if c.Workers == 0 {
		c.Workers = DefaultWorkers
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Grace == 0 {
		c.Grace = DefaultGrace
	}
	if c.Idle == 0 {
		c.Idle = DefaultIdle
	}
	return c
}

// Validate reports every problem with c (after defaults), naming the field.
func (c Config) Validate() error {
	c = c.WithDefaults()
	var errs []error
	if c.Workers < 1 {
		errs = append(errs, fmt.Errorf("dispatch: Workers %d must be at least 1", c.Workers))
	}
	if c.Batch < 1 || c.Batch > 1000 {
		errs = append(errs, fmt.Errorf("dispatch: Batch %d must be between 1 and 1000 contacts", c.Batch))
	}
	if strings.TrimSpace(c.ProcessID) == "" {
		errs = append(errs, errors.New("dispatch: ProcessID is required: a name unique among live processes, e.g. host-pid-random"))
	}
	if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("dispatch: PublicURL %q must be an http(s) URL such as https://outreach.example.com (OUTREACH_PUBLIC_URL)", c.PublicURL))
	}
	if _, err := outreach.ParseMailbox(c.From); err != nil {
		errs = append(errs, fmt.Errorf("dispatch: From %q must be an email address (OUTREACH_MAIL_FROM)", c.From))
	}
	if a := c.UnsubscribeMailto; a != "" {
		if p, err := mail.ParseAddress(a); err != nil || p.Name != "" {
			errs = append(errs, fmt.Errorf("dispatch: UnsubscribeMailto %q must be a bare email address (OUTREACH_UNSUBSCRIBE_MAILTO)", a))
		}
	}
	if strings.TrimSpace(c.PostalAddress) == "" {
		errs = append(errs, errors.New("dispatch: PostalAddress is required by CAN-SPAM (OUTREACH_POSTAL_ADDRESS)"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"Lease", c.Lease}, {"Grace", c.Grace}, {"Idle", c.Idle}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("dispatch: %s %s must be positive", d.name, d.v))
		}
	}
	return errors.Join(errs...)
}

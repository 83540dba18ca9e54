package sendgrid

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultAPIURL is SendGrid's global API host.
const DefaultAPIURL = "https://api.sendgrid.com"

// DefaultRatePerSecond is the request rate used when Config.RatePerSecond is
// zero (OUTREACH_SEND_RATE's default).
const DefaultRatePerSecond = 100

// Config configures a Sender. Zero values take the documented defaults.
type Config struct {
	// APIKey is the SendGrid API key (OUTREACH_SENDGRID_API_KEY). Required.
	APIKey string
	// APIURL is the API host without path (OUTREACH_SENDGRID_API_URL);
	// default https://api.sendgrid.com. Tests point it at sgfake.
	APIURL string
	// PostalAddress is the sender's postal address (CAN-SPAM). Templates put
	// it in the footer; the Sender appends it when a body lacks it. Required.
	PostalAddress string
	// RatePerSecond caps requests per second for all goroutines using one
	// Sender (OUTREACH_SEND_RATE); default 100.
	RatePerSecond float64
	// HTTPClient performs the requests; default a client with a 30 s timeout.
	HTTPClient *http.Client
	// Now is the clock used for the rate limiter and Retry-After dates;
	// default time.Now.
	Now func() time.Time
}

// withDefaults returns c with every zero field set to its default.
func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	c.APIURL = strings.TrimRight(c.APIURL, "/")
	if c.RatePerSecond == 0 {
		c.RatePerSecond = DefaultRatePerSecond
	}
	if c.HTTPClient == nil {
		// Keep a connection per concurrent sender alive: with net/http's
		// default of 2 idle connections per host, a dispatcher with more
		// workers reconnects (TLS included) for most requests.
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.MaxIdleConns = 64
		t.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second, Transport: t}
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// Validate reports every problem with c, naming the field (and the
// environment variable that usually sets it) so that the error says what to
// fix. Zero values that have defaults are valid.
func (c Config) Validate() error {
	var errs []error
	if strings.TrimSpace(c.APIKey) == "" {
		errs = append(errs, errors.New("sendgrid: APIKey is required (set OUTREACH_SENDGRID_API_KEY)"))
	}
	if c.APIURL != "" {
		u, err := url.Parse(c.APIURL)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("sendgrid: APIURL %q is not a URL (OUTREACH_SENDGRID_API_URL): %w", c.APIURL, err))
		case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
			errs = append(errs, fmt.Errorf("sendgrid: APIURL %q must be an http(s) URL such as %s (OUTREACH_SENDGRID_API_URL)", c.APIURL, DefaultAPIURL))
		case u.Path != "" && u.Path != "/":
			errs = append(errs, fmt.Errorf("sendgrid: APIURL %q must be a host without path; /v3/mail/send is added (OUTREACH_SENDGRID_API_URL)", c.APIURL))
		}
	}
	if strings.TrimSpace(c.PostalAddress) == "" {
		errs = append(errs, errors.New("sendgrid: PostalAddress is required by CAN-SPAM (set OUTREACH_POSTAL_ADDRESS)"))
	}
	if c.RatePerSecond < 0 {
		errs = append(errs, fmt.Errorf("sendgrid: RatePerSecond %v must be positive (OUTREACH_SEND_RATE)", c.RatePerSecond))
	}
	return errors.Join(errs...)
}

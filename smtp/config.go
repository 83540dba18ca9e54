package smtp

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of Config.
const (
	DefaultConns          = 8 // the dispatcher's default workers: one connection each
	DefaultDialTimeout    = 15 * time.Second
	DefaultCommandTimeout = time.Minute
	DefaultRatePerSecond  = 100
)

// Endpoint is a parsed OUTREACH_SMTP_URL.
type Endpoint struct {
	Host     string
	Port     int
	Username string
	Password string
	// ImplicitTLS: smtps://, TLS from the first byte.
	ImplicitTLS bool
	// NoTLS: ?tls=none, plain SMTP (loopback hosts only). Otherwise
	// smtp:// requires STARTTLS.
	NoTLS bool
}

// Addr is host:port.
func (e Endpoint) Addr() string { return net.JoinHostPort(e.Host, strconv.Itoa(e.Port)) }

// String describes the endpoint without its password.
func (e Endpoint) String() string {
	mode := "STARTTLS"
	switch {
	case e.ImplicitTLS:
		mode = "implicit TLS"
	case e.NoTLS:
		mode = "no TLS"
	}
	who := ""
	if e.Username != "" {
		who = " as " + e.Username
	}
	return fmt.Sprintf("SMTP server %s (%s%s)", e.Addr(), mode, who)
}

// urlHelp is the shape of a valid URL, for error messages.
const urlHelp = "use smtp://[USER:PASS@]HOST:PORT (STARTTLS), smtps://[USER:PASS@]HOST:PORT (implicit TLS), or smtp://127.0.0.1:1025?tls=none for a local server"

// ParseURL parses OUTREACH_SMTP_URL. Errors name the variable and never
// contain the password.
func ParseURL(raw string) (Endpoint, error) {
	var e Endpoint
	bad := func(format string, a ...any) (Endpoint, error) {
		return Endpoint{}, fmt.Errorf("OUTREACH_SMTP_URL: "+format+"; "+urlHelp, a...)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return bad("is not a URL (is the port a number? are special characters in the password %%-encoded, e.g. %%40 for @?)")
	}
	shown := u.Redacted()
	switch u.Scheme {
	case "smtp":
	case "smtps":
		e.ImplicitTLS = true
	default:
		return bad("%q: unknown scheme %q", shown, u.Scheme)
	}
	e.Host = u.Hostname()
	if e.Host == "" {
		return bad("%q has no host", shown)
	}
	port := u.Port()
	if port == "" {
		return bad("%q has no port (587 for STARTTLS, 465 for smtps, 1025 for a local Mailpit)", shown)
	}
	if e.Port, err = strconv.Atoi(port); err != nil || e.Port < 1 || e.Port > 65535 {
		return bad("%q: port %q is not a number from 1 to 65535", shown, port)
	}
	if u.Path != "" && u.Path != "/" {
		return bad("%q has a path", shown)
	}
	if u.User != nil {
		e.Username = u.User.Username()
		e.Password, _ = u.User.Password()
		if e.Username == "" {
			return bad("%q has a password but no user name", shown)
		}
	}
	q := u.Query()
	for k := range q {
		if k != "tls" {
			return bad("%q: unknown parameter %q (the only one is tls=none)", shown, k)
		}
	}
	if q.Has("tls") {
		if v := q.Get("tls"); v != "none" {
			return bad("%q: tls=%s: the only value is none (smtp:// requires STARTTLS otherwise)", shown, v)
		}
		if e.ImplicitTLS {
			return bad("%q: tls=none contradicts smtps://", shown)
		}
		if !Loopback(e.Host) {
			return bad("%q: tls=none is only allowed for a loopback host (127.0.0.1, ::1, localhost): mail and the password would cross the network in clear text", shown)
		}
		e.NoTLS = true
	}
	return e, nil
}

// Loopback reports whether host is on this machine (localhost or a
// loopback IP): the only hosts tls=none may name.
func Loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Config configures a Sender. Zero values take the defaults.
type Config struct {
	// URL is OUTREACH_SMTP_URL. Required.
	URL string
	// PostalAddress is appended to bodies that lack it
	// (OUTREACH_POSTAL_ADDRESS).
	PostalAddress string
	// RatePerSecond caps messages per second for the whole Sender
	// (OUTREACH_SEND_RATE); default 100.
	RatePerSecond float64
	// Conns is how many connections the Sender keeps open and shares among
	// the goroutines that call Send (default 8, the dispatcher's workers).
	Conns int
	// DialTimeout bounds connecting, TLS, EHLO and AUTH (default 15 s).
	DialTimeout time.Duration
	// CommandTimeout bounds one message's transaction, and again the wait
	// for the reply to the final dot (default 1 min).
	CommandTimeout time.Duration
	// TLSConfig is cloned for the server's connections; nil uses the
	// system's roots. ServerName is set to the URL's host.
	TLSConfig *tls.Config
	// Now is the clock of the rate limiter; default time.Now.
	Now func() time.Time
	// Date is the clock of the Date header; default Now. A simulation
	// dates its emails at the simulated instant while the rate limiter
	// keeps real time.
	Date func() time.Time
}

// withDefaults returns c with its zero fields set.
func (c Config) withDefaults() Config {
	if c.RatePerSecond == 0 {
		c.RatePerSecond = DefaultRatePerSecond
	}
	if c.Conns == 0 {
		c.Conns = DefaultConns
	}
	if c.DialTimeout == 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.CommandTimeout == 0 {
		c.CommandTimeout = DefaultCommandTimeout
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Date == nil {
		c.Date = c.Now
	}
	return c
}

// Validate reports every problem with c, naming the field and its
// variable.
func (c Config) Validate() error {
	var errs []error
	if _, err := ParseURL(c.URL); err != nil {
		errs = append(errs, err)
	}
	if c.RatePerSecond < 0 {
		errs = append(errs, fmt.Errorf("smtp: RatePerSecond %v must be positive (OUTREACH_SEND_RATE)", c.RatePerSecond))
	}
	if c.Conns < 0 || c.Conns > 1000 {
		errs = append(errs, fmt.Errorf("smtp: Conns %d must be between 1 and 1000", c.Conns))
	}
	if c.DialTimeout < 0 || c.CommandTimeout < 0 {
		errs = append(errs, errors.New("smtp: DialTimeout and CommandTimeout must be positive"))
	}
	return errors.Join(errs...)
}

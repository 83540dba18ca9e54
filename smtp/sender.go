package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"sync/atomic"

	mail "github.com/wneessen/go-mail"
	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/ratelimit"
	"github.com/outreach-dev/outreach/mimemail"
)

// Sender sends messages over SMTP, one transaction per message, on a pool
// of Config.Conns connections shared by every goroutine that calls Send.
// It is safe for concurrent use; all goroutines share one rate limiter.
type Sender struct {
	cfg    Config
	ep     Endpoint
	bucket *ratelimit.Bucket
	slots  chan *slot // free slots; each holds at most one connection
}

var _ outreach.Sender = (*Sender)(nil)

// slot is one place in the pool: a go-mail client configured for the
// server, and its open connection when there is one.
type slot struct {
	mc   *mail.Client
	sc   *gosmtp.Client // nil: not connected
	wire *watchConn     // the connection under sc (and under its TLS)
}

// NewSender validates c and returns a Sender. It connects lazily: the
// first Send of each slot dials.
func NewSender(c Config) (*Sender, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.withDefaults()
	ep, _ := ParseURL(c.URL)
	bucket, err := ratelimit.NewBucket(c.RatePerSecond, 1, c.Now, nil)
	if err != nil {
		return nil, fmt.Errorf("smtp: RatePerSecond: %w", err)
	}
	s := &Sender{cfg: c, ep: ep, bucket: bucket, slots: make(chan *slot, c.Conns)}
	for range c.Conns {
		sl := &slot{}
		if sl.mc, err = s.client(sl); err != nil {
			return nil, err
		}
		s.slots <- sl
	}
	return s, nil
}

// Endpoint returns where the Sender sends (without the password: see
// Endpoint.String).
func (s *Sender) Endpoint() Endpoint { return s.ep }

// client returns the go-mail client that dials sl's connections.
func (s *Sender) client(sl *slot) (*mail.Client, error) {
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tlsCfg = s.cfg.TLSConfig.Clone()
	}
	tlsCfg.ServerName = s.ep.Host
	opts := []mail.Option{
		mail.WithPort(s.ep.Port), mail.WithTimeout(s.cfg.DialTimeout), mail.WithTLSConfig(tlsCfg),
		mail.WithDialContextFunc(func(ctx context.Context, network, addr string) (net.Conn, error) {
			return s.dial(ctx, sl, tlsCfg, network, addr)
		}),
	}
	switch {
	case s.ep.ImplicitTLS:
		opts = append(opts, mail.WithSSL())
	case s.ep.NoTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
	default:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
	}
	if s.ep.Username != "" {
		opts = append(opts, mail.WithSMTPAuthCustom(&plainOrLogin{user: s.ep.Username, pass: s.ep.Password, host: s.ep.Host, clear: s.ep.NoTLS}))
	}
	mc, err := mail.NewClient(s.ep.Host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp: %s: %w", s.ep, err)
	}
	return mc, nil
}

// dial opens a TCP connection for sl, watched for write errors, with TLS
// around it for smtps://.
func (s *Sender) dial(ctx context.Context, sl *slot, tlsCfg *tls.Config, network, addr string) (net.Conn, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	sl.wire = &watchConn{Conn: raw}
	if !s.ep.ImplicitTLS {
		return sl.wire, nil
	}
	tc := tls.Client(sl.wire, tlsCfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		raw.Close()
		return nil, err
	}
	return tc, nil
}

// Close quits every idle connection. Sends in flight keep theirs until
// they return it.
func (s *Sender) Close() error {
	var errs []error
	for {
		select {
		case sl := <-s.slots:
			if sl.sc != nil {
				if err := sl.sc.Quit(); err != nil {
					errs = append(errs, err)
				}
				sl.sc = nil
			}
			defer func() { s.slots <- sl }()
		default:
			return errors.Join(errs...)
		}
	}
}

// Send waits for the rate limiter and a pooled connection, then sends m in
// one SMTP transaction. It returns m's Message-ID when the server accepts
// it, and otherwise a *outreach.SendError:
//   - 4xx replies, connections refused or lost before the message was
//     written in full, and failures to connect, start TLS or
//     authenticate: Retryable (the server cannot have accepted it);
//   - 5xx replies: not retryable, with the server's text;
//   - the whole message and its final dot written, and no reply (a
//     timeout, the connection closed): Retryable and Unanswered — the
//     server may have queued it, so it is not sent again at once.
func (s *Sender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	raw, err := mimemail.Build(m, mimemail.Options{Date: s.cfg.Date(), PostalAddress: s.cfg.PostalAddress})
	if err != nil {
		return outreach.SendResult{}, err
	}
	if err := s.bucket.Wait(ctx); err != nil {
		return outreach.SendResult{}, err
	}
	var sl *slot
	select {
	case sl = <-s.slots:
	case <-ctx.Done():
		return outreach.SendResult{}, ctx.Err()
	}
	defer func() { s.slots <- sl }()
	reused := sl.sc != nil
	err = s.transact(ctx, sl, m, raw)
	var st *stageError
	if reused && errors.As(err, &st) && st.stage == "MAIL FROM" && (!st.replied() || st.code == 421) {
		// The pooled connection had died while idle (the server closed
		// it, or said 421 closing): nothing was sent; connect again once.
		err = s.transact(ctx, sl, m, raw)
	}
	if err != nil {
		return outreach.SendResult{}, s.classify(err)
	}
	return outreach.SendResult{MessageID: outreach.MessageID(m.DeliveryID, m.From)}, nil
}

// transact runs MAIL, RCPT, DATA on sl's connection (dialing when it has
// none). A connection left in an unknown state is closed.
func (s *Sender) transact(ctx context.Context, sl *slot, m *outreach.Message, raw []byte) (err error) {
	if sl.sc == nil {
		sc, err := sl.mc.DialToSMTPClientWithContext(ctx)
		if err != nil {
			return &stageError{stage: "connect", err: err}
		}
		sl.sc = sc
	}
	defer func() {
		var st *stageError
		if err != nil && (!errors.As(err, &st) || !st.replied() || st.code == 421) {
			_ = sl.sc.Close()
			sl.sc = nil
		} else if err != nil && sl.sc.Reset() != nil {
			_ = sl.sc.Close()
			sl.sc = nil
		}
	}()
	sc := sl.sc
	if err := sc.UpdateDeadline(s.cfg.CommandTimeout); err != nil {
		return &stageError{stage: "MAIL FROM", err: err}
	}
	if err := sc.Mail(m.From); err != nil {
		return newStageError("MAIL FROM", err)
	}
	if err := sc.Rcpt(m.To); err != nil {
		return newStageError("RCPT TO", err)
	}
	w, err := sc.Data()
	if err != nil {
		return newStageError("DATA", err)
	}
	if _, err := w.Write(raw); err != nil {
		return &stageError{stage: "message", err: err}
	}
	before := sl.wire.failed.Load()
	if err := sc.UpdateDeadline(s.cfg.CommandTimeout); err != nil {
		return &stageError{stage: "message", err: err}
	}
	if err := w.Close(); err != nil {
		st := newStageError("end of DATA", err)
		// The final dot reached the connection and no reply came back:
		// the server may have accepted the message.
		st.unanswered = !st.replied() && sl.wire.failed.Load() == before
		return st
	}
	return nil
}

// classify turns a transaction's error into a *outreach.SendError.
func (s *Sender) classify(err error) error {
	var st *stageError
	if !errors.As(err, &st) {
		return &outreach.SendError{Retryable: true, Message: err.Error()}
	}
	switch {
	case st.unanswered:
		return &outreach.SendError{Retryable: true, Unanswered: true,
			Message: fmt.Sprintf("no reply from %s after the end of the message: %v", s.ep.Addr(), st.err)}
	case st.code >= 500 && st.stage != "connect":
		return &outreach.SendError{Message: fmt.Sprintf("%s refused at %s: %d %s", s.ep.Addr(), st.stage, st.code, st.msg)}
	case st.code >= 400:
		return &outreach.SendError{Retryable: true, Message: fmt.Sprintf("%s deferred at %s: %d %s", s.ep.Addr(), st.stage, st.code, st.msg)}
	case st.stage == "connect":
		return &outreach.SendError{Retryable: true, Message: fmt.Sprintf("connect to %s: %v", s.ep, st.err)}
	default:
		return &outreach.SendError{Retryable: true, Message: fmt.Sprintf("connection to %s lost at %s, before the message was accepted: %v", s.ep.Addr(), st.stage, st.err)}
	}
}

// stageError is a failed step of a transaction with the server's reply
// code (0 when none came: a network error or a timeout).
type stageError struct {
	stage      string
	code       int
	msg        string
	err        error
	unanswered bool
}

func newStageError(stage string, err error) *stageError {
	st := &stageError{stage: stage, err: err}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		st.code, st.msg = tp.Code, strings.ReplaceAll(tp.Msg, "\n", " ")
	}
	return st
}

func (e *stageError) replied() bool { return e.code != 0 }
func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// watchConn counts failed writes, so that a message whose final dot never
// reached the connection is told from one whose reply was lost.
type watchConn struct {
	net.Conn
	failed atomic.Int64
}

func (c *watchConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if err != nil {
		c.failed.Add(1)
	}
	return n, err
}

// plainOrLogin authenticates with AUTH PLAIN when the server offers it,
// else AUTH LOGIN (go-mail's implementations), over TLS — or in clear only
// for a loopback server (tls=none).
type plainOrLogin struct {
	user, pass, host string
	clear            bool
	chosen           gosmtp.Auth
}

func (a *plainOrLogin) Start(si *gosmtp.ServerInfo) (string, []byte, error) {
	switch {
	case slices.Contains(si.Auth, "PLAIN"):
		a.chosen = gosmtp.PlainAuth("", a.user, a.pass, a.host, a.clear)
	case slices.Contains(si.Auth, "LOGIN"):
		a.chosen = gosmtp.LoginAuth(a.user, a.pass, a.host, a.clear)
	default:
		return "", nil, fmt.Errorf("the server offers neither AUTH PLAIN nor AUTH LOGIN (it offers %q)", strings.Join(si.Auth, " "))
	}
	return a.chosen.Start(si)
}

func (a *plainOrLogin) Next(fromServer []byte, more bool) ([]byte, error) {
	return a.chosen.Next(fromServer, more)
}

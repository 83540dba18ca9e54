// Package smtptest runs a real SMTP server (github.com/emersion/go-smtp) in
// the test process: it records what it receives and can be told to fail the
// next transactions the ways real servers do — a 4xx or 5xx reply to a
// command, a connection dropped in the middle of DATA or after its final
// dot, or no answer at all after DATA. It speaks plain SMTP, STARTTLS or
// implicit TLS with a certificate made for the test, and AUTH PLAIN and
// LOGIN. The smtp package's tests, the dispatcher's benchmark and the
// command-level tests use it.
package smtptest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// TLS modes of a Server.
const (
	NoTLS       = "none"     // plain SMTP (tls=none on loopback)
	StartTLS    = "starttls" // STARTTLS offered; smtp:// clients require it
	ImplicitTLS = "implicit" // TLS from the first byte (smtps://)
)

// Options configure a Server.
type Options struct {
	TLS string // NoTLS (default), StartTLS or ImplicitTLS
	// Users, when not empty, turns AUTH PLAIN and LOGIN on and requires
	// it: user name -> password.
	Users map[string]string
	// Mechanisms are the AUTH mechanisms offered (default PLAIN and
	// LOGIN).
	Mechanisms []string
	// Discard counts messages without keeping them (benchmarks).
	Discard bool
}

// Message is one message the server accepted.
type Message struct {
	From string
	To   []string
	Data []byte
	User string // who authenticated, "" without AUTH
}

// Fault is what the server does to one transaction instead of accepting
// it.
type Fault struct {
	// Stage is the command that fails: "mail", "rcpt" or "data" (the
	// reply after the final dot).
	Stage string
	// Code and Message are the reply, e.g. 451 or 550.
	Code    int
	Message string
	// DropMidData closes the connection after reading part of the message
	// (DATA never completes).
	DropMidData bool
	// DropAfterData reads the whole message, then closes the connection
	// without a reply.
	DropAfterData bool
	// Hang reads the whole message and never answers (until Close).
	Hang bool
}

// Server is a running SMTP server on a loopback port.
type Server struct {
	Host string // 127.0.0.1
	Port int
	// RootCAs trusts the server's certificate (TLS modes).
	RootCAs *x509.CertPool

	opts     Options
	srv      *smtp.Server
	hang     chan struct{}
	accepted atomic.Int64
	conns    atomic.Int64

	mu     sync.Mutex
	msgs   []Message
	faults []Fault
	// Received is signalled once per accepted message (buffered); tests
	// wait on it instead of sleeping.
	Received chan struct{}
}

// Start runs a server until the test ends.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	s := &Server{Host: "127.0.0.1", opts: o, hang: make(chan struct{}), Received: make(chan struct{}, 1<<16)}
	srv := smtp.NewServer(s)
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = time.Minute, time.Minute
	srv.MaxMessageBytes = 64 << 20
	srv.ErrorLog = discardLog{}
	var ln net.Listener
	var err error
	if o.TLS == StartTLS || o.TLS == ImplicitTLS {
		var cfg *tls.Config
		cfg, s.RootCAs = testCert(t)
		srv.TLSConfig = cfg
	}
	if o.TLS == ImplicitTLS {
		ln, err = tls.Listen("tcp", "127.0.0.1:0", srv.TLSConfig)
	} else {
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		t.Fatal(err)
	}
	s.Port = ln.Addr().(*net.TCPAddr).Port
	ln = &countingListener{Listener: ln, n: &s.conns}
	s.srv = srv
	srv.AllowInsecureAuth = o.TLS == NoTLS
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(s.Close)
	return s
}

// Addr is host:port.
func (s *Server) Addr() string { return net.JoinHostPort(s.Host, fmt.Sprint(s.Port)) }

// URL is the OUTREACH_SMTP_URL that reaches the server, with user:pass
// when given.
func (s *Server) URL(user, pass string) string {
	scheme, query := "smtp", ""
	switch s.opts.TLS {
	case ImplicitTLS:
		scheme = "smtps"
	case StartTLS:
	default:
		query = "?tls=none"
	}
	auth := ""
	if user != "" {
		auth = user + ":" + pass + "@"
	}
	return fmt.Sprintf("%s://%s%s%s", scheme, auth, s.Addr(), query)
}

// Close stops the server and releases hung transactions.
func (s *Server) Close() {
	s.mu.Lock()
	select {
	case <-s.hang:
	default:
		close(s.hang)
	}
	s.mu.Unlock()
	_ = s.srv.Close()
}

// Fail queues faults applied to the next transactions, one each, in order.
func (s *Server) Fail(f ...Fault) {
	s.mu.Lock()
	s.faults = append(s.faults, f...)
	s.mu.Unlock()
}

// Messages returns the accepted messages (none with Discard).
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// Accepted counts accepted messages.
func (s *Server) Accepted() int { return int(s.accepted.Load()) }

// Connections counts the TCP connections the server has accepted.
func (s *Server) Connections() int { return int(s.conns.Load()) }

// NewSession implements smtp.Backend.
func (s *Server) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: s, conn: c}, nil
}

// session is one SMTP connection's state.
type session struct {
	s     *Server
	conn  *smtp.Conn
	user  string
	msg   Message
	fault *Fault
}

var _ smtp.AuthSession = (*session)(nil)

func (ss *session) AuthMechanisms() []string {
	if len(ss.s.opts.Users) == 0 {
		return nil
	}
	if m := ss.s.opts.Mechanisms; len(m) > 0 {
		return m
	}
	return []string{sasl.Plain, sasl.Login}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	check := func(user, pass string) error {
		if want, ok := ss.s.opts.Users[user]; !ok || want != pass {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		ss.user = user
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(_, user, pass string) error { return check(user, pass) }), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if len(ss.s.opts.Users) > 0 && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.s.mu.Lock()
	if len(ss.s.faults) > 0 {
		f := ss.s.faults[0]
		ss.s.faults = ss.s.faults[1:]
		ss.fault = &f
	}
	ss.s.mu.Unlock()
	ss.msg = Message{From: from, User: ss.user}
	return ss.failAt("mail")
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.msg.To = append(ss.msg.To, to)
	return ss.failAt("rcpt")
}

func (ss *session) failAt(stage string) error {
	f := ss.fault
	if f == nil || f.Stage != stage || f.Code == 0 {
		return nil
	}
	ss.fault = nil
	return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.NoEnhancedCode, Message: f.Message}
}

func (ss *session) Data(r io.Reader) error {
	f := ss.fault
	ss.fault = nil
	if f != nil && f.DropMidData {
		_, _ = io.CopyN(io.Discard, r, 512)
		_ = ss.conn.Conn().Close()
		return errors.New("connection dropped by the test")
	}
	var buf bytes.Buffer
	var w io.Writer = &buf
	if ss.s.opts.Discard {
		w = io.Discard
	}
	if _, err := io.Copy(w, r); err != nil {
		return err
	}
	if f != nil {
		switch {
		case f.DropAfterData:
			_ = ss.conn.Conn().Close()
			return errors.New("connection dropped by the test")
		case f.Hang:
			<-ss.s.hang
			_ = ss.conn.Conn().Close()
			return errors.New("hung by the test")
		case f.Stage == "data" && f.Code != 0:
			return &smtp.SMTPError{Code: f.Code, EnhancedCode: smtp.NoEnhancedCode, Message: f.Message}
		}
	}
	ss.msg.Data = buf.Bytes()
	if !ss.s.opts.Discard {
		ss.s.mu.Lock()
		ss.s.msgs = append(ss.s.msgs, ss.msg)
		ss.s.mu.Unlock()
	}
	ss.s.accepted.Add(1)
	select {
	case ss.s.Received <- struct{}{}:
	default:
	}
	return nil
}

func (ss *session) Reset()        { ss.msg, ss.fault = Message{}, nil }
func (ss *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN (go-sasl has the client
// side only): it asks for the user name, then the password.
type loginServer struct {
	check func(user, pass string) error
	step  int
	user  string
}

func (l *loginServer) Next(response []byte) ([]byte, bool, error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) > 0 { // initial response: the user name
			l.user, l.step = string(response), 2
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.user, l.step = string(response), 2
		return []byte("Password:"), false, nil
	default:
		return nil, true, l.check(l.user, string(response))
	}
}

// testCert makes a self-signed certificate for 127.0.0.1 and a pool that
// trusts it.
func testCert(t testing.TB) (*tls.Config, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "outreach smtp test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IsCA: true, BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}}}, pool
}

// discardLog drops the server's error log (faults are deliberate).
type discardLog struct{}

func (discardLog) Printf(string, ...any) {}
func (discardLog) Println(...any)        {}

// countingListener counts accepted connections.
type countingListener struct {
	net.Listener
	n *atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.n.Add(1)
	}
	return c, err
}

package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/internal/browsertest"
	"github.com/outreach-dev/outreach/internal/pgtest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/store"
)

// mailbox is a Sender that keeps the messages it is given.
type mailbox struct {
	mu   sync.Mutex
	msgs []*outreach.Message
}

var _ outreach.Sender = (*mailbox)(nil)

func (m *mailbox) Send(_ context.Context, msg *outreach.Message) (outreach.SendResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.msgs = append(m.msgs, msg)
	return outreach.SendResult{}, nil
}

func (m *mailbox) all() []*outreach.Message {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]*outreach.Message(nil), m.msgs...)
}

// clock is a settable clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// env is a console over a real store, mounted in the real httpapi server
// as serve mounts it.
type env struct {
	db    *store.DB
	cons  *console.Server
	mail  *mailbox
	clock *clock
	srv   *httptest.Server
	logs  *lockedWriter
}

// lockedWriter collects the access log when a test asks for it.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.w == nil {
		return len(p), nil
	}
	return l.w.Write(p)
}

// logTo sends the server's log to w from now on.
func (e *env) logTo(w io.Writer) {
	e.logs.mu.Lock()
	defer e.logs.mu.Unlock()
	e.logs.w = w
}

// team is the fixture's members: one per role and one without.
var team = []outreach.TeamMember{
	{Email: "ada@vendor.example", Name: "Ada Admin", ConsoleRole: outreach.RoleAdmin},
	{Email: "mo@vendor.example", Name: "Mo Marketing", ConsoleRole: outreach.RoleMarketing},
	{Email: "cy@vendor.example", Name: "Cy Success", ConsoleRole: outreach.RoleCS},
	{Email: "nora@vendor.example", Name: "Nora Norole"},
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	e := &env{mail: &mailbox{}, clock: &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	e.db = storetest.Open(t, dialect, e.clock.Now)
	if _, err := e.db.UpsertTeam(context.Background(), team); err != nil {
		t.Fatal(err)
	}
	byIP, _ := httpapi.NewLimiter(1.0/60, 10, 100, e.clock.Now)
	byAddr, _ := httpapi.NewLimiter(1.0/300, 3, 100, e.clock.Now)
	e.cons = &console.Server{Store: e.db, Sender: e.mail, MailFrom: "console@vendor.example",
		LimitIP: byIP, LimitAddress: byAddr, Now: e.clock.Now, Pack: campaigns.Default,
		PostalAddress: "Vendor Inc., 1 Main St, Springfield"}
	e.logs = &lockedWriter{}
	api := &httpapi.Server{DB: e.db, Now: e.clock.Now, Console: e.cons.Handler(),
		Logger: slog.New(slog.NewTextHandler(e.logs, nil))}
	e.srv = httptest.NewServer(api.Handler())
	t.Cleanup(e.srv.Close)
	e.cons.PublicURL = e.srv.URL
	return e
}

// client returns an HTTP client with its own cookie jar that does not
// follow redirects.
func (e *env) client(t *testing.T) *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// link issues a sign-in link for email as `outreach console-link` does.
func (e *env) link(t *testing.T, email string) string {
	t.Helper()
	l, err := console.IssueSignIn(context.Background(), e.db, e.srv.URL, email, e.clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// signIn returns a client with a session for email.
func (e *env) signIn(t *testing.T, email string) *http.Client {
	t.Helper()
	c := e.client(t)
	res, err := c.PostForm(e.link(t, email), nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign in %s: status %d", email, res.StatusCode)
	}
	return c
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 32<<10)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return res.StatusCode, sb.String()
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b := new(strings.Builder)
	_, _ = ioCopy(b, res)
	return res.StatusCode, b.String()
}

func consoleIssue(e *env, email string) (string, error) {
	return console.IssueSignIn(context.Background(), e.db, e.srv.URL, email, e.clock.Now())
}

func TestMain(m *testing.M) {
	code := pgtest.Run(m)
	browsertest.Stop()
	os.Exit(code)
}

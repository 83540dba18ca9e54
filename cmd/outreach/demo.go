package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/digest"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/eml"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/smtp"
	"github.com/outreach-dev/outreach/store"
)

const demoUsage = "demo [--accounts N] [--days N] [--seed S] [--dir DIR] [--no-serve]"

// demoAnswerShare is the share of survey emails the demo's customers answer.
const demoAnswerShare = 0.3

// demoDigestLines is how much of the digest the demo prints.
const demoDigestLines = 45

// demoFlags are the flags of `outreach demo`.
type demoFlags struct {
	accounts, days int
	seed           int64
	dir            string
	noServe        bool
}

func (m *Main) demoCommand() *command {
	f := demoFlags{accounts: 300, days: 90, seed: 1}
	return &command{
		NoDatabase: true,
		Usage:      demoUsage,
		Summary:    "show the whole product: simulate N days of a generated customer base into a temporary database and the outbox, print the forecast and a CSM's digest, then serve the API",
		Flags: func(fs *flag.FlagSet) {
			fs.IntVar(&f.accounts, "accounts", f.accounts, "number of generated customer accounts (3-8 people each)")
			fs.IntVar(&f.days, "days", f.days, fmt.Sprintf("days to simulate, ending now (at most %d)", simulate.MaxDays))
			fs.Int64Var(&f.seed, "seed", f.seed, "seed of the generated customers and their answers (same seed, same people)")
			fs.StringVar(&f.dir, "dir", "", "directory for the demo database (default: a new temporary directory)")
			fs.BoolVar(&f.noServe, "no-serve", false, "stop after the simulation instead of serving the API")
			fs.StringVar(&m.Config.HTTPAddr, "http-addr", m.Config.HTTPAddr, "listen address (OUTREACH_HTTP_ADDR)")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := noArgs(args, demoUsage); err != nil {
				return err
			}
			return m.demo(ctx, f)
		},
	}
}

// demo builds a database of generated customers, simulates f.days ending
// now with the built-in pack into the outbox directory, prints the
// forecast and one CSM's digest, and then serves that database.
func (m *Main) demo(ctx context.Context, f demoFlags) error {
	start := m.Now()
	if f.accounts < 1 || f.days < 1 || f.days > simulate.MaxDays {
		return fmt.Errorf("--accounts must be at least 1 and --days 1 to %d (defaults 300 and 90)", simulate.MaxDays)
	}
	// Settle the outbox before creating anything: a run never adds its
	// emails to another run's.
	explicit := m.Getenv("OUTREACH_OUTBOX_DIR") != ""
	if explicit {
		if err := checkDemoOutbox(m.Config.OutboxDir, "empty it, or unset OUTREACH_OUTBOX_DIR to get a new outbox in the demo directory"); err != nil {
			return err
		}
	}
	dir, err := demoDir(f.dir)
	if err != nil {
		return err
	}
	if !explicit {
		m.Config.OutboxDir = filepath.Join(dir, "outbox")
		if err := checkDemoOutbox(m.Config.OutboxDir, "pick another --dir, or none for a new temporary one"); err != nil {
			return err
		}
	}
	db, err := m.demoStore(ctx, dir)
	if err != nil {
		return err
	}
	// Listen first: the links in the emails must point at the server.
	var ln net.Listener
	if !f.noServe {
		if ln, err = net.Listen("tcp", m.Config.HTTPAddr); err != nil {
			return fmt.Errorf("listen on OUTREACH_HTTP_ADDR (or --http-addr): %w", err)
		}
		defer ln.Close()
		if m.Config.PublicURL == DefaultConfig().PublicURL {
			m.Config.PublicURL = "http://" + ln.Addr().String()
		}
	}
	// The demo's customers are made up: never send them real email.
	m.Config.SendGridAPIKey = ""
	if err := demoSMTP(m.Config.SMTPURL); err != nil {
		return err
	}
	out, err := m.demoSimulate(ctx, db, f)
	if err != nil {
		return err
	}
	if err := m.printDemoDigest(ctx, db, out.data); err != nil {
		return err
	}
	if err := m.demoLoop(ctx, db, out); err != nil {
		return err
	}
	if f.noServe {
		fmt.Fprintf(m.Stdout, "\ndone in %.1fs\n", m.Now().Sub(start).Seconds())
		return nil
	}
	if m.Config.APIToken == "" {
		if m.Config.APIToken, err = demoToken(); err != nil {
			return err
		}
	}
	m.printTryIt(ln.Addr().String(), out)
	if err := m.printConsoleLink(ctx, db, out.data); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\nready in %.1fs: serving on http://%s — Ctrl-C stops\n", m.Now().Sub(start).Seconds(), ln.Addr())
	return m.serveOn(ctx, db, ln)
}

// demoSMTP refuses an SMTP server that is not on this machine: the demo's
// customers are made up, so their mail may only go to a local catcher such
// as Mailpit.
func demoSMTP(url string) error {
	if url == "" {
		return nil
	}
	ep, err := smtp.ParseURL(url)
	if err != nil {
		return err
	}
	if !smtp.Loopback(ep.Host) {
		return fmt.Errorf("OUTREACH_SMTP_URL: the demo sends only to an SMTP server on this machine (e.g. Mailpit: smtp://127.0.0.1:1025?tls=none), not to %s: its customers are made up", ep.Addr())
	}
	c, err := net.DialTimeout("tcp", ep.Addr(), 5*time.Second)
	if err != nil {
		return fmt.Errorf("OUTREACH_SMTP_URL: no SMTP server answers at %s (%v): start one first, e.g. mailpit (see docs/demo.md)", ep.Addr(), err)
	}
	return c.Close()
}

// demoSender is where the simulation's emails go: the local SMTP server
// of OUTREACH_SMTP_URL, else .eml files in the outbox. Emails are dated at
// the simulated instant they were sent (db.Now is the virtual clock while
// the simulation runs).
func (m *Main) demoSender(db *store.DB) (outreach.Sender, string, error) {
	date := func() time.Time { return db.Now() }
	if m.Config.SMTPURL == "" {
		out := eml.New(m.Config.OutboxDir, date)
		out.PostalAddress = m.Config.PostalAddress
		return out, "", nil
	}
	s, err := smtp.NewSender(smtp.Config{URL: m.Config.SMTPURL, PostalAddress: m.Config.PostalAddress,
		RatePerSecond: m.Config.SendRate, Date: date})
	if err != nil {
		return nil, "", err
	}
	return s, "sent to the " + s.Endpoint().String() + " (with Mailpit: read them at http://127.0.0.1:8025)", nil
}

// fromAddress is the address of OUTREACH_MAIL_FROM ("" when it does not
// parse, which Validate refused already).
func (m *Main) fromAddress() string {
	addr, _, _ := splitFrom(m.Config.MailFrom)
	return addr
}

// demoDir returns the demo's directory: dir (created if needed), or a new
// temporary directory when dir is "".
func demoDir(dir string) (string, error) {
	if dir == "" {
		dir, err := os.MkdirTemp("", "outreach-demo-")
		if err != nil {
			return "", fmt.Errorf("create the demo directory: %w", err)
		}
		return dir, nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("--dir: %w", err)
	}
	return dir, nil
}

// checkDemoOutbox refuses an outbox directory that already holds .eml
// files, saying what to do (hint): the demo's count and the files it
// points at must all be this run's, and it deletes nothing.
func checkDemoOutbox(dir, hint string) error {
	old, err := filepath.Glob(filepath.Join(dir, "*.eml"))
	if err != nil {
		return fmt.Errorf("read the outbox %s: %w", dir, err)
	}
	if len(old) > 0 {
		return outreach.Errorf(outreach.ECONFLICT, "the outbox %s already holds %s (from an earlier run?): the demo writes its emails into an empty outbox, so as not to mix two runs; %s",
			dir, plural(len(old), ".eml file"), hint)
	}
	return nil
}

// demoStore creates the demo's SQLite database in dir and prints where it
// is.
func (m *Main) demoStore(ctx context.Context, dir string) (*store.DB, error) {
	path := filepath.Join(dir, "outreach.db")
	if _, err := os.Stat(path); err == nil {
		return nil, fmt.Errorf("--dir %s already holds a demo database (outreach.db): the demo needs a fresh one; remove it or pick another directory", dir)
	}
	m.Config.DatabaseURL = "sqlite:" + path
	db, err := m.openStore(ctx)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(m.Stdout, "database: %s (kept after the demo; e.g. OUTREACH_DATABASE_URL=%s outreach explain --contact EMAIL)\n",
		path, m.Config.DatabaseURL)
	return db, nil
}

// demoRun is what the simulation left for the rest of the demo to show.
type demoRun struct {
	data    *sample.Data
	sent    *countingSender
	outbox  string
	summary *simulate.Result
}

// demoSimulate generates the customer base and simulates the window
// ending now, writing the emails into the outbox directory.
func (m *Main) demoSimulate(ctx context.Context, db *store.DB, f demoFlags) (*demoRun, error) {
	end := m.Now().UTC().Truncate(time.Minute)
	from := end.Add(-time.Duration(f.days) * 24 * time.Hour)
	data := sample.Generate(f.seed, sample.Options{Accounts: f.accounts, From: from, Days: f.days})
	fmt.Fprintf(m.Stdout, "customers: %s, %s, %s, %s from %s to %s (the %s up to now, seed %d)\n",
		plural(len(data.Accounts), "account"), plural(len(data.Contacts), "contact"), plural(len(data.Team), "CSM"),
		plural(len(data.Events), "event"), from.Format(time.RFC3339), end.Format(time.RFC3339), plural(f.days, "day"), f.seed)
	signer, err := m.linkSigner(ctx, db)
	if err != nil {
		return nil, err
	}
	fromAddr, fromName, err := splitFrom(m.Config.MailFrom)
	if err != nil {
		return nil, err
	}
	// Emails are dated at the simulated instant they were sent: db.Now
	// is the virtual clock while the simulation runs.
	next, where, err := m.demoSender(db)
	if err != nil {
		return nil, err
	}
	sent := &countingSender{next: next}
	if c, ok := next.(interface{ Close() error }); ok {
		defer c.Close()
	}
	logPath := filepath.Join(filepath.Dir(strings.TrimPrefix(m.Config.DatabaseURL, "sqlite:")), "decisions.jsonl")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("create the decision log: %w", err)
	}
	defer logFile.Close()
	fmt.Fprintf(m.Stdout, "simulating %s with the built-in campaign pack…\n\n", plural(f.days, "day"))
	res, err := simulate.Run(ctx, simulate.Options{
		Accounts: data.Accounts, Contacts: data.Contacts, Events: data.Events, Team: data.Team,
		From: from, Days: f.days, DB: db, Sender: sent, Signer: signer, Out: logFile,
		Answers: &simulate.Answers{Share: demoAnswerShare, Seed: f.seed},
		Dispatch: dispatch.Config{PublicURL: m.Config.PublicURL, From: fromAddr, FromName: fromName,
			PostalAddress: m.Config.PostalAddress},
	})
	if err != nil {
		return nil, err
	}
	if err := logFile.Close(); err != nil {
		return nil, fmt.Errorf("write the decision log: %w", err)
	}
	if err := res.Print(m.Stdout); err != nil {
		return nil, err
	}
	outbox, _ := filepath.Abs(m.Config.OutboxDir)
	if m.Config.SMTPURL == "" {
		where = "written as .eml files into " + outbox
	}
	fmt.Fprintf(m.Stdout, "\n%s (%d to customers, %s to CSMs) %s\n",
		plural(sent.count(), "email"), sent.count()-res.Digests.Sent, plural(res.Digests.Sent, "digest"), where)
	fmt.Fprintf(m.Stdout, "decision log: %s (%s and %s, one JSON object per line)\n", logPath,
		plural(res.Decisions, "decision"), plural(res.Digests.Sent, "digest"))
	return &demoRun{data: data, sent: sent, outbox: outbox, summary: res}, nil
}

// printDemoDigest prints the latest digest sent to the CSM who owns the
// most accounts.
func (m *Main) printDemoDigest(ctx context.Context, db *store.DB, data *sample.Data) error {
	owned := map[string]int{}
	for _, a := range data.Accounts {
		owned[a.OwnerEmail]++
	}
	var owners []string
	for o := range owned {
		owners = append(owners, o)
	}
	if len(owners) == 0 {
		return nil
	}
	slices.SortFunc(owners, func(a, b string) int { return cmp.Or(owned[b]-owned[a], strings.Compare(a, b)) })
	owner := owners[0]
	digests, err := db.Digests(ctx, owner)
	if err != nil {
		return err
	}
	for _, d := range digests {
		if d.State != outreach.DigestSent {
			continue
		}
		shown, rest := digestHead(d.Text, demoDigestLines)
		fmt.Fprintf(m.Stdout, "\n── the latest digest of %s (%s), sent %s ──\n\nSubject: %s\n\n%s\n",
			owner, plural(owned[owner], "account"), d.SentAt.UTC().Format(time.RFC3339), d.Subject, shown)
		outbox, _ := filepath.Abs(m.Config.OutboxDir)
		file := filepath.Join(outbox, digest.MessageID(owner, d.PeriodEnd)+".eml")
		if m.Config.SMTPURL != "" {
			file = "the SMTP server's mailbox, Message-ID " + outreach.MessageID(digest.MessageID(owner, d.PeriodEnd), m.fromAddress())
		}
		if rest > 0 {
			more := "more lines"
			if rest == 1 {
				more = "more line"
			}
			fmt.Fprintf(m.Stdout, "\n  … %d %s: the whole digest is in %s\n", rest, more, file)
		} else {
			fmt.Fprintf(m.Stdout, "\n(the email: %s)\n", file)
		}
		return nil
	}
	fmt.Fprintf(m.Stdout, "\n%s (%s) was sent no digest in this window (their schedule did not fire, or there was nothing to report)\n",
		owner, plural(owned[owner], "account"))
	return nil
}

// digestHead returns the first sections of a digest's text that fit in
// about max lines (at least the first section) and how many lines it left
// out.
func digestHead(text string, max int) (head string, rest int) {
	text = strings.TrimRight(text, "\n")
	sections := strings.Split(text, "\n\n\n")
	shown, n := 1, strings.Count(sections[0], "\n")+1
	for _, sec := range sections[1:] {
		lines := strings.Count(sec, "\n") + 3 // with the two blank lines above it
		if n+lines > max {
			break
		}
		shown, n = shown+1, n+lines
	}
	head = strings.Join(sections[:shown], "\n\n\n")
	return head, strings.Count(text, "\n") - strings.Count(head, "\n")
}

// printTryIt prints the admin token and a few requests to try.
func (m *Main) printTryIt(addr string, run *demoRun) {
	base := "http://" + addr
	auth := fmt.Sprintf(`-H "Authorization: Bearer %s"`, m.Config.APIToken)
	fmt.Fprintf(m.Stdout, "\nAPI token (admin): %s\n\ntry:\n", m.Config.APIToken)
	fmt.Fprintf(m.Stdout, "  curl -s %s/healthz\n", base)
	if s, ok := run.sent.lastSurvey(); ok {
		fmt.Fprintf(m.Stdout, "  curl -s %s %s/api/v1/contacts/%s/timeline\n", auth, base, url.PathEscape(s.to))
	}
	fmt.Fprintf(m.Stdout, "  curl -s %s '%s/api/v1/nps?from=%s'\n", auth, base, run.summary.From.Format(time.RFC3339))
	if s, ok := run.sent.lastSurvey(); ok && s.link != "" {
		where := filepath.Join(run.outbox, s.id+".eml")
		if m.Config.SMTPURL != "" {
			where = "on the SMTP server, Message-ID " + outreach.MessageID(s.id, m.fromAddress())
		}
		fmt.Fprintf(m.Stdout, "\na survey email to %s: %s\nits \"9\" link (open it in a browser to answer): %s\n",
			s.to, where, s.link)
	}
}

// demoToken returns a new random admin token for the demo's API.
func demoToken() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate an API token: %w", err)
	}
	return "demo-" + base64.RawURLEncoding.EncodeToString(b), nil
}

// surveyLink finds the survey link for a score of 9 in a rendered email.
var surveyLink = regexp.MustCompile(`https?://[^\s"'<>]+/s/[^\s"'<>?]+\?score=9\b`)

// sentSurvey is a survey email the demo points the user at.
type sentSurvey struct {
	id, to, link string
}

// countingSender counts the messages its sender accepted and remembers the
// latest survey, for the demo's closing hints.
type countingSender struct {
	next outreach.Sender

	mu     sync.Mutex
	n      int
	survey sentSurvey
	has    bool
}

var _ outreach.Sender = (*countingSender)(nil)

// Send passes m on and counts it when accepted.
func (s *countingSender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	res, err := s.next.Send(ctx, m)
	if err != nil {
		return res, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.n++
	if m.Category == outreach.CategorySurvey {
		s.survey = sentSurvey{id: m.DeliveryID, to: m.To, link: surveyLink.FindString(m.Text)}
		s.has = true
	}
	return res, nil
}

func (s *countingSender) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.n
}

func (s *countingSender) lastSurvey() (sentSurvey, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.survey, s.has
}

// printConsoleLink prints a sign-in link to the console for the demo's
// admin.
func (m *Main) printConsoleLink(ctx context.Context, db *store.DB, data *sample.Data) error {
	for _, t := range data.Team {
		if t.ConsoleRole != outreach.RoleAdmin {
			continue
		}
		link, err := console.IssueSignIn(ctx, db, m.Config.PublicURL, t.Email, m.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "\nthe console, signed in as %s (%s, admin; the link works once within %v):\n  %s\n",
			t.Name, t.Email, outreach.SignInTTL, link)
		fmt.Fprintf(m.Stdout, "  another link: outreach console-link --email %s (with OUTREACH_DATABASE_URL=%s)\n", t.Email, m.Config.DatabaseURL)
		return nil
	}
	return nil
}

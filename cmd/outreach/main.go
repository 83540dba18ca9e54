// Command outreach runs the outreach service and its tools: the HTTP server
// and workers (serve), database migrations (migrate), CSV import (import),
// API tokens (token), the campaign pack tools (init, validate, preview,
// simulate), the throttle's explanations (explain), CSM digests (digest)
// and the all-in-one demo (demo).
//
// Each subcommand lives in its own file and is listed in Main.commands;
// main only wires packages together and holds no business logic.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
	"golang.org/x/term"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.ParseFlags(ctx, os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			os.Exit(0)
		}
		fmt.Fprintln(m.Stderr, "outreach:", err)
		os.Exit(2)
	}
	err := m.Run(ctx)
	if cerr := m.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintln(m.Stderr, "outreach:", userMessage(err))
		os.Exit(1)
	}
}

// userMessage is what the user sees of err: the message of a domain error,
// the whole chain of an infrastructure error.
func userMessage(err error) string {
	if code := outreach.ErrorCode(err); code != outreach.EINTERNAL {
		return outreach.ErrorMessage(err)
	}
	return err.Error()
}

// command is one subcommand. Flags registers its own flags (may be nil);
// Run receives the positional arguments.
type command struct {
	Usage   string // e.g. "import KIND FILE.csv [--no-trigger] [--skip-invalid]"
	Summary string
	Flags   func(fs *flag.FlagSet)
	Run     func(ctx context.Context, args []string) error
	// NoDatabase commands use no configured database: they take no
	// --database-url and ignore OUTREACH_DATABASE_URL.
	NoDatabase bool
}

// commands lists the subcommands. To add one, write a method returning its
// *command in cmd/outreach/NAME.go and add one line here.
func (m *Main) commands() map[string]*command {
	return map[string]*command{
		"serve":        m.serveCommand(),
		"migrate":      m.migrateCommand(),
		"import":       m.importCommand(),
		"token":        m.tokenCommand(),
		"console-link": m.consoleLinkCommand(),
		"pack":         m.packCommand(),
		"init":         m.initCommand(),
		"validate":     m.validateCommand(),
		"explain":      m.explainCommand(),
		"digest":       m.digestCommand(),
		"preview":      m.previewCommand(),
		"simulate":     m.simulateCommand(),
		"demo":         m.demoCommand(),
	}
}

// Main is the program: configuration, I/O and the resources it opened. It
// is built by NewMain, configured by ParseFlags, run by Run and released by
// Close, so that tests can run any command in-process.
type Main struct {
	Config Config

	Stdout, Stderr io.Writer
	Getenv         func(string) string
	Now            func() time.Time
	Logger         *slog.Logger

	// OnListen, when set, is called with the address serve listens on.
	OnListen func(addr string)

	cmd    *command
	args   []string
	db     *store.DB
	dryRun bool      // serve --dry-run
	plan   *planning // serve's active pack and scheduler
}

// NewMain returns a Main on the process's environment and standard streams.
func NewMain() *Main {
	return &Main{
		Config: DefaultConfig(),
		Stdout: os.Stdout,
		Stderr: os.Stderr,
		Getenv: os.Getenv,
		Now:    time.Now,
	}
}

// ParseFlags reads the environment, picks the subcommand named by args[0]
// and parses its flags (which may come before or after its positional
// arguments) and arguments.
func (m *Main) ParseFlags(ctx context.Context, args []string) error {
	if err := m.Config.LoadEnv(m.Getenv); err != nil {
		return err
	}
	cmds := m.commands()
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		m.usage(cmds)
		if len(args) == 0 {
			return errors.New("no command given")
		}
		return flag.ErrHelp
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		m.usage(cmds)
		return fmt.Errorf("unknown command %q", args[0])
	}
	fs := flag.NewFlagSet("outreach "+args[0], flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "usage: outreach %s\n\n%s\n\nflags:\n", cmd.Usage, cmd.Summary)
		fs.PrintDefaults()
	}
	if !cmd.NoDatabase {
		m.Config.RegisterFlags(fs)
	}
	if cmd.Flags != nil {
		cmd.Flags(fs)
	}
	pos, err := parseInterspersed(fs, args[1:])
	if err != nil {
		return err
	}
	validate := m.Config.Validate
	if cmd.NoDatabase {
		validate = m.Config.validateRest
	}
	if err := validate(); err != nil {
		return err
	}
	m.cmd, m.args = cmd, pos
	if m.Logger == nil {
		m.Logger = newLogger(m.Stderr)
	}
	return nil
}

// parseInterspersed parses flags anywhere among the positional arguments
// ("import contacts f.csv --skip-invalid"); "--" ends the flags.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > 0 && len(rest) < len(args) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

func (m *Main) usage(cmds map[string]*command) {
	names := make([]string, 0, len(cmds))
	for n := range cmds {
		names = append(names, n)
	}
	sort.Strings(names)
	var sb strings.Builder
	sb.WriteString("usage: outreach COMMAND [flags] [args]\n\ncommands:\n")
	for _, n := range names {
		fmt.Fprintf(&sb, "  %-50s %s\n", cmds[n].Usage, cmds[n].Summary)
	}
	sb.WriteString("\nconfiguration: OUTREACH_* environment variables (see README.md); run \"outreach COMMAND -h\" for flags\n")
	fmt.Fprint(m.Stderr, sb.String())
}

// newLogger logs JSON lines, or text when w is a terminal. Every string
// and error it writes has its email addresses and signed tokens redacted
// (redactAttr): each log call already writes them redacted, and this
// keeps the promise for a message that quotes one unexpectedly. Durations
// are written as people read them ("1m30s", "1.8ms"), not as the
// nanosecond integers the JSON handler would write.
func newLogger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
		return redactAttr(groups, readableDuration(groups, a))
	}}
	if isTerminal(w) {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

// redactAttr redacts the addresses (outreach.RedactEmails) and signed
// tokens (links.RedactTokens) in a string or error attribute.
func redactAttr(_ []string, a slog.Attr) slog.Attr {
	switch a.Value.Kind() {
	case slog.KindString:
		if s := a.Value.String(); strings.ContainsAny(s, "@.") {
			a.Value = slog.StringValue(links.RedactTokens(outreach.RedactEmails(s)))
		}
	case slog.KindAny:
		if err, ok := a.Value.Any().(error); ok {
			a.Value = slog.StringValue(links.RedactTokens(outreach.RedactEmails(err.Error())))
		}
	}
	return a
}

// readableDuration writes a time.Duration attribute as its String form.
func readableDuration(_ []string, a slog.Attr) slog.Attr {
	if a.Value.Kind() == slog.KindDuration {
		return slog.String(a.Key, a.Value.Duration().String())
	}
	return a
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// Run runs the parsed command.
func (m *Main) Run(ctx context.Context) error {
	if m.cmd == nil {
		return errors.New("run: ParseFlags was not called")
	}
	return m.cmd.Run(ctx, m.args)
}

// Close releases what Run opened.
func (m *Main) Close() error {
	if m.db != nil {
		err := m.db.Close()
		m.db = nil
		return err
	}
	return nil
}

// openStore opens the configured database, ready for use: on SQLite it
// applies pending migrations; on PostgreSQL it refuses to run with pending
// migrations, which `outreach migrate` applies, and changes nothing.
func (m *Main) openStore(ctx context.Context) (*store.DB, error) {
	db, err := m.openRaw(ctx)
	if err != nil {
		return nil, err
	}
	if db.Dialect() == store.SQLite {
		if err := db.Migrate(ctx); err != nil {
			return nil, err
		}
		return db, nil
	}
	n, err := db.PendingMigrations(ctx)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		return nil, fmt.Errorf("%d pending migrations: run `outreach migrate` first", n)
	}
	return db, nil
}

// openExisting is openStore for the commands that only read (explain,
// preview, digest, token list): on SQLite they refuse a missing file
// instead of creating an empty database in the working directory.
func (m *Main) openExisting(ctx context.Context) (*store.DB, error) {
	if path, ok := strings.CutPrefix(m.Config.DatabaseURL, "sqlite:"); ok && path != ":memory:" {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("OUTREACH_DATABASE_URL: no database at %s: point it at the database `outreach serve` uses (or load data first with `outreach import`)", path)
		}
	}
	return m.openStore(ctx)
}

// openRaw opens the configured database without looking at migrations.
func (m *Main) openRaw(ctx context.Context) (*store.DB, error) {
	if m.db != nil {
		return m.db, nil
	}
	db, err := store.OpenWith(ctx, m.Config.DatabaseURL, store.Options{MaxConns: m.Config.DBMaxConns})
	if err != nil {
		return nil, err
	}
	db.Now = m.Now
	m.db = db
	return db, nil
}

// wantArgs checks the number of positional arguments.
func wantArgs(args []string, n int, usage string) error {
	if len(args) != n {
		return fmt.Errorf("usage: outreach %s", usage)
	}
	return nil
}

package simulate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/dispatch"
	"github.com/outreach-dev/outreach/ingest"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

// secret signs the survey and unsubscribe links of simulated messages. The
// links are never served by a real deployment, so a fixed key keeps
// simulations deterministic.
const secret = "outreach-simulate-links-key"

// Options configures one simulation. Data comes as CSV readers (the import
// formats of PRODUCT.md), as decoded slices, or both (the slices are
// loaded first).
type Options struct {
	// Pack is the campaign pack to forecast; nil = the built-in pack.
	Pack *campaigns.Loaded

	Accounts     []outreach.Account
	Contacts     []outreach.Contact
	Events       []outreach.Event
	Team         []outreach.TeamMember
	Suppressions []outreach.Suppression

	AccountsCSV, ContactsCSV, EventsCSV, TeamCSV, SuppressionsCSV io.Reader

	// From and Days are the window [From, From + Days days). Required;
	// Days is 1 to MaxDays.
	From time.Time
	Days int

	// Sender receives the messages; nil = a dispatch.Recorder keeping the
	// last 100 (Result.Recorder). The demo passes an outbox sender.
	Sender outreach.Sender
	// Signer signs the survey, unsubscribe and pause links of the
	// messages; nil = a fixed key (links a real deployment would refuse).
	// The demo passes the signer of the store it then serves.
	Signer *links.Signer
	// Out receives the JSONL decision log; nil = none.
	Out io.Writer

	// DB is an open, migrated, empty store to run against (the caller
	// keeps it, e.g. to serve it afterwards); nil = open DBURL.
	DB *store.DB
	// DBURL is the store opened when DB is nil; "" = a private in-memory
	// scratch store (store.OpenScratch: no report aggregates). A named
	// store must be empty; Run migrates it and closes it at the end.
	DBURL string

	// Dispatch configures the dispatcher; zero fields get simulation
	// values (1 worker, batches of 1,000 contacts, ProcessID "simulate", a
	// loopback PublicURL, example From and postal address).
	Dispatch dispatch.Config

	// OnDay, when set, is called at the start of every simulated day
	// (From + k days, k = 0 … Days-1) with the store and the virtual time,
	// before that instant's events are loaded. An error stops the run.
	OnDay func(ctx context.Context, db *store.DB, day time.Time) error

	// Answers, when set, makes customers answer a share of their surveys
	// (at the start of each day, before OnDay); nil = nobody answers.
	Answers *Answers

	// Logger receives the planner's and dispatcher's logs; nil = none.
	Logger *slog.Logger
}

// MaxDays is the longest window a simulation covers: 10 years. It keeps
// the window's end a valid time (a day count beyond about 106,000 would
// overflow time.Duration) and a run within reach.
const MaxDays = 3660

func (o *Options) validate() error {
	var errs []error
	if o.From.IsZero() {
		errs = append(errs, errors.New("simulate: From is required: the start of the window (RFC 3339, e.g. 2026-03-02T00:00:00Z)"))
	}
	if o.Days < 1 || o.Days > MaxDays {
		errs = append(errs, fmt.Errorf("simulate: Days is %d: simulate from 1 to %d days (10 years)", o.Days, MaxDays))
	}
	if err := o.Answers.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// dispatchConfig fills the fields a simulation needs but a caller may not
// care about.
func (o *Options) dispatchConfig() dispatch.Config {
	c := o.Dispatch
	// One sender and large claims: the store is one SQLite connection, so
	// parallel senders only split each claim's results into more
	// transactions.
	if c.Workers == 0 {
		c.Workers = 1
	}
	if c.Batch == 0 {
		c.Batch = 1000
	}
	if c.ProcessID == "" {
		c.ProcessID = "simulate"
	}
	if c.PublicURL == "" {
		c.PublicURL = "http://127.0.0.1:8080"
	}
	if c.From == "" {
		c.From = "outreach@example.com"
		if c.FromName == "" {
			c.FromName = "Outreach"
		}
	}
	if c.PostalAddress == "" {
		c.PostalAddress = "Example Inc., 1 Example Street, Springfield, USA"
	}
	return c
}

// input is the decoded data of a simulation.
type input struct {
	accounts     []outreach.Account
	contacts     []outreach.Contact
	events       []outreach.Event
	team         []outreach.TeamMember
	suppressions []outreach.Suppression
	// src says where each item of each kind came from, in the order of
	// the slices above, so that a row the store refuses is reported by
	// its file and line.
	src map[ingest.Kind][]source
}

// source is where one input item came from: an index in an Options slice,
// or a line of a CSV reader.
type source struct {
	csv bool
	n   int // 0-based index in the Options slice, or CSV line (the header is line 1)
}

// slice returns the sources of n items of an Options slice.
func slice(n int) []source {
	src := make([]source, n)
	for i := range src {
		src[i] = source{n: i}
	}
	return src
}

// decode returns the slices of o followed by the rows of its CSV readers.
// A CSV problem is an error naming the file kind, line and column.
func (o *Options) decode() (*input, error) {
	in := &input{
		accounts:     append([]outreach.Account(nil), o.Accounts...),
		contacts:     append([]outreach.Contact(nil), o.Contacts...),
		events:       append([]outreach.Event(nil), o.Events...),
		team:         append([]outreach.TeamMember(nil), o.Team...),
		suppressions: append([]outreach.Suppression(nil), o.Suppressions...),
		src: map[ingest.Kind][]source{
			ingest.Accounts: slice(len(o.Accounts)), ingest.Contacts: slice(len(o.Contacts)), ingest.Events: slice(len(o.Events)),
			ingest.Team: slice(len(o.Team)), ingest.Suppressions: slice(len(o.Suppressions)),
		},
	}
	readers := []struct {
		kind ingest.Kind
		r    io.Reader
	}{
		{ingest.Accounts, o.AccountsCSV}, {ingest.Contacts, o.ContactsCSV}, {ingest.Events, o.EventsCSV},
		{ingest.Team, o.TeamCSV}, {ingest.Suppressions, o.SuppressionsCSV},
	}
	for _, rd := range readers {
		if rd.r == nil {
			continue
		}
		b, err := ingest.DecodeCSV(rd.kind, rd.r, 0)
		if err != nil {
			return nil, csvError(rd.kind, err)
		}
		in.accounts = append(in.accounts, b.Accounts...)
		in.contacts = append(in.contacts, b.Contacts...)
		in.events = append(in.events, b.Events...)
		in.team = append(in.team, b.Team...)
		in.suppressions = append(in.suppressions, b.Suppressions...)
		for _, line := range b.Positions {
			in.src[rd.kind] = append(in.src[rd.kind], source{csv: true, n: line})
		}
	}
	return in, nil
}

// csvError names the file of a decoding problem and lists every bad line
// (an EINVALID error the user can act on).
func csvError(kind ingest.Kind, err error) error {
	var be *outreach.BatchError
	if !errors.As(err, &be) {
		return fmt.Errorf("%s CSV: %w", kind, err)
	}
	problems := make([]rowProblem, len(be.Errors))
	for i, fe := range be.Errors {
		problems[i] = rowProblem{source{csv: true, n: fe.Index}, fe.Field, fe.Message}
	}
	return rowsError(kind, problems)
}

// rowProblem is one problem with one input item.
type rowProblem struct {
	src            source
	field, message string
}

// rowsError is the EINVALID error listing problems with items of kind,
// each named by where it came from: "contacts CSV: line 7: email: …;
// line 9: …" for CSV rows, "contacts: item 0: …" for Options slices.
func rowsError(kind ingest.Kind, problems []rowProblem) error {
	var sb strings.Builder
	for i, p := range problems {
		if i > 0 {
			sb.WriteString("; ")
		}
		if i == 0 || p.src.csv != problems[i-1].src.csv {
			if p.src.csv {
				fmt.Fprintf(&sb, "%s CSV: ", kind)
			} else {
				fmt.Fprintf(&sb, "%s: ", kind)
			}
		}
		if p.src.csv {
			fmt.Fprintf(&sb, "line %d", p.src.n)
		} else {
			fmt.Fprintf(&sb, "item %d", p.src.n)
		}
		if p.field != "" {
			fmt.Fprintf(&sb, ": %s", p.field)
		}
		fmt.Fprintf(&sb, ": %s", p.message)
	}
	return outreach.Errorf(outreach.EINVALID, "%s", sb.String())
}

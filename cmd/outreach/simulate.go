package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
)

const simulateUsage = "simulate [--campaigns DIR] (--accounts F.csv --contacts F.csv --events F.csv [--team F.csv] [--suppressions F.csv] | --sample N [--sample-seed S] [--sample-out DIR]) --from RFC3339 --days N [--out FILE.jsonl] [--compare DIR]"

// simulateFlags are the flags of `outreach simulate`.
type simulateFlags struct {
	campaigns                                      string
	accounts, contacts, events, team, suppressions string
	from                                           string
	days                                           int
	out                                            string
	compare                                        string    // a second pack run on the same data
	sample                                         int       // generate N sample accounts instead of reading files
	sampleSeed                                     seenInt64 // seed of the generated data
	sampleOut                                      string
}

// seenInt64 is an int64 flag that remembers whether it was given, so that
// a flag that only applies with another one is not silently ignored.
type seenInt64 struct {
	v    int64
	seen bool
}

func (s *seenInt64) String() string {
	if s == nil {
		return "0"
	}
	return strconv.FormatInt(s.v, 10)
}

func (s *seenInt64) Set(v string) error {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return errors.New("not a whole number")
	}
	s.v, s.seen = n, true
	return nil
}

func (m *Main) simulateCommand() *command {
	f := simulateFlags{sampleSeed: seenInt64{v: 1}}
	return &command{
		NoDatabase: true,
		Usage:      simulateUsage,
		Summary:    "forecast a campaign pack: run the planner, throttle and dispatcher over N days on a virtual clock",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.campaigns, "campaigns", "", "campaign pack directory (default: OUTREACH_CAMPAIGNS, else the built-in pack)")
			fs.StringVar(&f.accounts, "accounts", "", "accounts CSV (required)")
			fs.StringVar(&f.contacts, "contacts", "", "contacts CSV (required)")
			fs.StringVar(&f.events, "events", "", "events CSV (required); events before --from are loaded at --from")
			fs.StringVar(&f.team, "team", "", "team CSV")
			fs.StringVar(&f.suppressions, "suppressions", "", "suppressions CSV")
			fs.StringVar(&f.from, "from", "", "start of the window, RFC 3339 (required), e.g. 2026-03-02T00:00:00Z")
			fs.IntVar(&f.days, "days", 0, fmt.Sprintf("length of the window in days, 1 to %d (required)", simulate.MaxDays))
			fs.StringVar(&f.out, "out", "", "write the decision log here, one JSON object per line")
			fs.StringVar(&f.compare, "compare", "", "also forecast this campaign pack on the same data and window, and print the difference per campaign and rule")
			fs.IntVar(&f.sample, "sample", 0, "instead of CSV files, simulate a generated customer base of N accounts (3-8 people each, events over the window)")
			fs.Var(&f.sampleSeed, "sample-seed", "with --sample: seed of the generated customer base (same seed, same data)")
			fs.StringVar(&f.sampleOut, "sample-out", "", "with --sample: also write the generated customer base as CSV files into this directory (existing files are never overwritten)")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := noArgs(args, simulateUsage); err != nil {
				return err
			}
			return m.simulate(ctx, f)
		},
	}
}

// simulate runs one simulation and prints its summary table.
func (m *Main) simulate(ctx context.Context, f simulateFlags) error {
	opts, closeAll, err := m.simulateOptions(f)
	defer closeAll()
	if err != nil {
		return err
	}
	var out *os.File
	var buf *bufio.Writer
	if f.out != "" {
		if out, err = os.Create(f.out); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer out.Close()
		buf = bufio.NewWriterSize(out, 1<<20)
		opts.Out = buf
	}
	// With --compare both packs run at once (simulate.RunAll), on the same
	// data and window.
	runs := []simulate.Options{opts}
	if f.compare != "" {
		g := f
		g.campaigns, g.out, g.sampleOut = f.compare, "", "" // the generated data is the same: same seed
		other, closeOther, err := m.simulateOptions(g)
		defer closeOther()
		if err != nil {
			return fmt.Errorf("--compare: %w", err)
		}
		runs = append(runs, other)
	}
	start := m.Now()
	results, err := simulate.RunAll(ctx, runs...)
	if err != nil {
		return err
	}
	res := results[0]
	if buf != nil {
		if err := buf.Flush(); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		if err := out.Close(); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
	}
	if err := res.Print(m.Stdout); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "\n%s", plural(res.Decisions, "decision"))
	if res.Digests.Sent > 0 {
		fmt.Fprintf(m.Stdout, " and %s", plural(res.Digests.Sent, "digest"))
	}
	if f.out != "" {
		fmt.Fprintf(m.Stdout, " written to %s", f.out)
	}
	fmt.Fprintf(m.Stdout, "; simulated in %.1fs\n", m.Now().Sub(start).Seconds())
	if f.compare != "" {
		return m.printCompare(f, res, results[1])
	}
	return nil
}

// printCompare prints what the pack of --compare changes against base,
// per campaign and rule.
func (m *Main) printCompare(f simulateFlags, base, other *simulate.Result) error {
	baseName := f.campaigns
	if baseName == "" {
		baseName = m.Config.Campaigns
	}
	if baseName == "" {
		baseName = "the built-in pack"
	}
	fmt.Fprintln(m.Stdout)
	return simulate.PrintCompare(m.Stdout, baseName, f.compare, base.Summary, other.Summary)
}

// simulateOptions checks the flags, loads the pack and opens the CSV
// files; the returned function closes them.
func (m *Main) simulateOptions(f simulateFlags) (simulate.Options, func(), error) {
	var files []*os.File
	closeAll := func() {
		for _, fl := range files {
			fl.Close()
		}
	}
	var opts simulate.Options
	errs := f.check()
	if f.from != "" {
		from, err := time.Parse(time.RFC3339, f.from)
		if err != nil {
			errs = append(errs, fmt.Errorf("--from %q is not an RFC 3339 time (e.g. 2026-03-02T00:00:00Z)", f.from))
		}
		opts.From = from
	}
	if len(errs) > 0 {
		return opts, closeAll, fmt.Errorf("usage: outreach %s\n%w", simulateUsage, errors.Join(errs...))
	}
	opts.Days = f.days
	if f.sample > 0 {
		d := sample.Generate(f.sampleSeed.v, sample.Options{Accounts: f.sample, From: opts.From, Days: f.days})
		if f.sampleOut != "" {
			if err := d.WriteCSV(f.sampleOut); err != nil {
				return opts, closeAll, fmt.Errorf("--sample-out: %w", err)
			}
		}
		opts.Accounts, opts.Contacts, opts.Events, opts.Team = d.Accounts, d.Contacts, d.Events, d.Team
	}
	dir := f.campaigns
	if dir == "" {
		dir = m.Config.Campaigns
	}
	if dir != "" {
		pack, err := campaigns.LoadDir(dir)
		if err != nil {
			return opts, closeAll, err
		}
		opts.Pack = pack
	}
	open := func(path, flagName string) (io.Reader, error) {
		if path == "" {
			return nil, nil
		}
		fl, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", flagName, err)
		}
		files = append(files, fl)
		return bufio.NewReader(fl), nil
	}
	for _, in := range []struct {
		path, flag string
		dst        *io.Reader
	}{
		{f.accounts, "--accounts", &opts.AccountsCSV}, {f.contacts, "--contacts", &opts.ContactsCSV},
		{f.events, "--events", &opts.EventsCSV}, {f.team, "--team", &opts.TeamCSV},
		{f.suppressions, "--suppressions", &opts.SuppressionsCSV},
	} {
		r, err := open(in.path, in.flag)
		if err != nil {
			return opts, closeAll, err
		}
		*in.dst = r
	}
	return opts, closeAll, nil
}

// check returns what is wrong with the flags, each problem on its own.
func (f *simulateFlags) check() []error {
	var errs []error
	switch {
	case f.sample < 0:
		errs = append(errs, fmt.Errorf("--sample %d: give the number of accounts to generate, at least 1 (e.g. 300)", f.sample))
	case f.sample == 0:
		for _, req := range [][2]string{{"--accounts", f.accounts}, {"--contacts", f.contacts}, {"--events", f.events}} {
			if req[1] == "" {
				errs = append(errs, fmt.Errorf("%s is required (or --sample N)", req[0]))
			}
		}
		if f.sampleSeed.seen {
			errs = append(errs, fmt.Errorf("--sample-seed only applies with --sample N: give both, or neither"))
		}
		if f.sampleOut != "" {
			errs = append(errs, fmt.Errorf("--sample-out only applies with --sample N: give both, or neither"))
		}
	case f.accounts != "" || f.contacts != "" || f.events != "" || f.team != "":
		errs = append(errs, fmt.Errorf("--sample replaces --accounts, --contacts, --events and --team: give one or the other"))
	}
	if f.from == "" {
		errs = append(errs, fmt.Errorf("--from is required: the start of the window (e.g. 2026-03-02T00:00:00Z)"))
	}
	switch {
	case f.days == 0:
		errs = append(errs, fmt.Errorf("--days is required: the number of days to simulate, 1 to %d (e.g. 90)", simulate.MaxDays))
	case f.days < 0:
		errs = append(errs, fmt.Errorf("--days %d: the number of days to simulate must be positive, 1 to %d (e.g. 90)", f.days, simulate.MaxDays))
	case f.days > simulate.MaxDays:
		errs = append(errs, fmt.Errorf("--days %d is too long: simulate at most %d days (10 years)", f.days, simulate.MaxDays))
	}
	return errs
}

// noArgs refuses positional arguments for a command that takes flags
// only, naming the first one (a misspelt flag value, a stray word).
func noArgs(args []string, usage string) error {
	if len(args) > 0 {
		return fmt.Errorf("usage: outreach %s\nunexpected argument %q: this command takes flags only", usage, args[0])
	}
	return nil
}

package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
)

const simulateUsage = "simulate [--campaigns DIR] (--accounts F.csv --contacts F.csv --events F.csv [--team F.csv] [--suppressions F.csv] | --sample N [--sample-seed S] [--sample-out DIR]) --from RFC3339 --days N [--out FILE.jsonl]"

// simulateFlags are the flags of `outreach simulate`.
type simulateFlags struct {
	campaigns                                      string
	accounts, contacts, events, team, suppressions string
	from                                           string
	days                                           int
	out                                            string
	sample                                         int   // generate N sample accounts instead of reading files
	sampleSeed                                     int64 // seed of the generated data
	sampleOut                                      string
}

func (m *Main) simulateCommand() *command {
	var f simulateFlags
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
			fs.IntVar(&f.days, "days", 0, "length of the window in days (required)")
			fs.StringVar(&f.out, "out", "", "write the decision log here, one JSON object per line")
			fs.IntVar(&f.sample, "sample", 0, "instead of CSV files, simulate a generated customer base of N accounts (3-8 people each, events over the window)")
			fs.Int64Var(&f.sampleSeed, "sample-seed", 1, "seed of the generated customer base (same seed, same data)")
			fs.StringVar(&f.sampleOut, "sample-out", "", "also write the generated customer base as CSV files into this directory")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, simulateUsage); err != nil {
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
	start := m.Now()
	res, err := simulate.Run(ctx, opts)
	if err != nil {
		return err
	}
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
	fmt.Fprintf(m.Stdout, "\n%d decisions", res.Decisions)
	if res.Digests.Sent > 0 {
		fmt.Fprintf(m.Stdout, " and %d digests", res.Digests.Sent)
	}
	if f.out != "" {
		fmt.Fprintf(m.Stdout, " written to %s", f.out)
	}
	fmt.Fprintf(m.Stdout, "; simulated in %.1fs\n", m.Now().Sub(start).Seconds())
	return nil
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
	var errs []error
	required := [][2]string{{"--from", f.from}}
	if f.sample == 0 {
		required = append(required, [2]string{"--accounts", f.accounts}, [2]string{"--contacts", f.contacts}, [2]string{"--events", f.events})
	} else if f.accounts != "" || f.contacts != "" || f.events != "" || f.team != "" {
		errs = append(errs, fmt.Errorf("--sample replaces --accounts, --contacts, --events and --team: give one or the other"))
	}
	for _, req := range required {
		if req[1] == "" {
			errs = append(errs, fmt.Errorf("%s is required (or --sample N)", req[0]))
		}
	}
	if f.days < 1 {
		errs = append(errs, fmt.Errorf("--days is required: the number of days to simulate (e.g. 90)"))
	}
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
		d := sample.Generate(f.sampleSeed, sample.Options{Accounts: f.sample, From: opts.From, Days: f.days})
		if f.sampleOut != "" {
			if err := d.WriteCSV(f.sampleOut); err != nil {
				return opts, closeAll, err
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

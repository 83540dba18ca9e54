package simulate_test

import (
	"bytes"
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/store"
)

// Simulations run at once decide exactly what each decides alone, and
// come back in the order they were given.
func TestRunAllMatchesRunAlone(t *testing.T) {
	d := sample.Generate(3, sample.Options{Accounts: 40, Contacts: 300, Events: 1500, Days: 14})
	packs := []*campaigns.Loaded{campaigns.Default(), surveyPack(t, true), surveyPack(t, false)}
	opts := func(p *campaigns.Loaded, log *bytes.Buffer) simulate.Options {
		return simulate.Options{Pack: p, Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, Team: d.Team,
			From: d.From, Days: 14, Out: log}
	}
	ctx := context.Background()
	var together []simulate.Options
	logs := make([]*bytes.Buffer, len(packs))
	for i, p := range packs {
		logs[i] = &bytes.Buffer{}
		together = append(together, opts(p, logs[i]))
	}
	res, err := simulate.RunAll(ctx, together...)
	if err != nil {
		t.Fatal(err)
	}
	summaries, err := simulate.ForecastPacks(ctx, simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts,
		Events: d.Events, Team: d.Team, From: d.From, Days: 14}, packs)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range packs {
		var log bytes.Buffer
		alone, err := simulate.Run(ctx, opts(p, &log))
		if err != nil {
			t.Fatal(err)
		}
		if alone.Decisions == 0 {
			t.Fatalf("pack %d decided nothing: the comparison would prove nothing", i)
		}
		if !bytes.Equal(logs[i].Bytes(), log.Bytes()) {
			t.Errorf("pack %d: the decision log run with the others differs from the one run alone", i)
		}
		if !reflect.DeepEqual(res[i].Summary, alone.Summary) || !reflect.DeepEqual(summaries[i], alone.Summary) {
			t.Errorf("pack %d: summary with the others\n%+v\nalone\n%+v", i, res[i].Summary, alone.Summary)
		}
	}
}

// When one simulation fails, RunAll stops the others and returns the
// failure, not the cancellation it caused.
func TestRunAllReportsTheFailure(t *testing.T) {
	d := sample.Generate(3, sample.Options{Accounts: 40, Contacts: 300, Events: 1500, Days: 14})
	good := simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, From: d.From, Days: 14}
	bad := good
	bad.Days = 0
	_, err := simulate.RunAll(context.Background(), good, bad)
	if err == nil || errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "Days") {
		t.Errorf("RunAll with a bad Days: %v, want the Days error", err)
	}
}

// A simulation failing mid-run is the error RunAll returns, also when the
// one it stops then fails with an error of its own rather than
// context.Canceled (a cancelled transaction's commit says "transaction has
// already been committed or rolled back"): here the stopped one's OnDay
// waits for the stop, then fails.
func TestRunAllReportsTheFirstFailure(t *testing.T) {
	d := sample.Generate(3, sample.Options{Accounts: 40, Contacts: 300, Events: 1500, Days: 14})
	stopped := simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events, From: d.From, Days: 14}
	stopped.OnDay = func(ctx context.Context, _ *store.DB, day time.Time) error {
		if day.Equal(d.From) {
			return nil
		}
		<-ctx.Done()
		return errors.New("interrupted")
	}
	failing := stopped
	failing.OnDay = func(ctx context.Context, _ *store.DB, day time.Time) error {
		if day.Equal(d.From) {
			return nil
		}
		return errors.New("boom")
	}
	_, err := simulate.RunAll(context.Background(), stopped, failing)
	if err == nil || !strings.Contains(err.Error(), "boom") {
		t.Errorf("RunAll: %v, want the failure (boom)", err)
	}
}

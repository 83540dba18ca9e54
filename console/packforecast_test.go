package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/store"
)

// storedForecaster is serve's forecaster (cmd/outreach packForecaster):
// the stored base, bounded, run by simulate.ForecastPacks.
func storedForecaster(e *env) func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error) {
	return func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error) {
		now := e.clock.Now()
		in, err := e.db.ForecastData(ctx, now.Add(-30*24*time.Hour), 1000, 10000)
		if err != nil {
			return nil, err
		}
		return simulate.ForecastPacks(ctx, simulate.Options{Accounts: in.Accounts, Contacts: in.Contacts,
			Events: in.Events, Suppressions: in.Suppressions, From: now.Truncate(24 * time.Hour), Days: days}, packs)
	}
}

// createDraft has c create a draft from the active pack and returns its
// id and the draft as stored.
func createDraft(t *testing.T, e *env, c *http.Client, tok string) (string, *outreach.PackDraft) {
	t.Helper()
	res, err := c.PostForm(e.srv.URL+"/console/pack/drafts", url.Values{"csrf": {tok}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	id := strings.TrimPrefix(res.Header.Get("Location"), "/console/pack/drafts/")
	n, err := strconv.ParseInt(id, 10, 64)
	if err != nil {
		t.Fatalf("the new draft's address %q: %v", res.Header.Get("Location"), err)
	}
	d, err := e.db.PackDraft(context.Background(), n)
	if err != nil {
		t.Fatal(err)
	}
	return id, d
}

// newDraft creates a draft from the active pack with campaigns.yaml
// edited by edit, and returns its id.
func newDraft(t *testing.T, e *env, c *http.Client, tok string, edit func(string) string) string {
	t.Helper()
	id, d := createDraft(t, e, c, tok)
	d.Files[campaigns.PackFile] = edit(d.Files[campaigns.PackFile])
	if code, _ := post(t, c, e.srv.URL+"/console/pack/drafts/"+id, editForm(tok, 1, "save", d.Files)); code != http.StatusSeeOther {
		t.Fatalf("save draft: %d", code)
	}
	return id
}

// TestPackForecast: a draft whose milestone campaign no longer triggers is
// forecast against the active pack over the stored contacts and events:
// the page shows the milestone deliveries it removes and says no contact
// exceeds the caps.
func TestPackForecast(t *testing.T) {
	e := newEnv(t, store.SQLite)
	ctx := context.Background()
	withPack(t, e)
	addContacts(t, e)
	evs := []outreach.Event{
		{ID: "m1", Type: "milestone.reached", ContactExternalID: "c1", AccountExternalID: "a1", OccurredAt: e.clock.Now().Add(-2 * time.Hour), Properties: map[string]any{"milestone": "first"}},
		{ID: "m2", Type: "milestone.reached", ContactExternalID: "c2", AccountExternalID: "a1", OccurredAt: e.clock.Now().Add(-time.Hour), Properties: map[string]any{"milestone": "first"}},
	}
	if _, err := e.db.InsertEvents(ctx, evs); err != nil {
		t.Fatal(err)
	}
	e.cons.PackEdit.Forecast = storedForecaster(e)
	mo := e.signIn(t, "mo@vendor.example")
	tok := csrfOf(t, e, mo)
	id := newDraft(t, e, mo, tok, func(y string) string {
		return strings.Replace(y, "trigger: {event: milestone.reached}", "trigger: {event: milestone.never}", 1)
	})
	code, body := get(t, mo, e.srv.URL+"/console/pack/forecast?draft="+id+"&days=7")
	if code != 200 || !strings.Contains(body, `id="within-caps"`) || !strings.Contains(body, "<td>milestone-congrats</td><td>planned</td>") {
		t.Fatalf("forecast: %d\n%s", code, body[strings.Index(body, "<main"):])
	}
	if code, _ := get(t, mo, e.srv.URL+"/console/pack/forecast?draft="+id+"&days=91"); code != http.StatusUnprocessableEntity {
		t.Fatalf("91 days: %d, want 422", code)
	}
}

// TestPackForecastOneAtATime: while a forecast runs, another is refused
// (409) rather than queued, so forecasts cannot exhaust the CPU.
func TestPackForecastOneAtATime(t *testing.T) {
	e := newEnv(t, store.SQLite)
	withPack(t, e)
	started, release := make(chan struct{}), make(chan struct{})
	e.cons.PackEdit.Forecast = func(ctx context.Context, packs []*campaigns.Loaded, days int) ([]simulate.Summary, error) {
		close(started)
		<-release
		return make([]simulate.Summary, len(packs)), nil
	}
	mo := e.signIn(t, "mo@vendor.example")
	id := newDraft(t, e, mo, csrfOf(t, e, mo), func(y string) string { return y + "\n# x\n" })
	var wg sync.WaitGroup
	wg.Add(1)
	var first int
	go func() {
		defer wg.Done()
		first, _ = get(t, mo, e.srv.URL+"/console/pack/forecast?draft="+id)
	}()
	<-started
	if code, body := get(t, mo, e.srv.URL+"/console/pack/forecast?draft="+id); code != http.StatusConflict || !strings.Contains(body, "another forecast") {
		t.Errorf("second forecast: %d, want 409", code)
	}
	close(release)
	wg.Wait()
	if first != 200 {
		t.Fatalf("first forecast: %d", first)
	}
}

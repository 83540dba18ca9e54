package simulate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/store"
)

// tightPack allows one email per contact in any 24 hours, between 09:00
// and 18:00 local time on weekdays, and thanks people for each closed
// ticket (one per ticket, 10 days to get through).
func tightPack(t *testing.T) *campaigns.Loaded {
	t.Helper()
	files := map[string]string{
		"campaigns.yaml": `
policy:
  timezone: UTC
  contact: {max_per_day: 1}
  quiet_hours: {start: "18:00", end: "09:00"}
  business_days: [mon, tue, wed, thu, fri]
campaigns:
  - key: ticket-thanks
    category: lifecycle
    priority: 50
    trigger: {event: support.ticket_closed}
    dedupe: ticket_id
    template: thanks
    ttl: 10d
`,
		"templates/thanks/en.txt":  "---\nsubject: Thanks\n---\n{{greeting}}\n\nThanks for your patience.\n",
		"templates/thanks/en.html": "<p>{{greeting}}</p><p>Thanks for your patience.</p>\n",
	}
	l, err := campaigns.FromFiles(files, "tight")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

var (
	monday = time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	paris  = mustLoad("Europe/Paris")
)

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// at is a Paris wall-clock time on the day monday+d.
func at(d, hour, minute int) time.Time {
	return time.Date(2026, 3, 2+d, hour, minute, 0, 0, paris).UTC()
}

func ticket(id, contact string, when time.Time) outreach.Event {
	return outreach.Event{ID: id, Type: outreach.EventTicketClosed, ContactExternalID: contact, OccurredAt: when,
		Properties: map[string]any{"ticket_id": id, "priority": "p2"}}
}

// handMade is one Paris account with Jane (three tickets closed on
// Tuesday morning, and one three weeks before the window) and Bob (who
// unsubscribed, one ticket).
func handMade(t *testing.T) simulate.Options {
	return simulate.Options{
		Pack:     tightPack(t),
		Accounts: []outreach.Account{{ExternalID: "acme", Name: "Acme SARL", Timezone: "Europe/Paris"}},
		Contacts: []outreach.Contact{
			{ExternalID: "jane", AccountExternalID: "acme", Email: "jane@acme.example", Name: "Jane", Locale: "en"},
			{ExternalID: "bob", AccountExternalID: "acme", Email: "bob@acme.example", Name: "Bob", Locale: "en"},
		},
		Events: []outreach.Event{
			ticket("T-1", "jane", at(1, 10, 0)),
			ticket("T-2", "jane", at(1, 11, 0)),
			ticket("T-3", "jane", at(1, 12, 0)),
			ticket("T-4", "bob", at(2, 15, 0)),
			ticket("T-0", "jane", monday.Add(-21*24*time.Hour)), // past its ttl at From
		},
		Suppressions: []outreach.Suppression{{Email: "bob@acme.example", Scope: outreach.ScopeAll, Reason: "unsubscribed"}},
		From:         monday,
		Days:         7,
	}
}

// decodeLog parses a JSONL log of decisions and checks that each line
// carries exactly the documented fields.
func decodeLog(t *testing.T, b []byte) []simulate.Record {
	t.Helper()
	recs, digests := decodeFullLog(t, b)
	if len(digests) > 0 {
		t.Fatalf("the log holds %d digest lines, want none (no team)", len(digests))
	}
	return recs
}

// decodeFullLog parses a JSONL log of decisions and digests, checks each
// line's fields and splits them.
func decodeFullLog(t *testing.T, b []byte) ([]simulate.Record, []simulate.DigestLine) {
	t.Helper()
	var recs []simulate.Record
	var digests []simulate.DigestLine
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		if s, _ := raw["at"].(string); !strings.HasSuffix(s, "Z") {
			t.Errorf("log line %s: at is not RFC 3339 UTC", sc.Text())
		}
		if _, ok := raw["digest"]; ok {
			if len(raw) != 4 || raw["accounts"] == nil || raw["subject"] == nil {
				t.Errorf("digest line %s: want exactly at, digest, accounts, subject", sc.Text())
			}
			var d simulate.DigestLine
			if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
				t.Fatal(err)
			}
			digests = append(digests, d)
			continue
		}
		for _, k := range []string{"at", "delivery_id", "campaign", "category", "contact", "account", "decision", "reason"} {
			if _, ok := raw[k]; !ok {
				t.Errorf("log line %s lacks %q", sc.Text(), k)
			}
		}
		_, hasUntil := raw["until"]
		if hasUntil != (raw["decision"] == outreach.DecisionDeferred) {
			t.Errorf("log line %s: until must be present exactly on deferrals", sc.Text())
		}
		rule, hasRule := raw["rule"].(string)
		if hasRule != (raw["decision"] == outreach.DecisionDeferred || raw["decision"] == outreach.DecisionDropped) || (hasRule && rule == "") {
			t.Errorf("log line %s: rule must be present exactly on deferrals and drops", sc.Text())
		}
		var r simulate.Record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		recs = append(recs, r)
	}
	return recs, digests
}

type decision struct {
	at, until    time.Time
	ticket, what string
	contact      string
}

func (d decision) String() string {
	return fmt.Sprintf("%s %s %s %s until %s", d.at.Format(time.RFC3339), d.contact, d.ticket, d.what, d.until.Format(time.RFC3339))
}

func TestHandMade(t *testing.T) {
	opts := handMade(t)
	var log bytes.Buffer
	opts.Out = &log
	res, err := simulate.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	recs := decodeLog(t, log.Bytes())
	ids := map[string]string{} // delivery id -> ticket, through the store's id scheme
	for _, r := range recs {
		for _, tk := range []string{"T-0", "T-1", "T-2", "T-3", "T-4"} {
			for cid := int64(1); cid <= 2; cid++ {
				if outreach.DeliveryID("ticket-thanks", cid, tk) == r.DeliveryID {
					ids[r.DeliveryID] = tk
				}
			}
		}
	}
	var got []decision
	for _, r := range recs {
		d := decision{at: r.At, ticket: ids[r.DeliveryID], what: r.Decision, contact: r.Contact}
		if r.Until != nil {
			d.until = *r.Until
		}
		if r.Account != "acme" || r.Campaign != "ticket-thanks" || r.Category != outreach.CategoryLifecycle {
			t.Errorf("record %+v: wrong account, campaign or category", r)
		}
		got = append(got, d)
	}
	// Tuesday: T-1 goes at once; T-2 and T-3 wait for the 24 hours to pass
	// (10:00 Wednesday in Paris). Wednesday: T-2 goes, T-3 waits for
	// Thursday. Bob is only ever suppressed.
	want := []decision{
		{at: at(1, 10, 0), ticket: "T-1", what: "sent", contact: "jane@acme.example"},
		{at: at(1, 11, 0), ticket: "T-2", what: "deferred", until: at(2, 10, 0), contact: "jane@acme.example"},
		{at: at(1, 12, 0), ticket: "T-3", what: "deferred", until: at(2, 10, 0), contact: "jane@acme.example"},
		{at: at(2, 10, 0), ticket: "T-2", what: "sent", contact: "jane@acme.example"},
		{at: at(2, 10, 0), ticket: "T-3", what: "deferred", until: at(3, 10, 0), contact: "jane@acme.example"},
		{at: at(2, 15, 0), ticket: "T-4", what: "suppressed", contact: "bob@acme.example"},
		{at: at(3, 10, 0), ticket: "T-3", what: "sent", contact: "jane@acme.example"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d decisions, want %d:\n%s", len(got), len(want), log.String())
	}
	for i := range want {
		if !got[i].at.Equal(want[i].at) || got[i].ticket != want[i].ticket || got[i].what != want[i].what ||
			!got[i].until.Equal(want[i].until) || got[i].contact != want[i].contact {
			t.Errorf("decision %d = %v, want %v", i, got[i], want[i])
		}
	}

	if res.Events.BeforeWindow != 1 || res.Stale != 1 {
		t.Errorf("events before the window %d, stale %d; want 1 and 1", res.Events.BeforeWindow, res.Stale)
	}
	c := res.Summary.Campaigns[0]
	wantC := simulate.CampaignSummary{Campaign: "ticket-thanks", Category: "lifecycle", Planned: 4, Sent: 3,
		Deferred: 2, Deferrals: 3, Suppressed: 1, DeferredBy: map[string]int{outreach.RuleMaxPerDay: 2}}
	if !reflect.DeepEqual(c, wantC) || res.Summary.Total.Sent != 3 {
		t.Errorf("campaign summary %+v, want %+v", c, wantC)
	}
	if len(res.Summary.Contacts) != 1 || res.Summary.Contacts[0] != (simulate.ContactSummary{
		Contact: "jane@acme.example", Account: "acme", Sent: 3, Max24h: 1, Max7d: 3}) {
		t.Errorf("contact summary %+v", res.Summary.Contacts)
	}
	if res.Recorder.Count() != 3 {
		t.Errorf("the recording sender got %d messages, want 3", res.Recorder.Count())
	}
	var table strings.Builder
	if err := res.Print(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"ticket-thanks", "planned", "suppressed", "max sent in any 24 h", "jane@acme.example",
		"why deferred or dropped", "max_per_day"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("summary table lacks %q:\n%s", s, table.String())
		}
	}
}

// runSample simulates a small sample customer base with the built-in pack
// and returns the log.
func runSample(t *testing.T) ([]byte, *simulate.Result) {
	t.Helper()
	d := sample.Generate(11, sample.Options{Accounts: 30, Days: 21})
	var log bytes.Buffer
	res, err := simulate.Run(context.Background(), simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts,
		Events: d.Events, Team: d.Team, From: d.From, Days: 21, Out: &log})
	if err != nil {
		t.Fatal(err)
	}
	return log.Bytes(), res
}

func TestDeterministicAndWithinCaps(t *testing.T) {
	a, res := runSample(t)
	b, _ := runSample(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two simulations of the same input wrote different logs")
	}
	recs, _ := decodeFullLog(t, a)
	if len(recs) != res.Decisions || res.Summary.Total.Sent == 0 || res.Summary.Total.Deferrals == 0 {
		t.Fatalf("%d log lines, %d decisions, summary %+v: want a busy, consistent run", len(recs), res.Decisions, res.Summary.Total)
	}
	policy := campaigns.Default().Pack.Policy
	all := map[string][]time.Time{}
	capped := map[string][]time.Time{} // what the caps limit: non-exempt mail
	for i, r := range recs {
		if i > 0 && r.At.Before(recs[i-1].At) {
			t.Fatalf("log line %d is out of time order", i+1)
		}
		if r.Decision != outreach.DecisionSent {
			continue
		}
		all[r.Contact] = append(all[r.Contact], r.At)
		if !policy.Exempt(r.Category) {
			capped[r.Contact] = append(capped[r.Contact], r.At)
		}
	}
	for email, ts := range capped {
		if n := rollingMax(ts, 24*time.Hour); n > policy.MaxPerDay {
			t.Errorf("%s was sent %d non-exempt emails within 24 hours, max_per_day is %d", email, n, policy.MaxPerDay)
		}
		if n := rollingMax(ts, 7*24*time.Hour); n > policy.MaxPerWeek {
			t.Errorf("%s was sent %d non-exempt emails within 7 days, max_per_week is %d", email, n, policy.MaxPerWeek)
		}
	}
	if len(res.Summary.Contacts) != len(all) {
		t.Fatalf("summary lists %d contacts, the log %d", len(res.Summary.Contacts), len(all))
	}
	for _, c := range res.Summary.Contacts {
		ts := all[c.Contact]
		if c.Sent != len(ts) || c.Max24h != rollingMax(ts, 24*time.Hour) || c.Max7d != rollingMax(ts, 7*24*time.Hour) {
			t.Errorf("summary %+v disagrees with the log (%d sent)", c, len(ts))
		}
	}
}

// rollingMax is the most instants within any [t, t+w), counted naively.
func rollingMax(ts []time.Time, w time.Duration) int {
	best := 0
	for _, s := range ts {
		n := 0
		for _, u := range ts {
			if !u.Before(s) && u.Before(s.Add(w)) {
				n++
			}
		}
		best = max(best, n)
	}
	return best
}

func TestOnDayAndFileStore(t *testing.T) {
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite, nil)
	opts := handMade(t)
	opts.DB = db
	var days []string
	opts.OnDay = func(_ context.Context, got *store.DB, day time.Time) error {
		if got != db {
			return fmt.Errorf("OnDay got another store")
		}
		days = append(days, day.Format(time.DateOnly))
		return nil
	}
	if _, err := simulate.Run(ctx, opts); err != nil {
		t.Fatal(err)
	}
	if want := "2026-03-02 2026-03-03 2026-03-04 2026-03-05 2026-03-06 2026-03-07 2026-03-08"; strings.Join(days, " ") != want {
		t.Errorf("OnDay saw %v, want %s", days, want)
	}
	tl, err := db.Timeline(ctx, "jane@acme.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(tl.Deliveries) != 3 {
		t.Errorf("the store kept %d deliveries for Jane, want 3", len(tl.Deliveries))
	}
	// The store is not fresh any more: a second simulation refuses it.
	if _, err := simulate.Run(ctx, opts); outreach.ErrorCode(err) != outreach.ECONFLICT {
		t.Errorf("second run on the same store: %v, want a conflict", err)
	}
}

func TestOptionErrors(t *testing.T) {
	_, err := simulate.Run(context.Background(), simulate.Options{})
	if err == nil || !strings.Contains(err.Error(), "From is required") || !strings.Contains(err.Error(), "Days") {
		t.Errorf("empty options: %v", err)
	}
	// A window too long to represent is refused, not wrapped round.
	for _, days := range []int{3661, 200000} {
		res, err := simulate.Run(context.Background(), simulate.Options{From: monday, Days: days})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("Days is %d: simulate from 1 to 3660 days", days)) {
			t.Errorf("Days %d: %v", days, err)
			if res != nil {
				t.Errorf("the run covered %s to %s", res.From, res.End)
			}
		}
	}
	bad := simulate.Options{From: monday, Days: 1, ContactsCSV: strings.NewReader("email,role\nnot-an-email,admin\n")}
	_, err = simulate.Run(context.Background(), bad)
	if outreach.ErrorCode(err) != outreach.EINVALID || !strings.Contains(err.Error(), "contacts CSV: line 2: email") {
		t.Errorf("bad CSV: %v", err)
	}
}

// TestStoreRowErrorsNameTheLine checks that rows the store refuses (an
// unknown account or contact) are reported like the CSV decoder's own
// errors: by file and line, not by their position in what was loaded.
func TestStoreRowErrorsNameTheLine(t *testing.T) {
	accounts := "external_id,name,timezone\nacme,Acme,Europe/Paris\n"
	contacts := "external_id,account_external_id,email\n" +
		"jane,acme,jane@acme.example\n" +
		"\n" + // blank lines are skipped: the line number still counts them
		"bob,nope,bob@acme.example\n"
	_, err := simulate.Run(context.Background(), simulate.Options{From: monday, Days: 2, Pack: tightPack(t),
		AccountsCSV: strings.NewReader(accounts), ContactsCSV: strings.NewReader(contacts)})
	if want := `contacts CSV: line 4: account_external_id: no account has external_id "nope"`; outreach.ErrorCode(err) != outreach.EINVALID || err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unknown account: %v, want %q", err, want)
	}

	// Events are loaded in time order, chunk by chunk as the clock
	// reaches them: the refused one is still named by its line.
	events := "id,type,contact_external_id,occurred_at,properties\n" +
		`e-late,support.ticket_closed,ghost,2026-03-03T10:00:00Z,"{""ticket_id"":""T-2""}"` + "\n" +
		`e-early,support.ticket_closed,jane,2026-03-02T10:00:00Z,"{""ticket_id"":""T-1""}"` + "\n"
	_, err = simulate.Run(context.Background(), simulate.Options{From: monday, Days: 2, Pack: tightPack(t),
		AccountsCSV: strings.NewReader(accounts), ContactsCSV: strings.NewReader("external_id,account_external_id,email\njane,acme,jane@acme.example\n"),
		EventsCSV: strings.NewReader(events)})
	if want := `events CSV: line 2: contact_external_id: no contact has external_id "ghost"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unknown contact: %v, want %q", err, want)
	}

	// Items given as Go slices are named by their index in the slice.
	_, err = simulate.Run(context.Background(), simulate.Options{From: monday, Days: 1, Pack: tightPack(t),
		Contacts: []outreach.Contact{{ExternalID: "x", AccountExternalID: "nope", Email: "x@acme.example"}}})
	if want := `contacts: item 0: account_external_id: no account has external_id "nope"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("unknown account in Options.Contacts: %v, want %q", err, want)
	}
}

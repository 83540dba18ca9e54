package simulate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/cronspec"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
	"github.com/outreach-dev/outreach/store"
)

// runWithTeam simulates three weeks of a generated base with its CSMs and
// customers answering 30% of their surveys, on a store the test keeps.
func runWithTeam(t *testing.T) (*sample.Data, *store.DB, []byte, *simulate.Result) {
	t.Helper()
	ctx := context.Background()
	db := storetest.Open(t, store.SQLite, nil)
	d := sample.Generate(5, sample.Options{Accounts: 40, Days: 21})
	var log bytes.Buffer
	res, err := simulate.Run(ctx, simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts, Events: d.Events,
		Team: d.Team, From: d.From, Days: 21, Out: &log, DB: db, Answers: &simulate.Answers{Share: 0.3, Seed: 5}})
	if err != nil {
		t.Fatal(err)
	}
	return d, db, log.Bytes(), res
}

func TestDigestsOnTheVirtualClock(t *testing.T) {
	d, db, log, res := runWithTeam(t)
	recs, digests := decodeFullLog(t, log)
	if len(recs) != res.Decisions {
		t.Fatalf("%d decision lines, %d decisions", len(recs), res.Decisions)
	}
	if len(digests) == 0 || len(digests) != res.Digests.Sent {
		t.Fatalf("%d digest lines, summary says %d sent", len(digests), res.Digests.Sent)
	}
	checkTimeOrder(t, log)

	// Every member gets one digest (sent or, with nothing to report,
	// stored empty) per fire of their cron in the window, at that fire.
	owned := map[string]int{}
	for _, a := range d.Accounts {
		owned[a.OwnerEmail]++
	}
	end := d.From.Add(21 * 24 * time.Hour)
	fires := 0
	sentTo := map[string]bool{}
	for _, m := range d.Team {
		sched, err := cronspec.Parse(m.DigestSchedule)
		if err != nil {
			t.Fatal(err)
		}
		loc, _ := time.LoadLocation(m.Timezone)
		var want []time.Time
		for f := sched.Next(d.From.In(loc)); f.Before(end); f = sched.Next(f) {
			want = append(want, f.UTC())
		}
		fires += len(want)
		var got []time.Time
		for _, l := range digests {
			if l.Digest != m.Email {
				continue
			}
			got = append(got, l.At)
			sentTo[m.Email] = true
			if l.Accounts != owned[m.Email] || l.Subject == "" {
				t.Errorf("digest line %+v: want %d accounts and a subject", l, owned[m.Email])
			}
		}
		if owned[m.Email] > 0 && !equalTimes(got, want) {
			t.Errorf("%s (%s, %s) was sent digests at %v, want %v", m.Email, m.DigestSchedule, m.Timezone, got, want)
		}
	}
	if res.Digests.Sent+res.Digests.Empty+res.Digests.Failed != fires || res.Digests.Members != len(sentTo) {
		t.Errorf("digests %+v for %d cron fires and %d members sent to", res.Digests, fires, len(sentTo))
	}
	stored, err := db.Digests(context.Background(), digests[len(digests)-1].Digest)
	if err != nil || len(stored) == 0 || stored[0].State != outreach.DigestSent || stored[0].Subject != digests[len(digests)-1].Subject {
		t.Fatalf("stored digests of the last line's member: %v, %+v", err, stored)
	}
	var out bytes.Buffer
	if err := res.Print(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "digests: ") || !strings.Contains(out.String(), "survey answers: ") {
		t.Errorf("summary lacks the digest and answer lines:\n%s", out.String())
	}
}

func TestSurveyAnswers(t *testing.T) {
	_, db, log, res := runWithTeam(t)
	recs, _ := decodeFullLog(t, log)
	lastDay := recs[len(recs)-1].At.Truncate(24 * time.Hour)
	surveys := 0 // sent before the last day: the ones customers could answer
	for _, r := range recs {
		if r.Decision == outreach.DecisionSent && r.Category == outreach.CategorySurvey && r.At.Before(lastDay) {
			surveys++
		}
	}
	a := res.Answers
	// The share and the skew of the scores are checked on many draws in
	// TestDrawShareAndSkew; a small run only answers some of its surveys.
	if a.Answers == 0 || a.Answers > surveys {
		t.Fatalf("%d answers to %d surveys: want some, not more than the surveys", a.Answers, surveys)
	}
	if a.Promoters+a.Passives+a.Detractors != a.NPSAnswers || a.NPSAnswers+a.CSATAnswers != a.Answers {
		t.Errorf("answers %+v: the groups do not add up", a)
	}
	// The NPS is the API's: over the answers to the NPS campaigns, the
	// CSAT campaigns (Pack.IsCSAT) left out and counted apart.
	var csat []string
	for _, c := range campaigns.Default().Pack.Campaigns {
		if campaigns.Default().Pack.IsCSAT(c.Key) {
			csat = append(csat, c.Key)
		}
	}
	rep, err := db.NPS(context.Background(), outreach.NPSFilter{ExcludeCampaigns: csat})
	if err != nil {
		t.Fatal(err)
	}
	if a.NPSAnswers == 0 || rep.Responses != a.NPSAnswers || rep.Promoters != a.Promoters || rep.Detractors != a.Detractors {
		t.Errorf("the store's NPS without %v %+v disagrees with the summary %+v", csat, rep, a)
	}
	if want := int(math.Round(100 * float64(rep.Promoters-rep.Detractors) / float64(rep.Responses))); a.NPS() != want {
		t.Errorf("NPS %d in the summary, want %d", a.NPS(), want)
	}
	if len(csat) != 1 {
		t.Fatalf("CSAT campaigns of the built-in pack: %v, want one", csat)
	}
	crep, err := db.NPS(context.Background(), outreach.NPSFilter{Campaign: csat[0]})
	if err != nil {
		t.Fatal(err)
	}
	if a.CSATAnswers == 0 || crep.Responses != a.CSATAnswers || a.CSATSatisfied != crep.Promoters {
		t.Errorf("the store's %s answers %+v disagree with the summary %+v", csat[0], crep, a)
	}
	// A digest sent after answers came in leads with the feedback.
	found := false
	for _, m := range []string{"maya.goldberg@cs.outreach.example", "claire.martin@cs.outreach.example", "carolina.mendes@cs.outreach.example",
		"intan.permata@cs.outreach.example", "jordan.ellis@cs.outreach.example", "dora.balogh@cs.outreach.example"} {
		ds, err := db.Digests(context.Background(), m)
		if err != nil {
			t.Fatal(err)
		}
		for _, dg := range ds {
			if strings.Contains(dg.Text, "FEEDBACK") && strings.Index(dg.Text, "FEEDBACK") < strings.Index(dg.Text+"RENEWALS", "RENEWALS") {
				found = true
			}
		}
	}
	if !found {
		t.Error("no digest shows a feedback section")
	}

	// The same seed gives the same answers.
	_, _, log2, res2 := runWithTeam(t)
	if res2.Answers != a || !bytes.Equal(log, log2) {
		t.Errorf("a second run answered %+v, first %+v (logs equal: %v)", res2.Answers, a, bytes.Equal(log, log2))
	}
}

func TestAnswersShareMustBeAFraction(t *testing.T) {
	_, err := simulate.Run(context.Background(), simulate.Options{From: monday, Days: 1, Answers: &simulate.Answers{Share: 30}})
	if err == nil || !strings.Contains(err.Error(), "Answers.Share") {
		t.Errorf("share 30: %v", err)
	}
}

// checkTimeOrder checks that the lines of a log, decisions and digests,
// are in time order.
func checkTimeOrder(t *testing.T, log []byte) {
	t.Helper()
	var prev time.Time
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for i := 1; sc.Scan(); i++ {
		var l struct{ At time.Time }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.At.Before(prev) {
			t.Fatalf("log line %d (%s) is before the line above it", i, sc.Text())
		}
		prev = l.At
	}
}

func equalTimes(a, b []time.Time) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

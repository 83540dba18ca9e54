package simulate_test

import (
	"context"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/simulate"
)

// surveyPackFiles is a pack with a CSAT survey after each ticket and a
// survey cooldown of 7 days; withNPS adds an NPS survey after onboarding,
// of higher priority.
func surveyPackFiles(withNPS bool) map[string]string {
	yaml := `
policy:
  timezone: UTC
  surveys: {cooldown: 7d}
campaigns:
  - key: csat-support
    category: survey
    priority: 70
    trigger: {event: support.ticket_closed}
    dedupe: ticket_id
    template: ask
    ttl: 3d
`
	if withNPS {
		yaml += `  - key: nps-onboarding
    category: survey
    priority: 80
    trigger: {event: onboarding.completed}
    template: ask
    ttl: 3d
`
	}
	return map[string]string{
		"campaigns.yaml":        yaml,
		"templates/ask/en.txt":  "---\nsubject: How did we do?\n---\n{{greeting}}\n\nTell us.\n",
		"templates/ask/en.html": "<p>{{greeting}}</p><p>Tell us.</p>\n",
	}
}

func surveyPack(t *testing.T, withNPS bool) *campaigns.Loaded {
	t.Helper()
	l, err := campaigns.FromFiles(surveyPackFiles(withNPS), "surveys")
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Adding a survey takes the survey slot a CSAT would have had: the
// comparison says csat-support lost a send, dropped by the survey cooldown
// (7d, longer than its 3d ttl).
func TestCompareAddedSurveyCutsAnother(t *testing.T) {
	run := func(withNPS bool) *simulate.Result {
		opts := simulate.Options{
			Pack:     surveyPack(t, withNPS),
			Accounts: []outreach.Account{{ExternalID: "acme", Name: "Acme"}},
			Contacts: []outreach.Contact{
				{ExternalID: "jane", AccountExternalID: "acme", Email: "jane@acme.example", Name: "Jane", Locale: "en"},
				{ExternalID: "bob", AccountExternalID: "acme", Email: "bob@acme.example", Name: "Bob", Locale: "en"},
			},
			Events: []outreach.Event{
				{ID: "onb-1", Type: outreach.EventOnboardingCompleted, ContactExternalID: "jane", OccurredAt: at(0, 10, 0)},
				ticket("T-1", "jane", at(1, 10, 0)),
				ticket("T-2", "bob", at(1, 10, 0)),
			},
			From: monday, Days: 7,
		}
		res, err := simulate.Run(context.Background(), opts)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	base, other := run(false), run(true)
	got := simulate.Compare(base.Summary, other.Summary)
	want := []simulate.Change{
		{Campaign: "csat-support", What: "sent", Before: 2, After: 1},
		{Campaign: "csat-support", What: "dropped by survey_cooldown", Before: 0, After: 1},
		{Campaign: "nps-onboarding", What: "planned", Before: 0, After: 1},
		{Campaign: "nps-onboarding", What: "sent", Before: 0, After: 1},
	}
	var gotS, wantS []string
	for _, c := range got {
		gotS = append(gotS, c.String())
	}
	for _, c := range want {
		wantS = append(wantS, c.String())
	}
	if strings.Join(gotS, "\n") != strings.Join(wantS, "\n") {
		t.Errorf("changes:\n%s\nwant:\n%s", strings.Join(gotS, "\n"), strings.Join(wantS, "\n"))
	}
	if s := want[0].String(); s != "csat-support sent 2 → 1 (−1)" {
		t.Errorf("a change reads %q", s)
	}
	var b strings.Builder
	if err := simulate.PrintCompare(&b, "base", "with-nps", base.Summary, other.Summary); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "compared with with-nps (base: base)") || !strings.Contains(b.String(), "  csat-support sent 2 → 1 (−1)\n") {
		t.Errorf("compare output:\n%s", b.String())
	}
	if none := simulate.Compare(base.Summary, base.Summary); len(none) != 0 {
		t.Errorf("a pack compared with itself differs: %v", none)
	}
}

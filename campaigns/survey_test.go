package campaigns

import (
	"testing"

	outreach "github.com/outreach-dev/outreach"
)

func TestSurveyKindAndReminder(t *testing.T) {
	l, err := Load(packFS(`campaigns:
  - key: how-likely
    category: survey
    survey: nps
    trigger: {event: qbr.completed}
    template: nps
  - key: support-check
    category: survey
    survey: csat
    trigger: {event: support.ticket_closed}
    template: csat
`, nil), "pack")
	if err != nil {
		t.Fatal(err)
	}
	// The declared kind decides, not the names: "how-likely" uses no
	// "csat" in key or template, "support-check" neither.
	if l.Pack.IsCSAT("how-likely") || !l.Pack.IsCSAT("support-check") {
		t.Errorf("IsCSAT: how-likely %v, support-check %v", l.Pack.IsCSAT("how-likely"), l.Pack.IsCSAT("support-check"))
	}
	// A removed campaign is judged by its key.
	if !l.Pack.IsCSAT("old-csat") || l.Pack.SurveyKind("old-nps") != outreach.SurveyNPS {
		t.Error("removed campaigns")
	}
}

func TestDefaultPackDeclaresSurveys(t *testing.T) {
	p := Default().Pack
	for _, c := range p.Campaigns {
		if (c.Category == outreach.CategorySurvey) != (c.Survey != "") {
			t.Errorf("%s: category %s, survey %q", c.Key, c.Category, c.Survey)
		}
	}
	if p.Campaign("csat-support").Survey != outreach.SurveyCSAT || p.Campaign("nps-qbr").Survey != outreach.SurveyNPS {
		t.Error("default kinds")
	}
	for _, key := range []string{"nps-thanks-promoter", "nps-sorry-detractor"} {
		c := p.Campaign(key)
		if c == nil || c.Trigger.Event != outreach.EventSurveyAnswered || c.Dedupe != "response" {
			t.Errorf("%s = %+v", key, c)
		}
	}
}

func TestSurveyErrors(t *testing.T) {
	noScale := testTemplates()
	noScale["templates/plain/en.txt"] = "---\nsubject: Hi\n---\n{{greeting}}\n{{npsScale}}\n"
	noScale["templates/plain/en.html"] = "<p>{{greeting}}</p>{{npsScale}}\n"
	noScale["templates/plain/fr.txt"] = "---\nsubject: Salut\n---\n{{greeting}}\n"
	noScale["templates/plain/fr.html"] = "<p>{{greeting}}</p>\n"
	got := loadErrors(t, packFS(`campaigns:
  - key: undeclared
    category: survey
    trigger: {event: x}
    template: nps
  - key: wrong-kind
    category: survey
    survey: ces
    trigger: {event: x}
    template: nps
  - key: not-a-survey
    category: lifecycle
    survey: nps
    trigger: {event: x}
    template: nps
  - key: half-scale
    category: survey
    survey: nps
    trigger: {event: x}
    template: plain
`, noScale))
	want := []string{
		`pack/campaigns.yaml:2:5: campaign "undeclared": a survey campaign declares what it asks: add survey: nps (how likely to recommend) or survey: csat (satisfaction with the help received)`,
		`pack/campaigns.yaml:8:13: campaign "wrong-kind" survey: unknown survey kind "ces"; use one of nps, csat`,
		`pack/campaigns.yaml:13:13: campaign "not-a-survey" survey: only survey campaigns ask a survey question; remove it or use category: survey`,
		`pack/campaigns.yaml:20:15: campaign "half-scale" template: template "plain" (fr) has no 0-10 answer scale in its text part (score 0 has no link): add {{npsScale}} to templates/plain/fr.txt, or nobody can answer this survey`,
		`pack/campaigns.yaml:20:15: campaign "half-scale" template: template "plain" (fr) has no 0-10 answer scale in its HTML part (score 0 has no link): add {{npsScale}} to templates/plain/fr.html, or nobody can answer this survey`,
	}
	if !linesMatch(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", join2(got), join2(want))
	}
}

func join2(l []string) string {
	s := ""
	for _, x := range l {
		s += "  " + x + "\n"
	}
	return s
}

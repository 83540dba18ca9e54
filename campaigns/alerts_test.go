package campaigns

import (
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func TestAlertsSection(t *testing.T) {
	l, err := Load(packFS(`campaigns:
  - key: nps-qbr
    category: survey
    survey: nps
    trigger: {event: qbr.completed}
    template: nps
alerts:
  - key: detractor
    when: {survey: nps, score_max: 6}
    notify: owner
    follow_up: 48h
  - key: promoters-to-marketing
    when: {class: [promoter], campaigns: [nps-qbr], score_min: 9}
    notify: [Marketing@Vendor.example, owner]
`, nil), "pack")
	if err != nil {
		t.Fatal(err)
	}
	a := l.Pack.Alerts
	if len(a) != 2 || a[0].Key != "detractor" || a[0].Survey != "nps" || a[0].ScoreMax == nil || *a[0].ScoreMax != 6 ||
		!a[0].NotifyOwner || a[0].FollowUp != 48*time.Hour {
		t.Fatalf("alerts = %+v", a)
	}
	if !a[1].NotifyOwner || len(a[1].Addresses) != 1 || a[1].Addresses[0] != "marketing@vendor.example" ||
		a[1].Campaigns[0] != "nps-qbr" || a[1].Classes[0] != "promoter" || *a[1].ScoreMin != 9 || a[1].FollowUp != 0 {
		t.Errorf("second alert = %+v", a[1])
	}
	d := Default().Pack.Alerts
	if len(d) != 1 || d[0].Key != "detractor" || *d[0].ScoreMax != 6 || d[0].Survey != outreach.SurveyNPS || d[0].FollowUp != 48*time.Hour {
		t.Errorf("default alerts = %+v", d)
	}
}

func TestAlertErrors(t *testing.T) {
	got := loadErrors(t, packFS(`campaigns:
  - key: nps-qbr
    category: survey
    survey: nps
    trigger: {event: qbr.completed}
    template: nps
alerts:
  - key: a
    when: {survey: ces, score_max: 11, campaigns: [nps-qrb], class: [angry]}
    notify: owner
  - key: b
    when: {score_min: 7, score_max: 6}
    notify: [someone]
    follow_up: soon
  - key: a
    when: {survey: nps}
    notify: owner
  - key: c
    follow_up: 1d
`, nil))
	want := []string{
		`pack/campaigns.yaml:9:20: alert "a" when.survey: unknown survey kind "ces"; use one of nps, csat`,
		`pack/campaigns.yaml:9:36: alert "a" when.score_max: 11 is not a score: use 0 to 10`,
		`pack/campaigns.yaml:9:52: alert "a" when.campaigns: unknown campaign "nps-qrb": name a campaign of this pack`,
		`pack/campaigns.yaml:9:70: alert "a" when.class: unknown class "angry"; use promoter, passive, detractor`,
		`pack/campaigns.yaml:12:23: alert "b" when: score_min 7 is above score_max 6: no answer would match`,
		`pack/campaigns.yaml:13:14: alert "b" notify: "someone" is neither owner nor an email address`,
		`pack/campaigns.yaml:14:16: alert "b" follow_up: invalid duration "soon"*`,
		`pack/campaigns.yaml:15:10: alert key "a" is used twice (first at line 8): keys must be unique`,
		`pack/campaigns.yaml:18:5: alert "c": needs when: the answers it matches (e.g. when: {survey: nps, score_max: 6})`,
		`pack/campaigns.yaml:18:5: alert "c": needs notify: owner (the account's owner), or a list of addresses`,
	}
	if !linesMatch(got, want) {
		t.Errorf("got:\n%s\nwant:\n%s", join2(got), join2(want))
	}
}

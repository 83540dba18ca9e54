package campaigns

import (
	"strings"
	"testing"

	outreach "github.com/outreach-dev/outreach"
)

func TestLoadSenderIdentity(t *testing.T) {
	l, err := Load(packFS(`
policy:
  from: "Acme Customer Success <cs@acme.example>"
  reply_to: help@acme.example
campaigns:
  - key: nps-qbr
    category: survey
    trigger: {event: qbr.completed}
    template: nps
    from: owner
    survey: nps
    reply_to: owner
  - key: csat
    category: survey
    trigger: {event: support.ticket_closed}
    template: csat
    survey: csat
`, nil), "pack")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Pack
	if p.Policy.Identity != (outreach.Identity{From: "Acme Customer Success <cs@acme.example>", ReplyTo: "help@acme.example"}) {
		t.Errorf("policy identity %+v", p.Policy.Identity)
	}
	if p.Campaigns[0].Identity != (outreach.Identity{From: "owner", ReplyTo: "owner"}) || p.Campaigns[1].Identity != (outreach.Identity{}) {
		t.Errorf("campaign identities %+v, %+v", p.Campaigns[0].Identity, p.Campaigns[1].Identity)
	}
}

func TestLoadSenderIdentityErrors(t *testing.T) {
	got := loadErrors(t, packFS(`
policy:
  from: nobody
campaigns:
  - key: nps-qbr
    category: survey
    trigger: {event: qbr.completed}
    template: nps
    reply_to: "the owner"
    survey: nps
  - key: csat
    category: survey
    trigger: {event: support.ticket_closed}
    template: csat
    from: [a@b.example]
    survey: csat
`, nil))
	want := []string{
		`pack/campaigns.yaml:3:9: policy.from: "nobody" is neither an email address`,
		`pack/campaigns.yaml:9:15: campaign "nps-qbr" reply_to: "the owner" is neither an email address`,
		`pack/campaigns.yaml:15:11: campaign "csat" from: must be a string`,
	}
	if len(got) != len(want) {
		t.Fatalf("errors:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("error %d: %s\nwant prefix %s", i, got[i], want[i])
		}
	}
}

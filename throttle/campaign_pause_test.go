package throttle

import (
	"testing"

	outreach "github.com/outreach-dev/outreach"
)

// TestDecideCampaignPaused: a paused campaign's delivery is deferred by
// the recheck interval with a reason naming who paused it, even past its
// ttl (a pause never drops); a suppression still wins; the other
// campaigns of the contact are decided as usual.
func TestDecideCampaignPaused(t *testing.T) {
	pause := &outreach.CampaignPause{Campaign: "nps-qbr", PausedBy: "mo@vendor.example", PausedAt: ts("2026-03-01T08:00:00Z")}
	paused := due("survey", "nps-qbr", "survey", 50, "2026-03-03T09:00:00Z")
	paused.Paused = pause
	old := dueTTL(due("old", "nps-qbr", "survey", 50, "2026-02-01T09:00:00Z"), 0)
	old.Paused = pause
	open := outreach.Policy{Timezone: "UTC"}
	runDecideCases(t, []decideCase{{
		name:   "paused campaign deferred, the other sent",
		policy: open, now: "2026-03-03T10:00:00Z",
		dues: []Due{paused, due("lifecycle", "reengagement", "lifecycle", 20, "2026-03-03T09:00:00Z")},
		want: []want{
			{id: "survey", decision: deferred, until: "2026-03-04T10:00:00Z", reason: "campaign nps-qbr paused by mo@vendor.example at 2026-03-01 08:00 UTC"},
			{id: "lifecycle", decision: sent},
		},
	}, {
		name:   "past its ttl, still deferred, not dropped",
		policy: open, now: "2026-03-03T10:00:00Z",
		dues: []Due{old},
		want: []want{{id: "old", decision: deferred, until: "2026-03-04T10:00:00Z"}},
	}, {
		name:   "a suppression still wins",
		policy: open, now: "2026-03-03T10:00:00Z",
		sups: []outreach.Suppression{sup("all", "one-click unsubscribe")},
		dues: []Due{paused},
		want: []want{{id: "survey", decision: suppressed}},
	}})
}

package outreach

import (
	"strings"
	"time"
)

// Policy is the throttle policy of a campaign pack: the one budget that
// every campaign of every team shares. Zero values mean "no such rule".
type Policy struct {
	Timezone string // fallback when neither contact nor account has one; "" = UTC

	MaxPerDay  int           // per contact, rolling 24 h, all categories; 0 = no cap
	MaxPerWeek int           // per contact, rolling 7 d; 0 = no cap
	MinGap     time.Duration // per contact, between two reserved slots; 0 = none

	SurveyCooldown time.Duration // after any survey to a contact, no other survey for this long

	AccountMaxSurveysPerWeek int // per account, rolling 7 d; 0 = no cap

	QuietHours *QuietHours // recipient's local time; nil = none

	// BusinessDays are the recipient's local weekdays on which mail may go;
	// nil = every day (no rule).
	BusinessDays []time.Weekday

	// ExemptCategories skip quiet hours, business days and caps, but still
	// count toward the caps of other mail.
	ExemptCategories []string

	// Identity is the pack-wide from / reply_to (see ResolveSender);
	// campaigns may override it.
	Identity Identity
}

// QuietHours is a local-time window [Start, End) in which nothing is sent.
// Start > End wraps midnight (19:00-09:00).
type QuietHours struct {
	Start, End time.Duration // since local midnight
}

// Exempt reports whether category is exempt from quiet hours and caps.
func (p *Policy) Exempt(category string) bool {
	for _, c := range p.ExemptCategories {
		if c == category {
			return true
		}
	}
	return false
}

// Trigger says when a campaign plans deliveries: on an event (Event != "")
// or on a schedule (Schedule != "").
type Trigger struct {
	Event string              // event type
	Delay time.Duration       // due = occurred_at + Delay
	Where map[string][]string // event property -> allowed values

	Schedule string   // standard 5-field cron, evaluated in the policy timezone
	Cron     Schedule // Schedule parsed (cronspec) by the pack parser
	Audience Audience // who a scheduled trigger plans for
}

// Audience selects contacts for a scheduled trigger. Exactly one is set.
type Audience struct {
	RenewalWithin time.Duration // accounts whose renewal_date is within this
	InactiveFor   time.Duration // contacts whose last_seen_at is older than this
	Anniversary   string        // "started_at": account anniversaries
}

// Filter restricts a campaign to some contacts; empty lists mean everyone.
type Filter struct {
	Roles   []string
	Plans   []string
	Locales []string
}

// DefaultTTL is a campaign's ttl when the pack gives none.
const DefaultTTL = 7 * 24 * time.Hour

// TTLOrDefault is the one home of the ttl default: ttl, or DefaultTTL when
// it is unset (0). The pack parser sets every campaign's ttl with it; the
// planner, dispatcher and throttle use it for campaigns and deliveries
// built elsewhere (tests, simulate fixtures).
func TTLOrDefault(ttl time.Duration) time.Duration {
	if ttl <= 0 {
		return DefaultTTL
	}
	return ttl
}

// ReasonCampaignRemoved is the reason of the "dropped" decision of a
// pending delivery whose campaign is no longer in the active pack, whether
// the pack's activation or the dispatcher finds it.
const ReasonCampaignRemoved = "campaign removed"

// Campaign is one kind of message of the pack.
type Campaign struct {
	Key      string
	Name     string
	Category string
	Priority int // higher wins a contact's slot
	Trigger  Trigger
	Filter   Filter
	Template string
	TTL      time.Duration // a delivery not sent by due+TTL is dropped
	Cooldown time.Duration // per campaign and contact, applied when planning
	Dedupe   string        // event property that is the occurrence key
	Identity Identity      // from / reply_to; "" fields inherit the policy's
	// Survey is the question a survey campaign asks: SurveyNPS or
	// SurveyCSAT ("" for the other categories). The pack declares it.
	Survey string
}

// Sender returns the From and Reply-To of this campaign's email under
// policy p (see ResolveSender).
func (c *Campaign) Sender(p *Policy, def, owner Mailbox) (Mailbox, *Mailbox) {
	return ResolveSender([]Identity{c.Identity, p.Identity}, def, owner)
}

// Survey kinds: what a survey campaign asks.
const (
	SurveyNPS  = "nps"  // how likely to recommend, 0-10
	SurveyCSAT = "csat" // satisfaction with the help received, 0-10
)

// SurveyKinds lists the survey kinds in a stable order.
var SurveyKinds = []string{SurveyNPS, SurveyCSAT}

// Pack is a parsed, valid campaign pack.
type Pack struct {
	Policy    Policy
	Campaigns []Campaign
	Alerts    []AlertRule // what answers alert the team, in pack order
	Hash      string      // content hash of the pack's files
	Version   int         // set by the store when the pack is activated
}

// Campaign returns the campaign with key, or nil.
func (p *Pack) Campaign(key string) *Campaign {
	for i := range p.Campaigns {
		if p.Campaigns[i].Key == key {
			return &p.Campaigns[i]
		}
	}
	return nil
}

// IsCSAT reports whether the campaign with key asks the CSAT question
// rather than the NPS one, as its `survey:` declares. A key the pack no
// longer has (a removed campaign, whose answers are still stored) is
// judged by the key alone: it is CSAT when it contains "csat" in any case;
// so is every key when p is nil. The survey page, the NPS report and the
// CSM digest use this one rule.
func (p *Pack) IsCSAT(key string) bool {
	return p.SurveyKind(key) == SurveyCSAT
}

// SurveyKind returns the survey kind of the campaign with key: its declared
// `survey:`, or for a key the pack does not have (see IsCSAT) SurveyCSAT
// when the key contains "csat" and SurveyNPS otherwise.
func (p *Pack) SurveyKind(key string) string {
	if p != nil {
		if c := p.Campaign(key); c != nil && c.Survey != "" {
			return c.Survey
		}
	}
	if strings.Contains(strings.ToLower(key), "csat") {
		return SurveyCSAT
	}
	return SurveyNPS
}

// Schedule is a parsed cron schedule: the next fire strictly after t, in
// t's location, or the zero time if it never fires again. cronspec parses
// specs into it once, when a pack or a team member is loaded (river's
// PeriodicSchedule is the model); robfig/cron's schedules implement it.
type Schedule interface {
	Next(t time.Time) time.Time
}

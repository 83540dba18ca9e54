package throttle

import (
	"fmt"
	"slices"
	"strings"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// Slot is one past reservation: a delivery in sending or sent state, timed
// at the moment its slot was reserved.
type Slot struct {
	DeliveryID, Campaign, Category string
	At                             time.Time
	// Recipient is the email address of the contact the delivery went
	// to. The account survey cap names it for each slot, so that a reason
	// says who took the account's surveys; "" when unknown (the slot is
	// counted all the same). The contact's own slots need none: Decide
	// names them with Input.Recipient.
	Recipient string
	// Reminder marks a survey reminder (outreach.IsReminder): it counts for
	// max_per_day, max_per_week, min_gap and the account's survey cap, but
	// not for the contact's survey cooldown, which it does not restart.
	Reminder bool
}

// Due is one delivery of the contact that is due now (not_before <= now).
type Due struct {
	DeliveryID, Campaign, Category string
	Priority                       int
	DueAt                          time.Time     // the original due time (not not_before)
	TTL                            time.Duration // 0 = outreach.DefaultTTL
	// Paused is the pause of the campaign, when it is paused: the delivery
	// is deferred by CampaignPauseRecheck, never dropped, whatever its ttl.
	Paused *outreach.CampaignPause
	// Reminder marks a survey reminder: the survey cooldown does not hold
	// it (it follows up the survey that started the cooldown).
	Reminder bool
}

// Input is everything one decision for one contact needs: the result of one
// read of the contact's (and its account's) history.
type Input struct {
	Policy                           outreach.Policy
	Now                              time.Time
	ContactTimezone, AccountTimezone string // "" = unset
	// Zones caches timezone lookups across Decide calls; nil loads each
	// zone afresh (same answers, slower).
	Zones *outreach.Locations
	// Recipient is this contact's email address: the recipient of its own
	// slots (ContactHistory and the slots Decide reserves) when the
	// account survey cap lists them.
	Recipient string

	// ContactHistory holds this contact's reservations, reaching back at
	// least HistoryWindow(Policy).Contact.
	ContactHistory []Slot
	// AccountHistory holds the reservations of every contact of the account
	// (this one included or not: slots are counted once by DeliveryID),
	// reaching back at least HistoryWindow(Policy).Account. Only surveys
	// matter.
	AccountHistory []Slot
	Suppressions   []outreach.Suppression // for this contact's address
	PausedUntil    *time.Time             // account paused until then
	Due            []Due
}

// Outcome is the decision for one Due.
type Outcome struct {
	DeliveryID string
	Decision   string // outreach.DecisionSent, DecisionDeferred, DecisionDropped or DecisionSuppressed
	// Rule names the rule that bound a deferred or dropped delivery
	// (outreach.RuleMaxPerWeek, ...): the one whose earliest allowed
	// instant is the latest. "" for sent and suppressed.
	Rule   string
	Reason string
	Until  *time.Time // deferrals only: the earliest instant every rule allows
}

// invalidPolicyRetry is how long deliveries wait when Decide is handed a
// policy that ValidatePolicy rejects (packs are validated before they go
// live, so this is a last line of defence that loses no mail).
const invalidPolicyRetry = time.Hour

// Decide decides every due delivery of one contact at in.Now: one outcome
// per Due, in decision order (priority desc, then DueAt, then DeliveryID).
// A sent outcome reserves a slot at Now that later dues see. Decide is a
// pure function of its input.
func Decide(in Input) []Outcome {
	dues := slices.Clone(in.Due)
	slices.SortStableFunc(dues, compareDues)
	out := make([]Outcome, 0, len(dues))

	if errs := ValidatePolicy(in.Policy); len(errs) > 0 {
		until := in.Now.Add(invalidPolicyRetry)
		reason := "the throttle policy is invalid (" + joinErrors(errs) + "): fix the campaign pack; retrying later"
		for _, d := range dues {
			out = append(out, Outcome{DeliveryID: d.DeliveryID, Decision: outreach.DecisionDeferred, Rule: outreach.RuleInvalidPolicy, Reason: reason, Until: &until})
		}
		return out
	}

	dc := newDecider(in)
	for _, d := range dues {
		o := dc.decide(d)
		if o.Decision == outreach.DecisionSent {
			dc.reserve(Slot{DeliveryID: d.DeliveryID, Campaign: d.Campaign, Category: d.Category, At: in.Now, Recipient: in.Recipient, Reminder: d.Reminder})
		}
		out = append(out, o)
	}
	return out
}

// compareDues orders dues by priority desc, then DueAt asc, then id asc.
func compareDues(a, b Due) int {
	if a.Priority != b.Priority {
		return b.Priority - a.Priority
	}
	if c := a.DueAt.Compare(b.DueAt); c != 0 {
		return c
	}
	return strings.Compare(a.DeliveryID, b.DeliveryID)
}

func joinErrors(errs []PolicyError) string {
	s := make([]string, len(errs))
	for i, e := range errs {
		s[i] = e.Error()
	}
	return strings.Join(s, "; ")
}

// decider holds one Decide call's state: the histories, sorted once, to
// which each sent outcome adds its slot.
type decider struct {
	in            Input
	zone          Zone
	local         *localRule
	contact       history // every slot of the contact
	contactSurvey history // the contact's survey slots but reminders: the cooldown's
	accountSurvey history // the account's survey slots
}

func newDecider(in Input) *decider {
	all := func(Slot) bool { return true }
	survey := func(s Slot) bool { return s.Category == outreach.CategorySurvey }
	cooling := func(s Slot) bool { return s.Category == outreach.CategorySurvey && !s.Reminder }
	z := in.Zones.Recipient(in.ContactTimezone, in.AccountTimezone, in.Policy.Timezone)
	return &decider{
		in:            in,
		zone:          z,
		local:         newLocalRule(in.Policy, z),
		contact:       newHistory(all, in.ContactHistory),
		contactSurvey: newHistory(cooling, in.ContactHistory),
		// The contact's own slots come first, so that when the account
		// history holds them too the copy that names the recipient is kept.
		accountSurvey: newHistory(survey, withRecipient(in.ContactHistory, in.Recipient), in.AccountHistory),
	}
}

// withRecipient returns slots with an empty Recipient set to recipient.
func withRecipient(slots []Slot, recipient string) []Slot {
	if recipient == "" {
		return slots
	}
	out := make([]Slot, len(slots))
	for i, s := range slots {
		if s.Recipient == "" {
			s.Recipient = recipient
		}
		out[i] = s
	}
	return out
}

// reserve records a slot taken during this call.
func (dc *decider) reserve(s Slot) {
	dc.contact.add(s)
	if s.Category == outreach.CategorySurvey {
		if !s.Reminder {
			dc.contactSurvey.add(s)
		}
		dc.accountSurvey.add(s)
	}
}

// rules returns the timing rules that apply to a delivery of category, in
// the order their reasons read best: caps first, the send window last.
func (dc *decider) rules(category string, reminder bool) []rule {
	p, loc := dc.in.Policy, dc.zone.Loc
	var rs []rule
	if p.MaxPerDay > 0 {
		rs = append(rs, capRule(outreach.RuleMaxPerDay, "max_per_day", p.MaxPerDay, day, &dc.contact, contactSlots, loc))
	}
	if p.MaxPerWeek > 0 {
		rs = append(rs, capRule(outreach.RuleMaxPerWeek, "max_per_week", p.MaxPerWeek, week, &dc.contact, contactSlots, loc))
	}
	if p.MinGap > 0 {
		rs = append(rs, gapRule(outreach.RuleMinGap, "min_gap", p.MinGap, &dc.contact, "sent to this contact", loc))
	}
	if category == outreach.CategorySurvey {
		if p.SurveyCooldown > 0 && !reminder {
			rs = append(rs, gapRule(outreach.RuleSurveyCooldown, "survey cooldown", p.SurveyCooldown, &dc.contactSurvey, "survey to this contact", loc))
		}
		if p.AccountMaxSurveysPerWeek > 0 {
			rs = append(rs, capRule(outreach.RuleAccountSurveys, "account max_surveys_per_week", p.AccountMaxSurveysPerWeek, week, &dc.accountSurvey, accountSlots, loc))
		}
	}
	if dc.local != nil {
		rs = append(rs, windowRule(dc.local))
	}
	return rs
}

// decide takes the decision for one due delivery.
func (dc *decider) decide(d Due) Outcome {
	in, loc := dc.in, dc.zone.Loc
	o := Outcome{DeliveryID: d.DeliveryID}
	if sup, ok := outreach.StoppedBy(in.Suppressions, d.Category); ok {
		why := sup.Describe(loc)
		o.Decision, o.Reason = outreach.DecisionSuppressed, why
		return o
	}
	if d.Paused != nil {
		until := in.Now.Add(outreach.CampaignPauseRecheck)
		o.Decision, o.Until, o.Reason = outreach.DecisionDeferred, &until, d.Paused.PauseReason()
		return o
	}
	start := in.Now
	var why []string
	held := outreach.RuleTTL // what holds it when no rule does: only its ttl can end it
	if in.PausedUntil != nil && in.PausedUntil.After(in.Now) {
		start = *in.PausedUntil
		why = append(why, "account paused until "+fmtInstant(start, loc))
		held = outreach.RuleAccountPaused
	}
	if in.Policy.Exempt(d.Category) {
		return dc.exempt(d, start, why, held)
	}

	t, moved, binding, ok := earliest(start, dc.rules(d.Category, d.Reminder))
	why = append(why, moved...)
	if binding != "" {
		held = binding
	}
	expiry := d.DueAt.Add(outreach.TTLOrDefault(d.TTL))
	switch {
	case !ok:
		o.Decision, o.Rule = outreach.DecisionDropped, held
		o.Reason = "no instant satisfies the policy: " + strings.Join(why, "; then ")
	case t.After(expiry):
		o.Decision, o.Rule = outreach.DecisionDropped, held
		o.Reason = dc.dropReason(d, t, expiry, why)
	case t.Equal(in.Now):
		o.Decision, o.Reason = outreach.DecisionSent, dc.sentReason(d)
	default:
		o.Decision, o.Until, o.Rule = outreach.DecisionDeferred, &t, held
		o.Reason = strings.Join(why, "; then ") + dc.zoneNote()
	}
	return o
}

// exempt decides a delivery of an exempt category: it skips quiet hours,
// business days and caps, but pause still holds it and the ttl still ends
// it (a renewal reminder held past its ttl by a pause, or by downtime, is
// dropped rather than sent late).
func (dc *decider) exempt(d Due, start time.Time, why []string, held string) Outcome {
	o := Outcome{DeliveryID: d.DeliveryID}
	if expiry := d.DueAt.Add(outreach.TTLOrDefault(d.TTL)); start.After(expiry) {
		o.Decision, o.Rule = outreach.DecisionDropped, held
		o.Reason = dc.dropReason(d, start, expiry, why)
		return o
	}
	if start.After(dc.in.Now) {
		o.Decision, o.Until, o.Rule = outreach.DecisionDeferred, &start, held
		o.Reason = strings.Join(why, "; ")
		return o
	}
	o.Decision = outreach.DecisionSent
	o.Reason = fmt.Sprintf("%s is exempt from quiet hours, business days and caps (it still counts toward them)", d.Category)
	return o
}

func (dc *decider) dropReason(d Due, t, expiry time.Time, why []string) string {
	loc := dc.zone.Loc
	head := fmt.Sprintf("expired: the earliest allowed instant %s is after due %s + ttl %s = %s",
		fmtInstant(t, loc), fmtInstant(d.DueAt, loc), fmtDuration(outreach.TTLOrDefault(d.TTL)), fmtInstant(expiry, loc))
	if len(why) == 0 {
		return head + dc.zoneNote()
	}
	return head + ": " + strings.Join(why, "; then ") + dc.zoneNote()
}

// sentReason says what the slot uses of each budget, so that the timeline
// shows how close the contact is to a cap.
func (dc *decider) sentReason(d Due) string {
	p, now := dc.in.Policy, dc.in.Now
	var use []string
	count := func(h history, w time.Duration) int { return len(h.since(now.Add(-w))) + 1 }
	if p.MaxPerDay > 0 {
		use = append(use, fmt.Sprintf("%d of max_per_day %d", count(dc.contact, day), p.MaxPerDay))
	}
	if p.MaxPerWeek > 0 {
		use = append(use, fmt.Sprintf("%d of max_per_week %d", count(dc.contact, week), p.MaxPerWeek))
	}
	if d.Category == outreach.CategorySurvey && p.AccountMaxSurveysPerWeek > 0 {
		use = append(use, fmt.Sprintf("%d of account max_surveys_per_week %d", count(dc.accountSurvey, week), p.AccountMaxSurveysPerWeek))
	}
	s := "every rule allows it now"
	if len(use) > 0 {
		s += " (" + strings.Join(use, ", ") + ")"
	}
	if dc.local != nil {
		s += fmt.Sprintf("; local time %s in %s (%s)", now.In(dc.zone.Loc).Format("Mon 15:04"), dc.zone.Name, dc.zone.Source)
	}
	return s + dc.zoneNote()
}

// zoneNote mentions a timezone fallback when the local time mattered.
func (dc *decider) zoneNote() string {
	if dc.local == nil || dc.zone.Note == "" {
		return ""
	}
	return "; " + dc.zone.Note
}

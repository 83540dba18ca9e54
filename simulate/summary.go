package simulate

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/outreach-dev/outreach"
)

// Summary is what a simulation amounts to, per campaign and per contact.
type Summary struct {
	// Campaigns in pack order (then any other campaign by key).
	Campaigns []CampaignSummary
	Total     CampaignSummary // Campaign "total"
	// Contacts lists every contact that was sent anything, busiest first
	// (by Max7d, then Max24h, then Sent, then email).
	Contacts []ContactSummary
}

// CampaignSummary counts one campaign's deliveries.
type CampaignSummary struct {
	Campaign, Category string
	Planned            int // deliveries planned
	Sent               int // slots reserved ("sent" decisions)
	Deferred           int // deliveries deferred at least once
	Deferrals          int // "deferred" decisions (a delivery may be deferred again)
	Dropped            int
	Suppressed         int
	Failed             int // reserved but refused by the sender or not renderable
	Pending            int // still planned at the end of the window
	// DeferredBy counts, per rule (outreach.Rule*), the deliveries that
	// rule deferred at least once; DroppedBy the deliveries it dropped.
	DeferredBy map[string]int
	DroppedBy  map[string]int
}

// ContactSummary is how much one contact received.
type ContactSummary struct {
	Contact string // email
	Account string // external id
	Sent    int
	Max24h  int // most "sent" decisions in any rolling 24 hours
	Max7d   int // most in any rolling 7 days
}

// summaryBuilder accumulates the summary while the log streams by.
type summaryBuilder struct {
	order    []string // campaign keys of the pack
	camps    map[string]*CampaignSummary
	deferred map[string]bool // deliveries deferred at least once
	byRule   map[[2]string]bool
	contacts map[string]*contactTimes
}

type contactTimes struct {
	account string
	sent    []time.Time // in time order: the log is
}

func newSummaryBuilder(p *outreach.Pack) *summaryBuilder {
	b := &summaryBuilder{camps: map[string]*CampaignSummary{}, deferred: map[string]bool{},
		byRule: map[[2]string]bool{}, contacts: map[string]*contactTimes{}}
	for _, c := range p.Campaigns {
		b.order = append(b.order, c.Key)
		b.camps[c.Key] = &CampaignSummary{Campaign: c.Key, Category: c.Category}
	}
	return b
}

func (b *summaryBuilder) camp(key, category string) *CampaignSummary {
	c, ok := b.camps[key]
	if !ok {
		c = &CampaignSummary{Campaign: key, Category: category}
		b.camps[key] = c
	}
	return c
}

// ruleOf names a decision's rule in the summary: decisions logged before
// rules were recorded count as "other".
func ruleOf(r *Record) string {
	if r.Rule == "" {
		return "other"
	}
	return r.Rule
}

// countRule adds one to m[rule], making m.
func countRule(m *map[string]int, rule string) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[rule]++
}

// state adds n deliveries of campaign in state.
func (b *summaryBuilder) state(campaign, category, state string, n int) {
	c := b.camp(campaign, category)
	c.Planned += n
	switch state {
	case outreach.DeliveryFailed:
		c.Failed += n
	case outreach.DeliveryPlanned:
		c.Pending += n
	}
}

// add counts one decision.
func (b *summaryBuilder) add(r *Record) {
	c := b.camp(r.Campaign, r.Category)
	switch r.Decision {
	case outreach.DecisionSent:
		c.Sent++
		ct := b.contacts[r.Contact]
		if ct == nil {
			ct = &contactTimes{account: r.Account}
			b.contacts[r.Contact] = ct
		}
		ct.sent = append(ct.sent, r.At)
	case outreach.DecisionDeferred:
		c.Deferrals++
		if !b.deferred[r.DeliveryID] {
			b.deferred[r.DeliveryID] = true
			c.Deferred++
		}
		if k := [2]string{r.DeliveryID, ruleOf(r)}; !b.byRule[k] {
			b.byRule[k] = true
			countRule(&c.DeferredBy, ruleOf(r))
		}
	case outreach.DecisionDropped:
		c.Dropped++
		countRule(&c.DroppedBy, ruleOf(r))
	case outreach.DecisionSuppressed:
		c.Suppressed++
	}
}

func (b *summaryBuilder) summary() Summary {
	var s Summary
	keys := slices.Clone(b.order)
	var extra []string
	for k := range b.camps {
		if !slices.Contains(b.order, k) {
			extra = append(extra, k)
		}
	}
	slices.Sort(extra)
	s.Total.Campaign = "total"
	for _, k := range append(keys, extra...) {
		c := *b.camps[k]
		s.Campaigns = append(s.Campaigns, c)
		s.Total.Planned += c.Planned
		s.Total.Sent += c.Sent
		s.Total.Deferred += c.Deferred
		s.Total.Deferrals += c.Deferrals
		s.Total.Dropped += c.Dropped
		s.Total.Suppressed += c.Suppressed
		s.Total.Failed += c.Failed
		s.Total.Pending += c.Pending
		for rule, n := range c.DeferredBy {
			countRuleN(&s.Total.DeferredBy, rule, n)
		}
		for rule, n := range c.DroppedBy {
			countRuleN(&s.Total.DroppedBy, rule, n)
		}
	}
	for email, ct := range b.contacts {
		s.Contacts = append(s.Contacts, ContactSummary{Contact: email, Account: ct.account, Sent: len(ct.sent),
			Max24h: maxInWindow(ct.sent, day), Max7d: maxInWindow(ct.sent, 7*day)})
	}
	slices.SortFunc(s.Contacts, func(a, b ContactSummary) int {
		return cmp.Or(-cmp.Compare(a.Max7d, b.Max7d), -cmp.Compare(a.Max24h, b.Max24h),
			-cmp.Compare(a.Sent, b.Sent), strings.Compare(a.Contact, b.Contact))
	})
	return s
}

// maxInWindow returns the most instants of sorted ts inside any window
// [t, t+w) — the throttle's rolling window: a slot reserved exactly w
// after another is outside it.
func maxInWindow(ts []time.Time, w time.Duration) int {
	best, lo := 0, 0
	for hi := range ts {
		for !ts[hi].Before(ts[lo].Add(w)) {
			lo++
		}
		best = max(best, hi-lo+1)
	}
	return best
}

// Print writes the summary table: the window, one row per campaign and a
// total, then the distribution of the per-contact maxima and the busiest
// contacts.
func (r *Result) Print(w io.Writer) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "simulated %s to %s (%s): %s\n", r.From.Format(time.RFC3339), r.End.Format(time.RFC3339),
		plural(int(r.End.Sub(r.From)/day), "day"), plural(r.Instants, "instant"))
	fmt.Fprintf(&sb, "events: %d in the window, %d before it (loaded at the start; %s not planned), %d after it (ignored)\n\n",
		r.Events.Total-r.Events.BeforeWindow-r.Events.AfterWindow, r.Events.BeforeWindow, plural(r.Stale, "stale occurrence"), r.Events.AfterWindow)
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "campaign\tcategory\tplanned\tsent\tdeferred\tdropped\tsuppressed\tfailed\tpending")
	row := func(c CampaignSummary) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\n", c.Campaign, c.Category, c.Planned, c.Sent,
			c.Deferred, c.Dropped, c.Suppressed, c.Failed, c.Pending)
	}
	for _, c := range r.Summary.Campaigns {
		row(c)
	}
	row(r.Summary.Total)
	tw.Flush()
	fmt.Fprintf(&sb, "\n(deferred = deliveries deferred at least once, %s in all; pending = still waiting at the end)\n",
		plural(r.Summary.Total.Deferrals, "deferral"))
	r.Summary.printRules(&sb)
	r.printFeedback(&sb)
	r.printContacts(&sb)
	_, err := io.WriteString(w, sb.String())
	return err
}

// printFeedback writes the survey answers and digests, when there were any.
func (r *Result) printFeedback(sb *strings.Builder) {
	if a := r.Answers; a.Answers > 0 {
		fmt.Fprintf(sb, "\nsurvey answers: %d, %d with a comment\n", a.Answers, a.Comments)
		if a.NPSAnswers > 0 {
			fmt.Fprintf(sb, "  NPS surveys:  %s, NPS %+d (%s, %s, %s)\n", plural(a.NPSAnswers, "answer"), a.NPS(),
				plural(a.Promoters, "promoter"), plural(a.Passives, "passive"), plural(a.Detractors, "detractor"))
		} else {
			fmt.Fprintf(sb, "  NPS surveys:  no answers\n")
		}
		if a.CSATAnswers > 0 {
			fmt.Fprintf(sb, "  CSAT surveys: %s, average %.1f/10, %d%% scored 9-10 (not counted in the NPS)\n",
				plural(a.CSATAnswers, "answer"), a.CSATAverage(), a.CSATSatisfiedShare())
		}
	}
	if d := r.Digests; d != (DigestCounts{}) {
		fmt.Fprintf(sb, "\ndigests: %d sent to %s, %d with nothing to report (not sent)", d.Sent, plural(d.Members, "team member"), d.Empty)
		if d.Failed > 0 {
			fmt.Fprintf(sb, ", %d not sent (refused by the sender)", d.Failed)
		}
		sb.WriteString("\n")
	}
}

// printContacts writes how many contacts reached each per-contact maximum,
// and the busiest five.
func (r *Result) printContacts(sb *strings.Builder) {
	cs := r.Summary.Contacts
	if len(cs) == 1 {
		fmt.Fprintf(sb, "\nper contact: 1 contact was sent something\n")
	} else {
		fmt.Fprintf(sb, "\nper contact: %d contacts were sent something\n", len(cs))
	}
	if len(cs) == 0 {
		return
	}
	for _, m := range []struct {
		label string
		get   func(ContactSummary) int
	}{{"max sent in any 24 h", func(c ContactSummary) int { return c.Max24h }}, {"max sent in any 7 days", func(c ContactSummary) int { return c.Max7d }}} {
		hist := map[int]int{}
		top := 0
		for _, c := range cs {
			hist[m.get(c)]++
			top = max(top, m.get(c))
		}
		var parts []string
		for v := 1; v <= top; v++ {
			if hist[v] > 0 {
				parts = append(parts, fmt.Sprintf("%d: %s", v, plural(hist[v], "contact")))
			}
		}
		fmt.Fprintf(sb, "  %-24s %s\n", m.label, strings.Join(parts, ", "))
	}
	fmt.Fprintln(sb, "  busiest:")
	for _, c := range cs[:min(5, len(cs))] {
		fmt.Fprintf(sb, "    %s (%s): %d in 24 h, %d in 7 days, %d in all\n", c.Contact, c.Account, c.Max24h, c.Max7d, c.Sent)
	}
}

// plural returns "1 answer" or "3 answers".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

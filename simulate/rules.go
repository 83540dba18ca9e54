package simulate

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
)

// countRuleN adds n to m[rule], making m.
func countRuleN(m *map[string]int, rule string, n int) {
	if *m == nil {
		*m = map[string]int{}
	}
	(*m)[rule] += n
}

// rulesOf returns the rules c's deliveries were deferred or dropped by,
// sorted.
func rulesOf(c CampaignSummary) []string {
	set := map[string]bool{}
	for r := range c.DeferredBy {
		set[r] = true
	}
	for r := range c.DroppedBy {
		set[r] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// printRules writes why deliveries were deferred or dropped: one row per
// campaign and rule, deliveries deferred at least once by that rule and
// deliveries it dropped.
func (s Summary) printRules(w io.Writer) {
	if len(s.Total.DeferredBy) == 0 && len(s.Total.DroppedBy) == 0 {
		return
	}
	var sb strings.Builder
	sb.WriteString("\nwhy deferred or dropped (deliveries per campaign and rule):\n")
	tw := tabwriter.NewWriter(&sb, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "campaign\trule\tdeferred\tdropped")
	for _, c := range s.Campaigns {
		for _, r := range rulesOf(c) {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\n", c.Campaign, r, c.DeferredBy[r], c.DroppedBy[r])
		}
	}
	tw.Flush()
	io.WriteString(w, sb.String())
}

// Change is one number that differs between two simulations of the same
// data: for campaign Campaign, the count What ("sent", "planned",
// "deferred by quiet_hours", "dropped by ttl", ...) went from Before to
// After.
type Change struct {
	Campaign      string
	What          string
	Before, After int
}

// String reads "csat-support sent 408 → 396 (−12)".
func (c Change) String() string {
	d := c.After - c.Before
	sign := "+"
	if d < 0 {
		sign, d = "−", -d
	}
	return fmt.Sprintf("%s %s %d → %d (%s%d)", c.Campaign, c.What, c.Before, c.After, sign, d)
}

// Compare lists what differs between summary a (the base pack) and b (the
// compared pack) per campaign, in b's campaign order then a's: planned,
// sent, suppressed, failed and pending deliveries, and deliveries deferred
// and dropped by each rule. A campaign only one pack has counts zero in the
// other. Equal numbers are left out.
func Compare(a, b Summary) []Change {
	index := func(s Summary) map[string]CampaignSummary {
		m := make(map[string]CampaignSummary, len(s.Campaigns))
		for _, c := range s.Campaigns {
			m[c.Campaign] = c
		}
		return m
	}
	ia, ib := index(a), index(b)
	var keys []string
	for _, s := range []Summary{b, a} {
		for _, c := range s.Campaigns {
			if !slices.Contains(keys, c.Campaign) {
				keys = append(keys, c.Campaign)
			}
		}
	}
	var out []Change
	for _, k := range keys {
		ca, cb := ia[k], ib[k]
		add := func(what string, x, y int) {
			if x != y {
				out = append(out, Change{Campaign: k, What: what, Before: x, After: y})
			}
		}
		add("planned", ca.Planned, cb.Planned)
		add("sent", ca.Sent, cb.Sent)
		rules := rulesOf(ca)
		for _, r := range rulesOf(cb) {
			if !slices.Contains(rules, r) {
				rules = append(rules, r)
			}
		}
		slices.Sort(rules)
		for _, r := range rules {
			add("deferred by "+r, ca.DeferredBy[r], cb.DeferredBy[r])
		}
		for _, r := range rules {
			add("dropped by "+r, ca.DroppedBy[r], cb.DroppedBy[r])
		}
		add("suppressed", ca.Suppressed, cb.Suppressed)
		add("failed", ca.Failed, cb.Failed)
		add("pending", ca.Pending, cb.Pending)
	}
	return out
}

// PrintCompare writes the difference the compared pack makes, one line per
// changed number, under a heading naming both packs.
func PrintCompare(w io.Writer, baseName, otherName string, a, b Summary) error {
	var sb strings.Builder
	fmt.Fprintf(&sb, "compared with %s (base: %s), same data and window:\n", otherName, baseName)
	changes := Compare(a, b)
	if len(changes) == 0 {
		sb.WriteString("  no difference\n")
	}
	for _, c := range changes {
		fmt.Fprintf(&sb, "  %s\n", c)
	}
	_, err := io.WriteString(w, sb.String())
	return err
}

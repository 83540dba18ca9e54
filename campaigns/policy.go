package campaigns

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml/ast"

	outreach "github.com/outreach-dev/outreach"
)

// Keys allowed in each section of the policy.
var (
	policyKeys      = append([]string{"timezone", "contact", "surveys", "account", "quiet_hours", "business_days", "exempt_categories"}, identityKeys...)
	contactKeys     = []string{"max_per_day", "max_per_week", "min_gap"}
	surveysKeys     = []string{"cooldown"}
	accountKeys     = []string{"max_surveys_per_week"}
	quietHoursKeys  = []string{"start", "end"}
	weekdaysByShort = map[string]time.Weekday{
		"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
		"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday,
	}
)

// parsePolicy reads the policy section. Absent keys are "no such rule".
func (w *walker) parsePolicy(n ast.Node) outreach.Policy {
	var p outreach.Policy
	f, ok := w.mapping(n, "policy", policyKeys)
	if !ok {
		return p
	}
	if tz, node, ok := w.str(f, "timezone", "policy"); ok {
		if err := outreach.ValidateTimezone(tz); err != nil {
			w.errorf(node, "policy.timezone: %v", err)
		} else {
			p.Timezone = tz
		}
	}
	p.Identity = w.identity(f, "policy")
	if fl, ok := f.get("contact"); ok {
		if c, ok := w.mapping(fl.value, "policy.contact", contactKeys); ok {
			p.MaxPerDay = w.limit(c, "max_per_day", "policy.contact")
			p.MaxPerWeek = w.limit(c, "max_per_week", "policy.contact")
			p.MinGap, _, _ = w.duration(c, "min_gap", "policy.contact", true)
		}
	}
	if fl, ok := f.get("surveys"); ok {
		if s, ok := w.mapping(fl.value, "policy.surveys", surveysKeys); ok {
			p.SurveyCooldown, _, _ = w.duration(s, "cooldown", "policy.surveys", true)
		}
	}
	if fl, ok := f.get("account"); ok {
		if a, ok := w.mapping(fl.value, "policy.account", accountKeys); ok {
			p.AccountMaxSurveysPerWeek = w.limit(a, "max_surveys_per_week", "policy.account")
		}
	}
	if fl, ok := f.get("quiet_hours"); ok {
		p.QuietHours = w.quietHours(fl)
	}
	if fl, ok := f.get("business_days"); ok {
		p.BusinessDays = w.businessDays(fl.value)
	}
	if cats, nodes, ok := w.stringList(f, "exempt_categories", "policy"); ok {
		for i, c := range cats {
			if !contains(outreach.Categories, c) {
				w.errorf(nodes[i], "policy.exempt_categories: unknown category %q; use one of %s", c, strings.Join(outreach.Categories, ", "))
				continue
			}
			if !contains(p.ExemptCategories, c) {
				p.ExemptCategories = append(p.ExemptCategories, c)
			}
		}
	}
	return p
}

// limit reads a cap: a whole number of at least 1 (absent = no cap).
func (w *walker) limit(f fields, key, what string) int {
	n, node, ok := w.integer(f, key, what)
	if !ok {
		return 0
	}
	if n < 1 {
		w.errorf(node, "%s: must be at least 1 (a cap of %d would never send; remove the key for no cap)", join(what, key), n)
		return 0
	}
	return n
}

// quietHours reads {start: "19:00", end: "09:00"}.
func (w *walker) quietHours(fl field) *outreach.QuietHours {
	f, ok := w.mapping(fl.value, "policy.quiet_hours", quietHoursKeys)
	if !ok {
		return nil
	}
	start, okStart := w.clock(f, "start")
	end, okEnd := w.clock(f, "end")
	if !okStart || !okEnd {
		return nil
	}
	if start == end {
		w.errorf(fl.key, "policy.quiet_hours: start and end are both %s, which leaves no time to send or no quiet time at all; remove the key for no quiet hours", formatClock(start))
		return nil
	}
	return &outreach.QuietHours{Start: start, End: end}
}

// clock reads a required "HH:MM" key of quiet_hours.
func (w *walker) clock(f fields, key string) (time.Duration, bool) {
	what := "policy.quiet_hours"
	fl, exists := f.m[key]
	if !exists {
		w.errorf(f.node, "%s: missing required key %q (e.g. start: \"19:00\", end: \"09:00\")", what, key)
		return 0, false
	}
	s, ok := scalar(fl.value)
	if !ok {
		w.errorf(fl.key, "%s: must be a time of day \"HH:MM\", not %s", join(what, key), kind(fl.value))
		return 0, false
	}
	d, err := parseClock(s)
	if err != nil {
		w.errorf(fl.value, "%s: %v", join(what, key), err)
		return 0, false
	}
	return d, true
}

// parseClock parses "HH:MM" (00:00 to 23:59) to the time since midnight.
func parseClock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", s)
	if err != nil || len(s) != 5 {
		return 0, fmt.Errorf("%q is not a time of day: use 24-hour \"HH:MM\", e.g. \"09:00\" or \"19:30\"", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// formatClock formats a time since midnight as "HH:MM".
func formatClock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}

// businessDays reads a non-empty list of weekdays (mon, tue, … or full
// names, any case), returned in week order without repeats.
func (w *walker) businessDays(n ast.Node) []time.Weekday {
	const what = "policy.business_days"
	if seq, ok := n.(*ast.SequenceNode); ok && len(seq.Values) == 0 {
		w.errorf(n, "%s: is empty, so nothing could ever be sent; list days such as [mon, tue, wed, thu, fri] or remove the key for every day", what)
		return nil
	}
	names, nodes, ok := w.stringListValue(n, what)
	if !ok {
		return nil
	}
	var days []time.Weekday
	for i, name := range names {
		d, ok := parseWeekday(name)
		if !ok {
			w.errorf(nodes[i], "%s: unknown weekday %q; use mon, tue, wed, thu, fri, sat, sun", what, name)
			continue
		}
		if !slices.Contains(days, d) {
			days = append(days, d)
		}
	}
	if len(days) == 0 {
		return nil
	}
	slices.Sort(days)
	return days
}

// parseWeekday accepts "mon" or "monday" in any case.
func parseWeekday(s string) (time.Weekday, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if d, ok := weekdaysByShort[s]; ok {
		return d, true
	}
	for d := time.Sunday; d <= time.Saturday; d++ {
		if strings.ToLower(d.String()) == s {
			return d, true
		}
	}
	return 0, false
}

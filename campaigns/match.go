package campaigns

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	outreach "github.com/outreach-dev/outreach"
)

// EventMatches reports whether event e triggers campaign c: c has an event
// trigger of e's type and every where property of e holds one of the
// allowed values. A property that is missing or not a single value (an
// object, a list, null) matches nothing.
func EventMatches(c *outreach.Campaign, e *outreach.Event) bool {
	return c.Trigger.Event != "" && c.Trigger.Event == e.Type && WhereMiss(c, e) == ""
}

// WhereMiss returns "" when every where property of campaign c holds one
// of its allowed values in event e, else which does not: `where priority
// is "p4", not one of p1, p2, p3`. It does not look at the event type.
func WhereMiss(c *outreach.Campaign, e *outreach.Event) string {
	props := make([]string, 0, len(c.Trigger.Where))
	for p := range c.Trigger.Where {
		props = append(props, p)
	}
	slices.Sort(props)
	for _, prop := range props {
		allowed := c.Trigger.Where[prop]
		v, ok := propertyString(e.Properties, prop)
		switch {
		case !ok:
			return fmt.Sprintf("where %s: the event has no single value for it (want one of %s)", prop, strings.Join(allowed, ", "))
		case !slices.Contains(allowed, v):
			return fmt.Sprintf("where %s is %q, not one of %s", prop, v, strings.Join(allowed, ", "))
		}
	}
	return ""
}

// EventOccurrence returns the occurrence key of the delivery that event e
// plans for campaign c: e's id, or with dedupe the value of that property.
// It reports false when the dedupe property is missing, empty or not a
// single value, so the planner can skip the event and say why.
func EventOccurrence(c *outreach.Campaign, e *outreach.Event) (string, bool) {
	if c.Dedupe == "" {
		return e.ID, e.ID != ""
	}
	v, ok := propertyString(e.Properties, c.Dedupe)
	if !ok || v == "" {
		return "", false
	}
	return v, true
}

// propertyString returns a scalar event property as text: strings as they
// are, numbers in their shortest form (3, not 3.0), booleans as true/false.
func propertyString(props map[string]any, name string) (string, bool) {
	v, ok := props[name]
	if !ok {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case float32:
		return strconv.FormatFloat(float64(x), 'f', -1, 32), true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// FilterMatches reports whether a contact passes filter f (the rule is
// outreach.Filter.Miss): empty lists mean everyone, roles and plans compare
// case-insensitively, a locale entry matches that locale and its regional
// variants, a contact without a locale counts as "en".
func FilterMatches(f outreach.Filter, contactRole, contactLocale, accountPlan string) bool {
	return f.Miss(contactRole, contactLocale, accountPlan) == ""
}

// Describe returns one line about c for `outreach validate`: key, trigger,
// filter, category, priority and ttl.
func Describe(c outreach.Campaign) string {
	var sb strings.Builder
	sb.WriteString(c.Key)
	sb.WriteString(": ")
	t := c.Trigger
	if t.Event != "" {
		fmt.Fprintf(&sb, "on %s", t.Event)
		if t.Delay > 0 {
			fmt.Fprintf(&sb, " +%s", FormatDuration(t.Delay))
		}
		props := make([]string, 0, len(t.Where))
		for p := range t.Where {
			props = append(props, p)
		}
		slices.Sort(props)
		for _, p := range props {
			fmt.Fprintf(&sb, " where %s in [%s]", p, strings.Join(t.Where[p], ", "))
		}
		if c.Dedupe != "" {
			fmt.Fprintf(&sb, ", one per %s", c.Dedupe)
		}
	} else {
		fmt.Fprintf(&sb, "schedule %q for %s", t.Schedule, describeAudience(t.Audience))
	}
	if s := describeFilter(c.Filter); s != "" {
		sb.WriteString("; ")
		sb.WriteString(s)
	}
	fmt.Fprintf(&sb, "; %s, priority %d, ttl %s", c.Category, c.Priority, FormatDuration(c.TTL))
	if c.Cooldown > 0 {
		fmt.Fprintf(&sb, ", cooldown %s", FormatDuration(c.Cooldown))
	}
	fmt.Fprintf(&sb, "; template %s", c.Template)
	return sb.String()
}

// describeAudience phrases a scheduled trigger's audience.
func describeAudience(a outreach.Audience) string {
	switch {
	case a.RenewalWithin > 0:
		return "accounts renewing within " + FormatDuration(a.RenewalWithin)
	case a.InactiveFor > 0:
		return "contacts inactive for " + FormatDuration(a.InactiveFor)
	case a.Anniversary != "":
		return "anniversaries of " + a.Anniversary
	}
	return "no audience"
}

// describeFilter phrases a filter, or "" when it lets everyone through.
func describeFilter(f outreach.Filter) string {
	var parts []string
	for _, p := range []struct {
		name   string
		values []string
	}{{"roles", f.Roles}, {"plans", f.Plans}, {"locales", f.Locales}} {
		if len(p.values) > 0 {
			parts = append(parts, p.name+" "+strings.Join(p.values, ","))
		}
	}
	return strings.Join(parts, ", ")
}

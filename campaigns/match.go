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
	if c.Trigger.Event == "" || c.Trigger.Event != e.Type {
		return false
	}
	for prop, allowed := range c.Trigger.Where {
		v, ok := propertyString(e.Properties, prop)
		if !ok || !slices.Contains(allowed, v) {
			return false
		}
	}
	return true
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

// FilterMatches reports whether a contact passes filter f. Empty lists
// mean everyone. Roles and plans compare case-insensitively. A locale entry
// matches that locale and its regional variants ("pt" matches "pt-BR"); a
// contact without a locale counts as "en", the language it will be sent.
func FilterMatches(f outreach.Filter, contactRole, contactLocale, accountPlan string) bool {
	if len(f.Roles) > 0 && !containsFold(f.Roles, contactRole) {
		return false
	}
	if len(f.Plans) > 0 && !containsFold(f.Plans, accountPlan) {
		return false
	}
	if len(f.Locales) > 0 {
		loc := contactLocale
		if loc == "" {
			loc = FallbackLang
		}
		for _, want := range f.Locales {
			if strings.EqualFold(loc, want) || (len(loc) > len(want) && strings.EqualFold(loc[:len(want)+1], want+"-")) {
				return true
			}
		}
		return false
	}
	return true
}

// containsFold reports whether list holds s, ignoring case; "" is never in
// a list.
func containsFold(list []string, s string) bool {
	if s == "" {
		return false
	}
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
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

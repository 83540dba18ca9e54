package campaigns

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/goccy/go-yaml/ast"

	outreach "github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/cronspec"
)

// Keys allowed in each mapping of campaigns.yaml.
var (
	rootKeys     = []string{"policy", "campaigns", "alerts"}
	campaignKeys = append([]string{"key", "name", "category", "priority", "trigger", "filter", "template", "ttl", "cooldown", "dedupe", "survey"}, identityKeys...)
	triggerKeys  = []string{"event", "delay", "where", "schedule", "audience"}
	audienceKeys = []string{"renewal_within", "inactive_for", "anniversary"}
	filterKeys   = []string{"roles", "plans", "locales"}
)

// keyPattern is what a campaign key may look like: it ends up in delivery
// ids, SendGrid categories and URLs, so it stays plain.
var keyPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,63}$`)

// parsedCampaign is a campaign with the nodes later checks point at.
type parsedCampaign struct {
	outreach.Campaign
	templateNode ast.Node // nil when the template key is missing or wrong
	categoryOK   bool
	what         string // how messages name it: campaign "KEY", or campaign #N when its key is not valid
}

// parsePack walks the whole campaigns.yaml document.
func (w *walker) parsePack(root ast.Node) (*outreach.Pack, []parsedCampaign) {
	pack := &outreach.Pack{}
	f, ok := w.mapping(root, "campaigns.yaml", rootKeys)
	if !ok {
		return pack, nil
	}
	if fl, ok := f.get("policy"); ok {
		pack.Policy = w.parsePolicy(fl.value)
	}
	fl, exists := f.m["campaigns"]
	if !exists {
		w.errorf(root, "campaigns.yaml: missing required key \"campaigns\" (the list of campaigns)")
		return pack, nil
	}
	if w.isNull(fl.value) {
		w.errorf(fl.key, "campaigns: is empty: list the campaigns, or write campaigns: [] for none")
		return pack, nil
	}
	seq, ok := fl.value.(*ast.SequenceNode)
	if !ok {
		w.errorf(fl.value, "campaigns: must be a list of campaigns (each starting with \"- key: ...\"), not %s", kind(fl.value))
		return pack, nil
	}
	var parsed []parsedCampaign
	firstLine := map[string]int{}
	for i, item := range seq.Values {
		var entry ast.Node = item // the "- " of a block list, where an empty entry is reported
		if i < len(seq.Entries) && seq.Entries[i] != nil {
			entry = seq.Entries[i]
		}
		pc, keyNode, ok := w.parseCampaign(w.resolve(item), entry, i+1)
		if !ok {
			parsed = append(parsed, pc) // no usable key, but its template is still checked: every error at once
			continue
		}
		if line, dup := firstLine[pc.Key]; dup {
			w.errorf(keyNode, "campaign key %q is used twice (first at line %d): keys must be unique", pc.Key, line)
			parsed = append(parsed, pc) // its template is still checked, so every error shows at once
			continue
		}
		firstLine[pc.Key], _ = position(keyNode)
		parsed = append(parsed, pc)
		pack.Campaigns = append(pack.Campaigns, pc.Campaign)
	}
	if fl, ok := f.get("alerts"); ok {
		pack.Alerts = w.parseAlerts(fl.value, parsed)
	}
	return pack, parsed
}

// parseCampaign reads one entry n of the campaigns list, at entry, with
// its 1-based index. ok is false when the entry has no usable key.
func (w *walker) parseCampaign(n, entry ast.Node, index int) (parsedCampaign, ast.Node, bool) {
	pc := parsedCampaign{}
	what := fmt.Sprintf("campaign #%d", index)
	if w.isNull(n) {
		w.errorf(entry, "%s: is empty: give it at least key, category, trigger and template", what)
		return pc, nil, false
	}
	if key, ok := w.peekKey(n); ok {
		what = fmt.Sprintf("campaign %q", key) // name it in every message, even those found before the key
	}
	pc.what = what
	f, ok := w.mapping(n, what, campaignKeys)
	if !ok {
		return pc, nil, false
	}
	key, keyNode, keyOK := w.required(f, "key", what)
	if keyOK && !keyPattern.MatchString(key) {
		w.errorf(keyNode, "%s: key %q: use 1 to 64 lower-case letters, digits, - and _ (e.g. nps-onboarding)", what, key)
		keyOK = false
	}
	c := &pc.Campaign
	c.Key = key
	c.Name = key
	if name, _, ok := w.str(f, "name", what); ok {
		c.Name = name
	}
	if cat, node, ok := w.required(f, "category", what); ok {
		if contains(outreach.Categories, cat) {
			c.Category, pc.categoryOK = cat, true
		} else {
			w.errorf(node, "%s: unknown category %q; use one of %s", join(what, "category"), cat, strings.Join(outreach.Categories, ", "))
		}
	}
	c.Priority, _, _ = w.integer(f, "priority", what)
	c.Template, pc.templateNode, _ = w.required(f, "template", what)
	ttl, _, _ := w.duration(f, "ttl", what, true)
	c.TTL = outreach.TTLOrDefault(ttl)
	c.Cooldown, _, _ = w.duration(f, "cooldown", what, true)
	c.Identity = w.identity(f, what)
	dedupe, dedupeNode, _ := w.str(f, "dedupe", what)
	c.Dedupe = strings.TrimSpace(dedupe)
	if dedupeNode != nil && c.Dedupe == "" {
		w.errorf(dedupeNode, "%s: is empty: name the event property that identifies an occurrence (e.g. ticket_id), or remove the key", join(what, "dedupe"))
	}
	if fl, ok := f.get("filter"); ok {
		c.Filter = w.parseFilter(fl.value, join(what, "filter"))
	}
	w.parseSurvey(f, &pc, what)
	if _, exists := f.m["trigger"]; !exists {
		w.errorf(f.node, "%s: missing required key \"trigger\" (e.g. trigger: {event: onboarding.completed, delay: 14d})", what)
	} else if fl, _ := f.get("trigger"); w.isNull(fl.value) {
		w.errorf(f.m["trigger"].key, "%s: is empty: give it an event or a schedule", join(what, "trigger"))
	} else {
		c.Trigger = w.parseTrigger(fl, join(what, "trigger"))
		if c.Dedupe != "" && c.Trigger.Schedule != "" {
			w.errorf(dedupeNode, "%s: only applies to event triggers (a scheduled campaign's occurrence comes from its audience); remove it", join(what, "dedupe"))
			c.Dedupe = ""
		}
	}
	if !keyOK {
		return pc, nil, false
	}
	return pc, keyNode, true
}

// peekKey returns the campaign key of mapping n when it is a valid one.
func (w *walker) peekKey(n ast.Node) (string, bool) {
	m, ok := n.(*ast.MappingNode)
	if !ok {
		return "", false
	}
	for _, mv := range m.Values {
		if tk := mv.Key.GetToken(); tk != nil && tk.Value == "key" {
			if s, ok := w.resolve(mv.Value).(*ast.StringNode); ok && keyPattern.MatchString(s.Value) {
				return s.Value, true
			}
			return "", false
		}
	}
	return "", false
}

// parseTrigger reads an event trigger or a scheduled one, never both.
func (w *walker) parseTrigger(fl field, what string) outreach.Trigger {
	var t outreach.Trigger
	f, ok := w.mapping(fl.value, what, triggerKeys)
	if !ok {
		return t
	}
	hasEvent, hasSchedule := f.has("event"), f.has("schedule")
	switch {
	case hasEvent && hasSchedule:
		w.errorf(f.m["schedule"].key, "%s: has both event and schedule: a campaign is triggered by one or the other; split it into two campaigns", what)
		return t
	case !hasEvent && !hasSchedule:
		w.errorf(f.node, "%s: needs an event (e.g. event: qbr.completed) or a schedule (e.g. schedule: \"0 9 * * *\" with an audience)", what)
		return t
	case hasEvent:
		for _, k := range []string{"audience"} {
			if fl, ok := f.m[k]; ok {
				w.errorf(fl.key, "%s: %s only applies to scheduled triggers; remove it", what, k)
			}
		}
		event, _, _ := w.required(f, "event", what)
		t.Event = strings.TrimSpace(event)
		t.Delay, _, _ = w.duration(f, "delay", what, false)
		if fl, ok := f.get("where"); ok {
			t.Where = w.parseWhere(fl.value, join(what, "where"))
		}
	default:
		for _, k := range []string{"delay", "where"} {
			if fl, ok := f.m[k]; ok {
				w.errorf(fl.key, "%s: %s only applies to event triggers; remove it", what, k)
			}
		}
		spec, node, ok := w.required(f, "schedule", what)
		if ok {
			if sched := w.parseCron(spec, node, join(what, "schedule")); sched != nil {
				t.Schedule, t.Cron = strings.TrimSpace(spec), sched
			}
		}
		if _, exists := f.m["audience"]; !exists {
			w.errorf(f.node, "%s: a schedule needs an audience: renewal_within: 60d, inactive_for: 30d or anniversary: started_at", what)
		} else {
			t.Audience = w.parseAudience(f.m["audience"], join(what, "audience"))
		}
	}
	return t
}

// parseCron parses a standard 5-field cron spec or a descriptor such as
// @daily, that fires (cronspec.Parse), once, at load. The spec is
// evaluated in the policy timezone, so a TZ= prefix is refused. It returns
// nil after reporting an error.
func (w *walker) parseCron(spec string, node ast.Node, what string) outreach.Schedule {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		w.errorf(node, "%s: %q: remove the TZ= prefix; schedules run in policy.timezone", what, spec)
		return nil
	}
	sched, err := cronspec.Parse(spec)
	var syntax *cronspec.SyntaxError
	switch {
	case errors.As(err, &syntax):
		w.errorf(node, "%s: %v", what, err)
		return nil
	case err != nil:
		w.errorf(node, "%s: %q: %v", what, spec, err)
		return nil
	}
	return sched
}

// parseAudience reads exactly one audience key.
func (w *walker) parseAudience(fl field, what string) outreach.Audience {
	var a outreach.Audience
	if w.isNull(fl.value) {
		w.errorf(fl.key, "%s: is empty: use renewal_within: 60d, inactive_for: 30d or anniversary: started_at", what)
		return a
	}
	f, ok := w.mapping(fl.value, what, audienceKeys)
	if !ok {
		return a
	}
	switch len(f.m) {
	case 1:
	case 0:
		w.errorf(fl.key, "%s: is empty: use renewal_within: 60d, inactive_for: 30d or anniversary: started_at", what)
		return a
	default:
		w.errorf(f.node, "%s: has %d keys; give exactly one of renewal_within, inactive_for, anniversary (one campaign per audience)", what, len(f.m))
		return a
	}
	a.RenewalWithin, _, _ = w.duration(f, "renewal_within", what, true)
	a.InactiveFor, _, _ = w.duration(f, "inactive_for", what, true)
	if s, node, ok := w.str(f, "anniversary", what); ok {
		if s != "started_at" {
			w.errorf(node, "%s: %q is not supported: the only anniversary is started_at", join(what, "anniversary"), s)
		} else {
			a.Anniversary = s
		}
	}
	for k, fl := range f.m {
		if w.isNull(fl.value) {
			w.errorf(fl.key, "%s: is empty: give it a value", join(what, k))
		}
	}
	return a
}

// parseWhere reads {PROPERTY: value or [values]}.
func (w *walker) parseWhere(n ast.Node, what string) map[string][]string {
	f, ok := w.mapping(n, what, nil)
	if !ok || len(f.m) == 0 {
		return nil
	}
	where := map[string][]string{}
	for prop, fl := range f.m {
		if w.isNull(fl.value) {
			w.errorf(fl.key, "%s: is empty: list the values that match", join(what, prop))
			continue
		}
		if values, _, ok := w.stringListValue(fl.value, join(what, prop)); ok {
			where[prop] = values
		}
	}
	return where
}

// parseFilter reads {roles, plans, locales}; locales are canonicalised.
func (w *walker) parseFilter(n ast.Node, what string) outreach.Filter {
	var flt outreach.Filter
	f, ok := w.mapping(n, what, filterKeys)
	if !ok {
		return flt
	}
	flt.Roles, _, _ = w.stringList(f, "roles", what)
	flt.Plans, _, _ = w.stringList(f, "plans", what)
	locales, nodes, _ := w.stringList(f, "locales", what)
	for i, l := range locales {
		canon, err := outreach.NormalizeLocale(l)
		if err != nil || canon == "" {
			w.errorf(nodes[i], "%s: %q is not a language tag (e.g. en, pt-BR)", join(what, "locales"), l)
			continue
		}
		flt.Locales = append(flt.Locales, canon)
	}
	return flt
}

// parseSurvey reads survey: nps|csat, which a survey campaign must have
// and no other campaign may.
func (w *walker) parseSurvey(f fields, pc *parsedCampaign, what string) {
	c := &pc.Campaign
	kind, node, ok := w.str(f, "survey", what)
	isSurvey := c.Category == outreach.CategorySurvey
	switch {
	case ok && !isSurvey && pc.categoryOK:
		w.errorf(node, "%s: only survey campaigns ask a survey question; remove it or use category: survey", join(what, "survey"))
	case ok && contains(outreach.SurveyKinds, strings.TrimSpace(kind)):
		c.Survey = strings.TrimSpace(kind)
	case ok:
		w.errorf(node, "%s: unknown survey kind %q; use one of %s", join(what, "survey"), kind, strings.Join(outreach.SurveyKinds, ", "))
	case node == nil && isSurvey:
		w.errorf(f.node, "%s: a survey campaign declares what it asks: add survey: nps (how likely to recommend) or survey: csat (satisfaction with the help received)", what)
	}
}

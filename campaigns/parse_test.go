package campaigns

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// testTemplates is a minimal valid templates/ tree for inline packs.
func testTemplates() map[string]string {
	return map[string]string{
		"templates/nps/en.txt":   "---\nsubject: How likely are you to recommend us?\n---\n{{greeting}}\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		"templates/nps/en.html":  "<p>{{greeting}}</p>\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		"templates/nps/pt.txt":   "---\nsubject: Você nos recomendaria?\n---\n{{greeting}}\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		"templates/nps/pt.html":  "<p>{{greeting}}</p>\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		"templates/csat/en.txt":  "---\nsubject: How did we do?\n---\n{{greeting}}\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		"templates/csat/en.html": "<p>{{greeting}}</p>\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
	}
}

// packFS builds a pack from campaigns.yaml text and templates (nil = the
// test templates).
func packFS(yaml string, tmpl map[string]string) fstest.MapFS {
	if tmpl == nil {
		tmpl = testTemplates()
	}
	fsys := fstest.MapFS{"campaigns.yaml": {Data: []byte(yaml)}}
	for p, s := range tmpl {
		fsys[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return fsys
}

// loadErrors loads a pack and returns its problem lines.
func loadErrors(t *testing.T, fsys fstest.MapFS) []string {
	t.Helper()
	_, err := Load(fsys, "pack")
	if err == nil {
		return nil
	}
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("Load error is %T, want *Errors: %v", err, err)
	}
	return strings.Split(err.Error(), "\n")
}

func TestLoadMinimalPackDefaults(t *testing.T) {
	l, err := Load(packFS(`
campaigns:
  - key: nps-qbr
    category: survey
    survey: nps
    trigger: {event: qbr.completed, delay: 1d, where: {tier: gold, size: [1, 2]}}
    template: nps
  - key: win-back
    name: Win back
    category: lifecycle
    priority: -5
    trigger: {schedule: "@weekly", audience: {inactive_for: 30d}}
    filter: {roles: admin, locales: [pt-br, EN]}
    template: nps
    cooldown: 1d12h
`, nil), "pack")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Pack
	if len(p.Campaigns) != 2 {
		t.Fatalf("got %d campaigns", len(p.Campaigns))
	}
	c := p.Campaigns[0]
	if c.Name != "nps-qbr" || c.TTL != outreach.DefaultTTL || c.Priority != 0 || c.Trigger.Delay != Day {
		t.Errorf("defaults: %+v", c)
	}
	if got := c.Trigger.Where; len(got) != 2 || strings.Join(got["tier"], ",") != "gold" || strings.Join(got["size"], ",") != "1,2" {
		t.Errorf("where = %v", got)
	}
	w := p.Campaigns[1]
	if w.Name != "Win back" || w.Priority != -5 || w.Cooldown != 36*time.Hour || w.Trigger.Audience.InactiveFor != 30*Day || w.Trigger.Schedule != "@weekly" {
		t.Errorf("win-back: %+v", w)
	}
	if strings.Join(w.Filter.Roles, ",") != "admin" || strings.Join(w.Filter.Locales, ",") != "pt-BR,en" {
		t.Errorf("filter = %+v", w.Filter)
	}
	if p.Policy.MaxPerDay != 0 || p.Policy.QuietHours != nil || p.Policy.BusinessDays != nil {
		t.Errorf("absent policy should have no rules: %+v", p.Policy)
	}
	if p.Hash != Hash(l.Files) || len(l.Files) != 1+len(testTemplates()) {
		t.Errorf("hash %q over %d files", p.Hash, len(l.Files))
	}
}

func TestLoadPolicy(t *testing.T) {
	l, err := Load(packFS(`
policy:
  timezone: Europe/Paris
  contact: {max_per_day: 1, max_per_week: 3, min_gap: 20h}
  surveys: {cooldown: 30d}
  account: {max_surveys_per_week: 2}
  quiet_hours: {start: "19:00", end: 09:00}
  business_days: [fri, Monday, tue, mon]
  exempt_categories: [transactional]
campaigns: []
`, nil), "pack")
	if err != nil {
		t.Fatal(err)
	}
	p := l.Pack.Policy
	want := outreach.Policy{
		Timezone: "Europe/Paris", MaxPerDay: 1, MaxPerWeek: 3, MinGap: 20 * time.Hour,
		SurveyCooldown: 30 * Day, AccountMaxSurveysPerWeek: 2,
		QuietHours:       &outreach.QuietHours{Start: 19 * time.Hour, End: 9 * time.Hour},
		BusinessDays:     []time.Weekday{time.Monday, time.Tuesday, time.Friday},
		ExemptCategories: []string{"transactional"},
	}
	if p.Timezone != want.Timezone || p.MaxPerDay != want.MaxPerDay || p.MaxPerWeek != want.MaxPerWeek ||
		p.MinGap != want.MinGap || p.SurveyCooldown != want.SurveyCooldown ||
		p.AccountMaxSurveysPerWeek != want.AccountMaxSurveysPerWeek || *p.QuietHours != *want.QuietHours ||
		!slicesEqual(p.BusinessDays, want.BusinessDays) || !slicesEqual(p.ExemptCategories, want.ExemptCategories) {
		t.Errorf("policy =\n%+v\nwant\n%+v", p, want)
	}
}

func slicesEqual[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errorCases are small packs and the exact problem lines they produce.
var errorCases = []struct {
	name string
	yaml string
	tmpl map[string]string // added to / overriding the test templates; "" deletes
	want []string
}{
	{
		name: "unknown keys and wrong types",
		yaml: `policy:
  timezon: UTC
  contact: {max_per_day: "one"}
campaigns:
  - key: a
    category: survey
    survey: nps
    priority: high
    trigger: {event: x, delai: 2h}
    template: nps
    colour: blue
`,
		want: []string{
			`pack/campaigns.yaml:2:3: policy: unknown key "timezon"; allowed: timezone, contact, surveys, account, quiet_hours, business_days, exempt_categories, from, reply_to`,
			`pack/campaigns.yaml:3:26: policy.contact.max_per_day: must be a whole number, not a string`,
			`pack/campaigns.yaml:8:15: campaign "a" priority: must be a whole number, not a string`,
			`pack/campaigns.yaml:9:25: campaign "a" trigger: unknown key "delai"; allowed: event, delay, where, schedule, audience`,
			`pack/campaigns.yaml:11:5: campaign "a": unknown key "colour"; allowed: key, name, category, priority, trigger, filter, template, ttl, cooldown, dedupe, survey, from, reply_to`,
		},
	},
	{
		name: "durations and cron",
		yaml: `campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x, delay: 14x}
    template: nps
    ttl: 1.5h
    cooldown: 0
    dedupe: " "
  - key: b
    category: lifecycle
    trigger: {schedule: "0 9 * *", audience: {inactive_for: 12h1d}}
    template: nps
  - key: c
    category: lifecycle
    trigger: {schedule: "TZ=Europe/Paris 0 9 * * *", audience: {renewal_within: 60}}
    template: nps
  - key: d
    category: lifecycle
    trigger: {schedule: "0 25 * * *", audience: {inactive_for: 30d}}
    template: nps
`,
		want: []string{
			`pack/campaigns.yaml:5:32: campaign "a" trigger.delay: invalid duration "14x": unknown unit "x"; use whole numbers with the units d, h, m, s, e.g. "14d", "2h", "90m" or "1d12h"`,
			`pack/campaigns.yaml:7:10: campaign "a" ttl: invalid duration "1.5h": use whole numbers with the units d, h, m, s, e.g. "14d", "2h", "90m" or "1d12h" (90m, not 1.5h)`,
			`pack/campaigns.yaml:8:15: campaign "a" cooldown: must be more than 0 (remove the key for no such rule)`,
			`pack/campaigns.yaml:9:13: campaign "a" dedupe: is empty: name the event property that identifies an occurrence (e.g. ticket_id), or remove the key`,
			`pack/campaigns.yaml:12:25: campaign "b" trigger.schedule: invalid cron spec "0 9 * *": expected exactly 5 fields, found 4: [0 9 * *]; use 5 fields (minute hour day-of-month month day-of-week), e.g. "0 9 * * MON", or @daily`,
			`pack/campaigns.yaml:12:61: campaign "b" trigger.audience.inactive_for: invalid duration "12h1d": write units once each, largest first (d, h, m, s)`,
			`pack/campaigns.yaml:16:25: campaign "c" trigger.schedule: "TZ=Europe/Paris 0 9 * * *": remove the TZ= prefix; schedules run in policy.timezone`,
			`pack/campaigns.yaml:16:81: campaign "c" trigger.audience.renewal_within: duration "60" needs a unit: use whole numbers with the units d, h, m, s, e.g. "14d", "2h", "90m" or "1d12h"`,
			// 5 fields, one out of range: no "use 5 fields".
			`pack/campaigns.yaml:20:25: campaign "d" trigger.schedule: invalid cron spec "0 25 * * *": end of range (25) above maximum (23): 25; the fields are minute (0-59), hour (0-23), day-of-month (1-31), month (1-12 or JAN-DEC) and day-of-week (0-6 or SUN-SAT), e.g. "0 9 * * MON"`,
		},
	},
	{
		name: "schedules that never fire",
		yaml: `campaigns:
  - key: never
    category: lifecycle
    trigger: {schedule: "0 0 31 2 *", audience: {inactive_for: 30d}}
    template: nps
  - key: short-months
    category: lifecycle
    trigger: {schedule: "0 9 31 4,6,9,11 *", audience: {inactive_for: 30d}}
    template: nps
  - key: zero
    category: lifecycle
    trigger: {schedule: "@every 0s", audience: {inactive_for: 30d}}
    template: nps
  - key: negative
    category: lifecycle
    trigger: {schedule: "@every -1h", audience: {inactive_for: 30d}}
    template: nps
  - key: leap-day
    category: lifecycle
    trigger: {schedule: "0 9 29 2 *", audience: {inactive_for: 30d}}
    template: nps
  - key: feb-31-or-monday
    category: lifecycle
    trigger: {schedule: "0 9 31 2 MON", audience: {inactive_for: 30d}}
    template: nps
  - key: hourly
    category: lifecycle
    trigger: {schedule: "@every 1h", audience: {inactive_for: 30d}}
    template: nps
`,
		want: []string{
			`pack/campaigns.yaml:4:25: campaign "never" trigger.schedule: "0 0 31 2 *": it never fires: no date has that day of the month in those months (such as 31 February or 31 April); fix the day-of-month or month field`,
			`pack/campaigns.yaml:8:25: campaign "short-months" trigger.schedule: "0 9 31 4,6,9,11 *": it never fires: no date has that day of the month in those months (such as 31 February or 31 April); fix the day-of-month or month field`,
			`pack/campaigns.yaml:12:25: campaign "zero" trigger.schedule: "@every 0s": @every needs a duration of more than 0, not 0s (e.g. @every 1h)`,
			`pack/campaigns.yaml:16:25: campaign "negative" trigger.schedule: "@every -1h": @every needs a duration of more than 0, not -1h (e.g. @every 1h)`,
		},
	},
	{
		name: "a campaign with an invalid key has every other error reported",
		yaml: `campaigns:
  - key: CSAT Support
    category: survey
    survey: nps
    trigger: {event: support.ticket_closed}
    template: cstat
  - category: survey
    survey: nps
    trigger: {event: qbr.completed}
    template: nsp
`,
		want: []string{
			`pack/campaigns.yaml:2:10: campaign #1: key "CSAT Support": use 1 to 64 lower-case letters, digits, - and _ (e.g. nps-onboarding)`,
			`pack/campaigns.yaml:6:15: campaign #1 template: unknown template "cstat"; add templates/cstat/en.txt and en.html, or use one of: csat, nps`,
			`pack/campaigns.yaml:7:5: campaign #2: missing required key "key"`,
			`pack/campaigns.yaml:10:15: campaign #2 template: unknown template "nsp"; add templates/nsp/en.txt and en.html, or use one of: csat, nps`,
		},
	},
	{
		name: "required keys, categories, duplicates",
		yaml: `campaigns:
  - key: a
    category: newsletter
    trigger: {event: x}
    template: nps
  - name: no key
    category: survey
    survey: nps
  - key: a
    category: survey
    survey: nps
    trigger: {event: y}
    template: nps
  - key: Bad Key
    category: survey
    survey: nps
    trigger: {event: z}
    template:
  -
`,
		want: []string{
			`pack/campaigns.yaml:3:15: campaign "a" category: unknown category "newsletter"; use one of survey, lifecycle, marketing, transactional`,
			`pack/campaigns.yaml:6:5: campaign #2: missing required key "key"`,
			`pack/campaigns.yaml:6:5: campaign #2: missing required key "template"`,
			`pack/campaigns.yaml:6:5: campaign #2: missing required key "trigger" (e.g. trigger: {event: onboarding.completed, delay: 14d})`,
			`pack/campaigns.yaml:9:10: campaign key "a" is used twice (first at line 2): keys must be unique`,
			`pack/campaigns.yaml:14:10: campaign #4: key "Bad Key": use 1 to 64 lower-case letters, digits, - and _ (e.g. nps-onboarding)`,
			`pack/campaigns.yaml:18:5: campaign #4 template: is empty: give it a value`,
			`pack/campaigns.yaml:19:3: campaign #5: is empty: give it at least key, category, trigger and template`,
		},
	},
	{
		name: "a duplicate key's template is still checked",
		yaml: `campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x}
    template: nps
  - key: a
    category: survey
    survey: nps
    trigger: {event: y}
    template: nope
`,
		want: []string{
			`pack/campaigns.yaml:7:10: campaign key "a" is used twice (first at line 2): keys must be unique`,
			`pack/campaigns.yaml:11:15: campaign "a" template: unknown template "nope"; add templates/nope/en.txt and en.html, or use one of: csat, nps`,
		},
	},
	{
		name: "trigger shapes",
		yaml: `campaigns:
  - key: both
    category: survey
    survey: nps
    trigger: {event: x, schedule: "@daily"}
    template: nps
  - key: neither
    category: survey
    survey: nps
    trigger: {delay: 2h}
    template: nps
  - key: no-audience
    category: lifecycle
    trigger: {schedule: "@daily", delay: 1h}
    dedupe: ticket_id
    template: nps
  - key: two-audiences
    category: lifecycle
    trigger:
      schedule: "@daily"
      audience: {inactive_for: 30d, renewal_within: 60d}
    template: nps
  - key: bad-anniversary
    category: lifecycle
    trigger:
      schedule: "@daily"
      audience: {anniversary: birthday}
    template: nps
  - key: event-audience
    category: survey
    survey: nps
    trigger: {event: x, audience: {inactive_for: 1d}, where: {priority: []}}
    template: nps
`,
		want: []string{
			`pack/campaigns.yaml:5:25: campaign "both" trigger: has both event and schedule: a campaign is triggered by one or the other; split it into two campaigns`,
			`pack/campaigns.yaml:10:14: campaign "neither" trigger: needs an event (e.g. event: qbr.completed) or a schedule (e.g. schedule: "0 9 * * *" with an audience)`,
			`pack/campaigns.yaml:14:14: campaign "no-audience" trigger: a schedule needs an audience: renewal_within: 60d, inactive_for: 30d or anniversary: started_at`,
			`pack/campaigns.yaml:14:35: campaign "no-audience" trigger: delay only applies to event triggers; remove it`,
			`pack/campaigns.yaml:15:13: campaign "no-audience" dedupe: only applies to event triggers (a scheduled campaign's occurrence comes from its audience); remove it`,
			`pack/campaigns.yaml:21:17: campaign "two-audiences" trigger.audience: has 2 keys; give exactly one of renewal_within, inactive_for, anniversary (one campaign per audience)`,
			`pack/campaigns.yaml:27:31: campaign "bad-anniversary" trigger.audience.anniversary: "birthday" is not supported: the only anniversary is started_at`,
			`pack/campaigns.yaml:32:25: campaign "event-audience" trigger: audience only applies to scheduled triggers; remove it`,
			`pack/campaigns.yaml:32:73: campaign "event-audience" trigger.where.priority: is an empty list: list at least one value or remove the key`,
		},
	},
	{
		name: "unsatisfiable policy",
		yaml: `policy:
  timezone: Local
  contact: {max_per_day: 0, max_per_week: -1, min_gap: 0}
  account: {max_surveys_per_week: 0}
  quiet_hours: {start: "19:00", end: "19:00"}
  business_days: []
  exempt_categories: [transactional, vip]
campaigns: []
`,
		want: []string{
			`pack/campaigns.yaml:2:13: policy.timezone: "Local" is not allowed: use an IANA name such as "Europe/Paris"`,
			`pack/campaigns.yaml:3:26: policy.contact.max_per_day: must be at least 1 (a cap of 0 would never send; remove the key for no cap)`,
			`pack/campaigns.yaml:3:43: policy.contact.max_per_week: must be at least 1 (a cap of -1 would never send; remove the key for no cap)`,
			`pack/campaigns.yaml:3:56: policy.contact.min_gap: must be more than 0 (remove the key for no such rule)`,
			`pack/campaigns.yaml:4:35: policy.account.max_surveys_per_week: must be at least 1 (a cap of 0 would never send; remove the key for no cap)`,
			`pack/campaigns.yaml:5:3: policy.quiet_hours: start and end are both 19:00, which leaves no time to send or no quiet time at all; remove the key for no quiet hours`,
			`pack/campaigns.yaml:6:18: policy.business_days: is empty, so nothing could ever be sent; list days such as [mon, tue, wed, thu, fri] or remove the key for every day`,
			`pack/campaigns.yaml:7:38: policy.exempt_categories: unknown category "vip"; use one of survey, lifecycle, marketing, transactional`,
		},
	},
	{
		name: "bad clock, weekday, timezone, locale",
		yaml: `policy:
  timezone: Mars/Olympus
  quiet_hours: {start: "7pm", end: "25:00"}
  business_days: [mon, funday]
campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x}
    filter: {locales: [en, "!!"], colours: [red]}
    template: nps
`,
		want: []string{
			`pack/campaigns.yaml:2:13: policy.timezone: unknown timezone "Mars/Olympus": use an IANA name such as "America/Sao_Paulo"`,
			`pack/campaigns.yaml:3:24: policy.quiet_hours.start: "7pm" is not a time of day: use 24-hour "HH:MM", e.g. "09:00" or "19:30"`,
			`pack/campaigns.yaml:3:36: policy.quiet_hours.end: "25:00" is not a time of day: use 24-hour "HH:MM", e.g. "09:00" or "19:30"`,
			`pack/campaigns.yaml:4:24: policy.business_days: unknown weekday "funday"; use mon, tue, wed, thu, fri, sat, sun`,
			`pack/campaigns.yaml:10:28: campaign "a" filter.locales: "!!" is not a language tag (e.g. en, pt-BR)`,
			`pack/campaigns.yaml:10:35: campaign "a" filter: unknown key "colours"; allowed: roles, plans, locales`,
		},
	},
	{
		name: "templates: unknown, no en, syntax error",
		yaml: `campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x}
    template: npss
  - key: b
    category: survey
    survey: nps
    trigger: {event: y}
    template: fr-only
`,
		tmpl: map[string]string{
			"templates/fr-only/fr.txt":  "---\nsubject: Bonjour\n---\nBonjour\n",
			"templates/fr-only/fr.html": "<p>Bonjour</p>\n",
			"templates/nps/pt.html":     "<p>\n  {{greeting</p>\n",
		},
		want: []string{
			`pack/campaigns.yaml:6:15: campaign "a" template: unknown template "npss"; add templates/npss/en.txt and en.html, or use one of: csat, fr-only, nps`,
			`pack/templates/fr-only: template fr-only has no en version (it has fr): add templates/fr-only/en.txt and templates/fr-only/en.html*`,
			`pack/templates/nps/pt.html:2:*`,
		},
	},
	{
		name: "template fails to render",
		yaml: `campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x}
    template: typo
  - key: b
    category: lifecycle
    trigger: {event: y}
    template: typo
`,
		tmpl: map[string]string{
			"templates/typo/en.txt":  "---\nsubject: Hi\n---\n{{greeting}}\n{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
			"templates/typo/en.html": "<p>{{greeting}}</p>{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
			"templates/typo/pt.txt":  "---\nsubject: Oi\n---\n{{greeting}}\n\nAté {{.Contact.Nmae}}\n",
			"templates/typo/pt.html": "<p>{{greeting}}</p>{{if .SurveyLinks}}{{npsScale}}{{end}}\n",
		},
		want: []string{
			`pack/templates/typo/pt.txt:6:*Nmae* (rendering pt for a sample survey contact of campaign "a")`,
		},
	},
	{
		// Validation renders each template a second time for a contact
		// without optional data: an unguarded renewal date fails there for
		// the event campaign, not for the renewal_within one (its accounts
		// always have a renewal date), nor when guarded by {{with}}.
		name: "optional data without a guard",
		yaml: `campaigns:
  - key: renewal
    category: transactional
    trigger: {schedule: "0 9 * * *", audience: {renewal_within: 60d}}
    template: renews
  - key: anniversary
    category: lifecycle
    trigger: {schedule: "@daily", audience: {anniversary: started_at}}
    template: years
  - key: upsell
    category: marketing
    trigger: {event: plan.viewed}
    template: renews
  - key: guarded
    category: marketing
    trigger: {event: plan.viewed}
    template: guarded
`,
		tmpl: map[string]string{
			"templates/renews/en.txt":   "---\nsubject: Renewal\n---\nRenews on {{date .Account.RenewalDate}}.\n",
			"templates/renews/en.html":  "<p>Renews soon.</p>\n",
			"templates/years/en.txt":    "---\nsubject: {{anniversaryYears}} years since {{date .Account.StartedAt}}\n---\nThanks.\n",
			"templates/years/en.html":   "<p>Thanks.</p>\n",
			"templates/guarded/en.txt":  "---\nsubject: News\n---\n{{with .Account.RenewalDate}}Renews on {{date .}}.{{end}}\n",
			"templates/guarded/en.html": "<p>{{if .Account.RenewalDate}}Renews on {{date .Account.RenewalDate}}.{{end}}</p>\n",
		},
		want: []string{
			`pack/templates/renews/en.txt:4:13: in {{date .Account.RenewalDate}}: .Account.RenewalDate is not set for this contact; use an optional date inside {{with .Account.RenewalDate}}{{date .}}{{end}} (rendering en for a sample marketing contact without optional data (no name, role or zone; an account with no name, plan, renewal date or start date) of campaign "upsell")`,
		},
	},
	{
		name: "top level",
		yaml: `policy: [1]
campaign:
  - key: a
`,
		want: []string{
			`pack/campaigns.yaml:1:1: campaigns.yaml: missing required key "campaigns" (the list of campaigns)`,
			`pack/campaigns.yaml:1:9: policy: must be a mapping (key: value), not a list`,
			`pack/campaigns.yaml:2:1: campaigns.yaml: unknown key "campaign"; allowed: policy, campaigns, alerts`,
		},
	},
	{
		name: "syntax error",
		yaml: "campaigns:\n  - key: [a\n",
		want: []string{`pack/campaigns.yaml:2:10: YAML syntax error: sequence end token ']' not found`},
	},
	{
		name: "duplicate mapping keys",
		yaml: `campaigns:
  - key: a
    category: survey
    survey: nps
    trigger: {event: x, event: y}
    template: nps
    template: csat
`,
		want: []string{
			`pack/campaigns.yaml:5:25: campaign "a" trigger: duplicate key "event" (first at line 5)`,
			`pack/campaigns.yaml:7:5: campaign "a": duplicate key "template" (first at line 6)`,
		},
	},
}

func TestLoadErrors(t *testing.T) {
	for _, tc := range errorCases {
		t.Run(tc.name, func(t *testing.T) {
			tmpl := testTemplates()
			maps.Copy(tmpl, tc.tmpl)
			got := loadErrors(t, packFS(tc.yaml, tmpl))
			if !linesMatch(got, tc.want) {
				t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// linesMatch compares problem lines. A * in a wanted line matches any text:
// it stands for wording that package templates owns, so these tests check
// the file and position mapping, not that package's messages.
func linesMatch(got, want []string) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range want {
		if !lineMatches(got[i], want[i]) {
			return false
		}
	}
	return true
}

func lineMatches(got, want string) bool {
	parts := strings.Split(want, "*")
	if len(parts) == 1 {
		return got == want
	}
	rest, ok := strings.CutPrefix(got, parts[0])
	if !ok {
		return false
	}
	for _, p := range parts[1 : len(parts)-1] {
		i := strings.Index(rest, p)
		if i < 0 {
			return false
		}
		rest = rest[i+len(p):]
	}
	return strings.HasSuffix(rest, parts[len(parts)-1])
}

func TestLineMatches(t *testing.T) {
	tests := []struct {
		got, want string
		ok        bool
	}{
		{"a:1:2: x", "a:1:2: x", true},
		{"a:1:2: x", "a:1:2: y", false},
		{"a:1:2: anything", "a:1:*", true},
		{"b:1:2: anything", "a:1:*", false},
		{"a:6:16: in Nmae (campaign a)", "a:6:*Nmae* (campaign a)", true},
		{"a:6:16: in Name (campaign a)", "a:6:*Nmae* (campaign a)", false},
		{"a:6:16: in Nmae (campaign b)", "a:6:*Nmae* (campaign a)", false},
	}
	for _, tc := range tests {
		if got := lineMatches(tc.got, tc.want); got != tc.ok {
			t.Errorf("lineMatches(%q, %q) = %v", tc.got, tc.want, got)
		}
	}
}

func TestLoadMissingParts(t *testing.T) {
	got := loadErrors(t, fstest.MapFS{"README": {Data: []byte("x")}})
	want := "pack/campaigns.yaml: missing: a pack is a directory with campaigns.yaml and templates/ (`outreach init DIR` writes an example)"
	if strings.Join(got, "\n") != want {
		t.Errorf("got %q", got)
	}
	got = loadErrors(t, packFS("campaigns: []\n", map[string]string{}))
	want = "pack/templates: missing: a pack needs a templates/ directory with one folder per template (e.g. templates/nps/en.txt and en.html)"
	if strings.Join(got, "\n") != want {
		t.Errorf("got %q", got)
	}
}

// FuzzLoad checks that no campaigns.yaml, however broken, panics the loader
// and that every failure is a list of positioned problems.
func FuzzLoad(f *testing.F) {
	for _, tc := range errorCases {
		f.Add(tc.yaml)
	}
	f.Add("campaigns: [*a, &a {key: x}]\n")
	f.Add("<<: {campaigns: []}\n")
	f.Add("--- \n--- \n")
	f.Fuzz(func(t *testing.T, src string) {
		_, err := Load(packFS(src, nil), "p")
		var errs *Errors
		if err != nil && (!errors.As(err, &errs) || len(errs.List) == 0) {
			t.Fatalf("Load error %T is not a non-empty *Errors: %v", err, err)
		}
	})
}

package campaigns

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

func TestParseDuration(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Duration
		wantErr string // substring
	}{
		{"14d", 14 * 24 * time.Hour, ""},
		{"2h", 2 * time.Hour, ""},
		{"90m", 90 * time.Minute, ""},
		{"45s", 45 * time.Second, ""},
		{"1d12h", 36 * time.Hour, ""},
		{"1d2h3m4s", 26*time.Hour + 3*time.Minute + 4*time.Second, ""},
		{"0", 0, ""},
		{"0s", 0, ""},
		{"", 0, "empty duration"},
		{"14", 0, `duration "14" needs a unit`},
		{"1.5h", 0, "90m, not 1.5h"},
		{"2w", 0, `unknown unit "w"`},
		{"10ms", 0, `unknown unit "ms"`},
		{"-1h", 0, "is negative"},
		{"12h1d", 0, "largest first"},
		{"1h1h", 0, "largest first"},
		{"d", 0, "invalid duration"},
		{"2 h", 0, `unknown unit " h"`},
		{"9999999999999d", 0, "too large"},
	}
	for _, tc := range tests {
		got, err := ParseDuration(tc.in)
		switch {
		case tc.wantErr == "" && err != nil:
			t.Errorf("ParseDuration(%q): %v", tc.in, err)
		case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
			t.Errorf("ParseDuration(%q) error = %v, want it to contain %q", tc.in, err, tc.wantErr)
		case got != tc.want:
			t.Errorf("ParseDuration(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFormatDurationRoundTrip(t *testing.T) {
	for _, d := range []time.Duration{0, time.Second, 90 * time.Minute, Day, 36 * time.Hour, 10*Day + 3*time.Second} {
		s := FormatDuration(d)
		back, err := ParseDuration(s)
		if err != nil || back != d {
			t.Errorf("FormatDuration(%v) = %q, parses back to %v, %v", d, s, back, err)
		}
	}
	if got := FormatDuration(14 * Day); got != "14d" {
		t.Errorf("FormatDuration(14d) = %q", got)
	}
}

// props decodes JSON the way events arrive over the API (numbers are float64).
func props(t *testing.T, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEventMatches(t *testing.T) {
	csat := &outreach.Campaign{Key: "csat", Trigger: outreach.Trigger{
		Event: outreach.EventTicketClosed,
		Where: map[string][]string{"priority": {"p1", "p2"}, "tier": {"1", "true"}},
	}}
	anyValue := &outreach.Campaign{Key: "any", Trigger: outreach.Trigger{Event: outreach.EventTicketClosed}}
	scheduled := &outreach.Campaign{Key: "s", Trigger: outreach.Trigger{Schedule: "@daily"}}
	tests := []struct {
		name  string
		c     *outreach.Campaign
		typ   string
		props string
		want  bool
	}{
		{"all where match", csat, outreach.EventTicketClosed, `{"priority":"p1","tier":1}`, true},
		{"bool value", csat, outreach.EventTicketClosed, `{"priority":"p2","tier":true}`, true},
		{"value not allowed", csat, outreach.EventTicketClosed, `{"priority":"p4","tier":1}`, false},
		{"property missing", csat, outreach.EventTicketClosed, `{"priority":"p1"}`, false},
		{"property null", csat, outreach.EventTicketClosed, `{"priority":"p1","tier":null}`, false},
		{"property object", csat, outreach.EventTicketClosed, `{"priority":{"v":"p1"},"tier":1}`, false},
		{"number formatting", csat, outreach.EventTicketClosed, `{"priority":"p1","tier":1.0}`, true},
		{"case matters", csat, outreach.EventTicketClosed, `{"priority":"P1","tier":1}`, false},
		{"other type", csat, outreach.EventQBRCompleted, `{"priority":"p1","tier":1}`, false},
		{"no where", anyValue, outreach.EventTicketClosed, `{}`, true},
		{"scheduled never matches", scheduled, "", `{}`, false},
	}
	for _, tc := range tests {
		e := &outreach.Event{ID: "e1", Type: tc.typ, Properties: props(t, tc.props)}
		if got := EventMatches(tc.c, e); got != tc.want {
			t.Errorf("%s: EventMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestEventOccurrence(t *testing.T) {
	plain := &outreach.Campaign{Key: "nps"}
	dedupe := &outreach.Campaign{Key: "csat", Dedupe: "ticket_id"}
	tests := []struct {
		name   string
		c      *outreach.Campaign
		id     string
		props  string
		want   string
		wantOK bool
	}{
		{"event id", plain, "evt-1", `{"ticket_id":"T-9"}`, "evt-1", true},
		{"dedupe string", dedupe, "evt-1", `{"ticket_id":"T-9"}`, "T-9", true},
		{"dedupe number", dedupe, "evt-1", `{"ticket_id":12345}`, "12345", true},
		{"dedupe missing", dedupe, "evt-1", `{}`, "", false},
		{"dedupe empty", dedupe, "evt-1", `{"ticket_id":""}`, "", false},
		{"dedupe null", dedupe, "evt-1", `{"ticket_id":null}`, "", false},
		{"dedupe list", dedupe, "evt-1", `{"ticket_id":[1]}`, "", false},
	}
	for _, tc := range tests {
		e := &outreach.Event{ID: tc.id, Type: "x", Properties: props(t, tc.props)}
		got, ok := EventOccurrence(tc.c, e)
		if got != tc.want || ok != tc.wantOK {
			t.Errorf("%s: EventOccurrence = %q, %v; want %q, %v", tc.name, got, ok, tc.want, tc.wantOK)
		}
	}
	// Two events about one ticket share an occurrence: one delivery per ticket.
	a := &outreach.Event{ID: "a", Properties: map[string]any{"ticket_id": "T-1"}}
	b := &outreach.Event{ID: "b", Properties: map[string]any{"ticket_id": "T-1"}}
	oa, _ := EventOccurrence(dedupe, a)
	ob, _ := EventOccurrence(dedupe, b)
	if oa != ob {
		t.Errorf("same ticket, different occurrences %q and %q", oa, ob)
	}
}

func TestFilterMatches(t *testing.T) {
	tests := []struct {
		name               string
		f                  outreach.Filter
		role, locale, plan string
		want               bool
	}{
		{"empty filter lets everyone", outreach.Filter{}, "", "", "", true},
		{"role listed", outreach.Filter{Roles: []string{"admin", "champion"}}, "champion", "en", "pro", true},
		{"role case-insensitive", outreach.Filter{Roles: []string{"admin"}}, "Admin", "", "", true},
		{"role not listed", outreach.Filter{Roles: []string{"admin"}}, "user", "", "", false},
		{"no role", outreach.Filter{Roles: []string{"admin"}}, "", "", "", false},
		{"plan listed", outreach.Filter{Plans: []string{"enterprise"}}, "user", "", "enterprise", true},
		{"plan not listed", outreach.Filter{Plans: []string{"enterprise"}}, "user", "", "starter", false},
		{"locale exact", outreach.Filter{Locales: []string{"pt-BR"}}, "", "pt-BR", "", true},
		{"locale base matches region", outreach.Filter{Locales: []string{"pt"}}, "", "pt-BR", "", true},
		{"region does not match base", outreach.Filter{Locales: []string{"pt-BR"}}, "", "pt", "", false},
		{"prefix is not a base", outreach.Filter{Locales: []string{"p"}}, "", "pt-BR", "", false},
		{"no locale counts as en", outreach.Filter{Locales: []string{"en"}}, "", "", "", true},
		{"no locale is not pt", outreach.Filter{Locales: []string{"pt"}}, "", "", "", false},
		{"all must pass", outreach.Filter{Roles: []string{"admin"}, Plans: []string{"pro"}}, "admin", "", "starter", false},
	}
	for _, tc := range tests {
		if got := FilterMatches(tc.f, tc.role, tc.locale, tc.plan); got != tc.want {
			t.Errorf("%s: FilterMatches = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		c    outreach.Campaign
		want string
	}{
		{outreach.Campaign{
			Key: "csat-support", Category: "survey", Priority: 70, TTL: 3 * Day, Template: "csat", Dedupe: "ticket_id",
			Trigger: outreach.Trigger{Event: "support.ticket_closed", Delay: 2 * time.Hour, Where: map[string][]string{"priority": {"p1", "p2"}}},
		}, `csat-support: on support.ticket_closed +2h where priority in [p1, p2], one per ticket_id; survey, priority 70, ttl 3d; template csat`},
		{outreach.Campaign{
			Key: "reengagement", Category: "lifecycle", Priority: 20, TTL: 7 * Day, Cooldown: 60 * Day, Template: "reengagement",
			Trigger: outreach.Trigger{Schedule: "0 10 * * MON", Audience: outreach.Audience{InactiveFor: 30 * Day}},
			Filter:  outreach.Filter{Roles: []string{"admin", "user"}, Locales: []string{"en"}},
		}, `reengagement: schedule "0 10 * * MON" for contacts inactive for 30d; roles admin,user, locales en; lifecycle, priority 20, ttl 7d, cooldown 60d; template reengagement`},
	}
	for _, tc := range tests {
		if got := Describe(tc.c); got != tc.want {
			t.Errorf("Describe =\n%s\nwant\n%s", got, tc.want)
		}
	}
}

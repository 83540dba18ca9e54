package outreach_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func intp(v int) *int { return &v }

func TestAlertRuleMatches(t *testing.T) {
	detractor := outreach.AlertRule{Key: "d", Survey: outreach.SurveyNPS, ScoreMax: intp(6)}
	promoterQBR := outreach.AlertRule{Key: "p", Classes: []string{outreach.ClassPromoter}, Campaigns: []string{"nps-qbr"}}
	band := outreach.AlertRule{Key: "b", ScoreMin: intp(3), ScoreMax: intp(5)}
	for _, c := range []struct {
		rule  outreach.AlertRule
		a     outreach.AlertAnswer
		match bool
	}{
		{detractor, outreach.AlertAnswer{Survey: "nps", Score: 6}, true},
		{detractor, outreach.AlertAnswer{Survey: "nps", Score: 0}, true},
		{detractor, outreach.AlertAnswer{Survey: "nps", Score: 7}, false},
		{detractor, outreach.AlertAnswer{Survey: "csat", Score: 2}, false},
		{promoterQBR, outreach.AlertAnswer{Campaign: "nps-qbr", Score: 9}, true},
		{promoterQBR, outreach.AlertAnswer{Campaign: "nps-qbr", Score: 8}, false},
		{promoterQBR, outreach.AlertAnswer{Campaign: "nps-onboarding", Score: 10}, false},
		{band, outreach.AlertAnswer{Score: 2}, false},
		{band, outreach.AlertAnswer{Score: 3}, true},
		{band, outreach.AlertAnswer{Score: 5}, true},
		{band, outreach.AlertAnswer{Score: 6}, false},
		{outreach.AlertRule{Key: "any"}, outreach.AlertAnswer{Score: 10}, true},
	} {
		if got := c.rule.Matches(c.a); got != c.match {
			t.Errorf("%s matches %+v = %v, want %v", c.rule.Key, c.a, got, c.match)
		}
	}
	if got := outreach.MatchAlerts([]outreach.AlertRule{detractor, band, promoterQBR}, outreach.AlertAnswer{Survey: "nps", Score: 4}); len(got) != 2 {
		t.Errorf("MatchAlerts = %+v", got)
	}
}

func TestCheckCaseTransition(t *testing.T) {
	for _, c := range []struct {
		from, to, note string
		field          string // "" = allowed
	}{
		{"open", "in_progress", "", ""},
		{"open", "closed", "called them, fixed the export", ""},
		{"open", "closed", "  ", "note"},
		{"in_progress", "closed", "", "note"},
		{"in_progress", "open", "", ""},
		{"closed", "open", "", "note"},
		{"closed", "open", "they wrote back: still broken", ""},
		{"closed", "in_progress", "", "note"},
		{"open", "", "left a voicemail", ""},
		{"open", "", "", "note"},
		{"open", "done", "x", "state"},
		{"open", "closed", strings.Repeat("é", outreach.MaxCaseNoteRunes), ""},
		{"open", "closed", strings.Repeat("é", outreach.MaxCaseNoteRunes+1), "note"},
		{"open", "", "a\x00b", "note"},
	} {
		err := outreach.CheckCaseTransition(c.from, c.to, c.note)
		var field string
		if b, ok := err.(*outreach.BatchError); ok {
			field = b.Errors[0].Field
		} else if err != nil {
			t.Fatalf("%+v: %T %v", c, err, err)
		}
		if field != c.field {
			t.Errorf("%s -> %q (note %q): field %q, want %q (%v)", c.from, c.to, c.note, field, c.field, err)
		}
	}
}

func TestCaseAuditAction(t *testing.T) {
	for _, c := range []struct {
		from, to string
		assigned bool
		want     string
	}{
		{outreach.CaseOpen, outreach.CaseInProgress, true, outreach.AuditCaseTaken},
		{outreach.CaseOpen, outreach.CaseInProgress, false, outreach.AuditCaseUpdated},
		{outreach.CaseInProgress, "", false, outreach.AuditCaseNoted},
		{outreach.CaseOpen, outreach.CaseOpen, false, outreach.AuditCaseNoted},
		{outreach.CaseInProgress, outreach.CaseClosed, false, outreach.AuditCaseClosed},
		{outreach.CaseOpen, outreach.CaseClosed, false, outreach.AuditCaseClosed},
		{outreach.CaseClosed, outreach.CaseOpen, false, outreach.AuditCaseReopened},
		{outreach.CaseClosed, "", false, outreach.AuditCaseNoted},
		{outreach.CaseInProgress, outreach.CaseOpen, false, outreach.AuditCaseUpdated},
	} {
		if got := outreach.CaseAuditAction(c.from, c.to, c.assigned); got != c.want {
			t.Errorf("CaseAuditAction(%q, %q, %v) = %q, want %q", c.from, c.to, c.assigned, got, c.want)
		}
	}
}

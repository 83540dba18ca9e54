package ingest

import (
	"strings"
	"testing"
)

// TestDigestSchedule: digest_schedule takes calendar schedules that fire at
// most once an hour; intervals (@every) and sub-hourly crons are refused,
// naming the field and the JSON index or CSV line.
func TestDigestSchedule(t *testing.T) {
	cases := []struct {
		spec string
		msg  string // "" = accepted
	}{
		{"0 8 * * MON", ""},
		{"30 7 * * 1-5", ""},
		{"0 */4 * * *", ""},
		{"0 * * * *", ""},
		{"15 8,9 1 * *", ""},
		{"@daily", ""},
		{"@weekly", ""},
		{"@monthly", ""},
		{"@hourly", ""},
		{"@every 1m", "is an interval"},
		{"@every 24h", "is an interval"},
		{"* * * * *", "more than once an hour"},
		{"*/30 8 * * *", "more than once an hour"},
		{"0,30 8 * * MON", "more than once an hour"},
		{"0-1 8 * * *", "more than once an hour"},
		{"every monday", "not a cron spec"},
		{"CRON_TZ=UTC 0 8 * * *", "timezone field"},
	}
	for _, tc := range cases {
		t.Run(tc.spec, func(t *testing.T) {
			body := `[{"email": "ok@vendor.com", "digest_schedule": "0 8 * * *"}, {"email": "csm@vendor.com", "digest_schedule": "` + tc.spec + `"}]`
			b, jerr := DecodeJSON(Team, strings.NewReader(body), MaxItems)
			csv := "email,digest_schedule\nok@vendor.com,0 8 * * *\ncsm@vendor.com,\"" + tc.spec + "\"\n"
			_, cerr := DecodeCSV(Team, strings.NewReader(csv), 0)
			if tc.msg == "" {
				if jerr != nil || cerr != nil {
					t.Fatalf("refused: JSON %v; CSV %v", jerr, cerr)
				}
				if got := b.Team[1].DigestSchedule; got != tc.spec {
					t.Errorf("digest_schedule = %q", got)
				}
				return
			}
			if be := batchErr(t, jerr); len(be.Errors) != 1 || !hasError(be, 1, "digest_schedule", tc.msg) {
				t.Errorf("JSON: want one error at index 1 on digest_schedule containing %q, got %v", tc.msg, be)
			}
			if be := batchErr(t, cerr); len(be.Errors) != 1 || !hasError(be, 3, "digest_schedule", tc.msg) {
				t.Errorf("CSV: want one error on line 3 in digest_schedule containing %q, got %v", tc.msg, be)
			}
		})
	}
}

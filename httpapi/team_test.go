package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestTeamDigestScheduleEveryIsRefused: a digest_schedule of "@every 1m"
// once sent a CSM a digest a minute; the API now answers 422 naming the
// item and the field, and stores nothing.
func TestTeamDigestScheduleEveryIsRefused(t *testing.T) {
	s, tb := setup(t)
	res, body := do(t, s, "POST", "/api/v1/team", adminToken,
		`[{"email": "ok@vendor.com", "digest_schedule": "0 8 * * MON"},
		  {"email": "csm@vendor.com", "timezone": "Europe/Paris", "digest_schedule": "@every 1m"},
		  {"email": "csm2@vendor.com", "digest_schedule": "*/15 * * * *"}]`)
	wantStatus(t, res, body, 422)
	var eb batchErrorBody
	if err := json.Unmarshal([]byte(body), &eb); err != nil {
		t.Fatal(err)
	}
	if len(eb.Errors) != 2 ||
		eb.Errors[0].Index != 1 || eb.Errors[0].Field != "digest_schedule" || !strings.Contains(eb.Errors[0].Message, "interval") ||
		eb.Errors[1].Index != 2 || eb.Errors[1].Field != "digest_schedule" || !strings.Contains(eb.Errors[1].Message, "more than once an hour") {
		t.Errorf("errors %+v", eb.Errors)
	}
	if tb.calls != 0 {
		t.Errorf("the store was called %d times", tb.calls)
	}
}

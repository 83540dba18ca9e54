package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUnmatchedAPIRoutesAnswerJSON checks that a wrong path or method under
// /api/ or /webhooks/ gets the JSON error body docs/api.md promises for
// every error, with or without a token, and that other paths keep the
// mux's plain answers.
func TestUnmatchedAPIRoutesAnswerJSON(t *testing.T) {
	s, _ := setup(t)
	cases := []struct {
		method, path, token string
		status              int
		allow, msg          string
	}{
		{"GET", "/api/v1/nope", adminToken, 404, "", "no route GET /api/v1/nope"},
		{"POST", "/api/v1/accounts/acme", "", 405, "PATCH", "use PATCH"},
		{"POST", "/api/v1/accounts/acme/x", "", 404, "", "no route POST /api/v1/accounts/acme/x"},
		{"GET", "/api/v2/events", "", 404, "", "no route"},
		{"GET", "/api/v1/events", adminToken, 405, "POST", "method GET is not allowed on /api/v1/events: use POST"},
		{"PUT", "/api/v1/contacts/a@b.co", adminToken, 405, "DELETE", "use DELETE"},
		{"POST", "/api/v1/nps", adminToken, 405, "GET, HEAD", "use GET, HEAD"},
		{"GET", "/webhooks/sendgrid", "", 405, "POST", "use POST"},
		{"GET", "/webhooks/elsewhere", "", 404, "", "no route"},
	}
	for _, tc := range cases {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			res, body := do(t, s, tc.method, tc.path, tc.token, "")
			wantStatus(t, res, body, tc.status)
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q, want JSON; body %s", ct, body)
			}
			var e errorBody
			if err := json.Unmarshal([]byte(body), &e); err != nil || !strings.Contains(e.Error, tc.msg) {
				t.Errorf("body %s (%v), want {\"error\": ...%s...}", body, err, tc.msg)
			}
			if got := res.Header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
		})
	}

	// Outside the API the mux's own answers stay.
	res, body := do(t, s, "GET", "/nowhere", "", "")
	wantStatus(t, res, body, 404)
	if ct := res.Header.Get("Content-Type"); strings.HasPrefix(ct, "application/json") {
		t.Errorf("GET /nowhere answered JSON: %s", body)
	}
	// A matched route still answers as before.
	res, body = do(t, s, "GET", "/api/v1/contacts/nobody@example.com/timeline", adminToken, "")
	wantStatus(t, res, body, 404)
	if !strings.Contains(body, "no contact") {
		t.Errorf("timeline 404 body %s", body)
	}
}

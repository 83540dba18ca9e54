package httpapi

import (
	"encoding/base64"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/syncbuf"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/store"
)

// TestLogsCarryNoAddressOrToken runs a person's whole story through the
// server (ingest, survey GET and POST, unsubscribe GET and POST, a mailto
// unsubscribe with a forged token, the timeline, a mistyped link, erasure)
// with a plain JSON logger, and checks that the log holds neither their
// address nor any of the signed tokens (nor the base64 payload that
// encodes the address), only the redacted forms.
func TestLogsCarryNoAddressOrToken(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	var logs syncbuf.Buffer
	e.s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	const email = "ana.secret@example.com"
	admin := http.Header{"Authorization": {"Bearer " + adminToken}}
	step := func(method, path, contentType, body string, hdr http.Header, want int) {
		t.Helper()
		if res, out := e.request(t, method, path, contentType, body, hdr); res.StatusCode != want {
			t.Fatalf("%s %s: %d %s, want %d", method, path, res.StatusCode, out, want)
		}
	}
	step("POST", "/api/v1/contacts", "application/json",
		`[{"email": "Ana.Secret@Example.COM", "account_external_id": "a1", "name": "Ana Secret"}]`, admin, 200)
	e.deliver(t, "d-ana", "nps", outreach.CategorySurvey, outreach.DeliverySent, email)
	survey := e.surveyPath("d-ana", 9)
	surveyPath, _, _ := strings.Cut(survey, "?")
	step("GET", survey, "", "", nil, 200)
	step("POST", surveyPath, "application/x-www-form-urlencoded", "score=9&comment=write+to+"+email, nil, 200)
	unsub := e.unsubscribePath(email)
	step("GET", unsub, "", "", nil, 200)
	step("POST", unsub, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click", nil, 200)
	forged := strings.TrimPrefix(unsub, "/u/")
	forged = forged[:len(forged)-4] + "AAAA"
	ct, body := inboundPost(t, "unsubscribe "+forged, "")
	body = strings.Replace(body, "Bob <bob@example.com>", "Ana <"+email+">", 1)
	step("POST", "/webhooks/sendgrid/inbound", ct, body, nil, 200)
	step("GET", "/api/v1/contacts/Ana.Secret@example.com/timeline", "", "", admin, 200)
	step("GET", surveyPath+"/extra", "", "", nil, 404)
	step("DELETE", "/api/v1/contacts/"+email, "", "", admin, 204)

	out := logs.String()
	if n := strings.Count(out, `"msg":"http request"`); n != 9 {
		t.Errorf("%d access log lines, want 9:\n%s", n, out)
	}
	secrets := []string{email, "Ana.Secret@", "ana.secret@"}
	for _, p := range []string{surveyPath, unsub, "/u/" + forged} {
		tok := p[3:]
		payload, mac, _ := strings.Cut(tok, ".")
		secrets = append(secrets, tok, payload, mac, tok[:links.RedactedPrefix+1])
	}
	// The address inside the unsubscribe token's payload, in base64.
	secrets = append(secrets, base64.RawURLEncoding.EncodeToString([]byte(email))[:8])
	for _, s := range secrets {
		if strings.Contains(strings.ToLower(out), strings.ToLower(s)) {
			t.Errorf("the log holds %q:\n%s", s, out)
		}
	}
	for _, want := range []string{
		`"path":"/s/` + surveyPath[3:3+links.RedactedPrefix] + `…"`,
		`"path":"/u/` + unsub[3:3+links.RedactedPrefix] + `…"`,
		`"path":"/s/` + surveyPath[3:3+links.RedactedPrefix] + `…/extra"`,
		`"path":"/api/v1/contacts/A…@example.com/timeline"`,
		`"path":"/api/v1/contacts/a…@example.com"`,
		`"from":"Ana <a…@example.com>"`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

func TestRedactPath(t *testing.T) {
	cases := []struct{ in, want string }{
		{"/s/cAp0ZDVidzAKYWNtZQ.PmWRLGx76FQpquLF7wy1mw-CfkXmHexcy8Fe0AdDu4U", "/s/cAp0…"},
		{"/u/x", "/u/x…"},
		{"/p/abcdefgh/more", "/p/abcd…/more"},
		{"/api/v1/contacts/ana@example.com", "/api/v1/contacts/a…@example.com"},
		{"/console/x/cAp0ZDVidzAKYWNtZQ.PmWRLGx76FQpquLF7wy1mw-CfkXmHexcy8Fe0AdDu4U", "/console/x/cAp0…"},
		{"/api/v1/deliveries/6f1c1a52-3f0e-4d55-9a43-6a1b0e7d2c11", "/api/v1/deliveries/6f1c1a52-3f0e-4d55-9a43-6a1b0e7d2c11"},
		{"/healthz", "/healthz"},
	}
	for _, c := range cases {
		if got := redactPath(c.in); got != c.want {
			t.Errorf("redactPath(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestLogPathKeepsAnAddressWhole: "/" is valid in an address's local part
// and a client escapes it (%2F), as it may escape "@" (%40). The router
// matches {email} against the escaped segment; the log must redact that
// same segment whole, not the part after the last "/".
func TestLogPathKeepsAnAddressWhole(t *testing.T) {
	e := newFeedbackEnv(t, store.SQLite)
	var logs syncbuf.Buffer
	e.s.Logger = slog.New(slog.NewJSONHandler(&logs, nil))
	admin := http.Header{"Authorization": {"Bearer " + adminToken}}
	for _, p := range []string{"/api/v1/contacts/ana.maria%2Fsales@example.com/timeline", "/api/v1/contacts/bea.luz%40example.com/timeline"} {
		e.request(t, http.MethodGet, p, "", "", admin)
	}
	out := logs.String()
	for _, secret := range []string{"ana.maria", "sales", "bea.luz"} {
		if strings.Contains(out, secret) {
			t.Errorf("the log holds %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"path":"/api/v1/contacts/a…@example.com/timeline"`, `"path":"/api/v1/contacts/b…@example.com/timeline"`} {
		if !strings.Contains(out, want) {
			t.Errorf("the log lacks %s:\n%s", want, out)
		}
	}
}

package httpapi

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/webhooks"
)

// verifyStandardWebhook checks a request as a receiver following the
// Standard Webhooks specification would, independently of the signing
// code: HMAC-SHA256 keyed with the base64-decoded secret (after "whsec_")
// over "msg_id.timestamp.body", base64, compared with each "v1," entry of
// the space-separated webhook-signature header.
func verifyStandardWebhook(t *testing.T, secret string, h http.Header, body []byte) bool {
	t.Helper()
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		t.Fatalf("secret %q is not whsec_ + base64", secret)
	}
	id, ts := h.Get("webhook-id"), h.Get("webhook-timestamp")
	if _, err := strconv.ParseInt(ts, 10, 64); err != nil || id == "" {
		return false
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, sig := range strings.Fields(h.Get("webhook-signature")) {
		v, b64, ok := strings.Cut(sig, ",")
		got, err := base64.StdEncoding.DecodeString(b64)
		if ok && v == "v1" && err == nil && hmac.Equal(got, want) {
			return true
		}
	}
	return false
}

// flakyReceiver fails its first request with a 503, lets the second time
// out, and takes the rest.
type flakyReceiver struct {
	mu      sync.Mutex
	n       int
	release chan struct{}
	ids     []string
	ok      []*http.Request
	bodies  [][]byte
}

func (f *flakyReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	f.n++
	n := f.n
	f.ids = append(f.ids, r.Header.Get("webhook-id"))
	f.mu.Unlock()
	switch n {
	case 1:
		http.Error(w, "down", http.StatusServiceUnavailable)
	case 2:
		select { // no answer until the sender gives up on this attempt
		case <-r.Context().Done():
		case <-f.release:
		}
	default:
		f.mu.Lock()
		f.ok = append(f.ok, r)
		f.bodies = append(f.bodies, body)
		f.mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestOutgoingWebhooksAtLeastOnce: an endpoint subscribed to
// response.created gets the answer signed as Standard Webhooks, with the
// same webhook-id after a 503 and a timeout; the delivery log shows the
// attempts; bad endpoints are refused naming the field.
func TestOutgoingWebhooksAtLeastOnce(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	e.s.Webhooks = &OutgoingWebhooks{Store: e.db, AllowPrivate: true}
	rcv := &flakyReceiver{release: make(chan struct{})}
	srv := httptest.NewServer(rcv)
	defer srv.Close()
	defer close(rcv.release)
	admin := http.Header{"Authorization": {"Bearer " + adminToken}}
	res, body := e.request(t, http.MethodPost, "/api/v1/webhooks", "application/json",
		`{"url":"`+srv.URL+`/hook","events":["response.created","case.closed"]}`, admin)
	var created struct{ ID, Secret string }
	if res.StatusCode != 201 || json.Unmarshal([]byte(body), &created) != nil || !strings.HasPrefix(created.Secret, "whsec_") {
		t.Fatalf("create: %d %s", res.StatusCode, body)
	}
	if _, list := e.request(t, http.MethodGet, "/api/v1/webhooks", "", "", admin); strings.Contains(list, created.Secret) || !strings.Contains(list, created.ID) {
		t.Errorf("list shows the secret or not the endpoint: %s", list)
	}
	e.deliver(t, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, "bob@example.com")
	if res, body := e.form(t, e.surveyPath("d1", 4), "score=4&comment=meh"); res.StatusCode != 200 {
		t.Fatalf("answer: %d %s", res.StatusCode, body)
	}
	s := &webhooks.Sender{Store: e.db, AllowPrivate: true, Timeout: 300 * time.Millisecond}
	now := e.clock.Now()
	for _, at := range []time.Duration{0, 6 * time.Second, 17 * time.Second} { // 503, timeout (retry in 5 s, then 10 s), taken
		if _, err := s.Tick(context.Background(), now.Add(at)); err != nil {
			t.Fatal(err)
		}
	}
	rcv.mu.Lock()
	defer rcv.mu.Unlock()
	if len(rcv.ok) != 1 || len(rcv.ids) != 3 || rcv.ids[0] != rcv.ids[1] || rcv.ids[1] != rcv.ids[2] || !strings.HasPrefix(rcv.ids[0], "msg_") {
		t.Fatalf("receiver got %d of %d attempts, ids %v", len(rcv.ok), len(rcv.ids), rcv.ids)
	}
	if !verifyStandardWebhook(t, created.Secret, rcv.ok[0].Header, rcv.bodies[0]) {
		t.Errorf("signature does not verify: %v", rcv.ok[0].Header)
	}
	if verifyStandardWebhook(t, created.Secret, rcv.ok[0].Header, append(rcv.bodies[0], ' ')) {
		t.Error("a changed body verifies")
	}
	var msg struct {
		Type      string
		Timestamp string
		Data      map[string]any
	}
	if err := json.Unmarshal(rcv.bodies[0], &msg); err != nil || msg.Type != "response.created" || msg.Data["score"] != 4.0 ||
		msg.Data["comment"] != "meh" || msg.Timestamp == "" {
		t.Errorf("body = %s", rcv.bodies[0])
	}
	_, log := e.request(t, http.MethodGet, "/api/v1/webhooks/"+created.ID+"/deliveries", "", "", admin)
	if !strings.Contains(log, `"state":"delivered"`) || !strings.Contains(log, `"attempts":3`) {
		t.Errorf("deliveries = %s", log)
	}

	e.s.Webhooks.AllowPrivate = false
	for _, c := range []struct{ body, field string }{
		{`{"url":"http://hooks.example.com/x","events":["response.created"]}`, `"field":"url"`},
		{`{"url":"https://127.0.0.1/x","events":["response.created"]}`, `"field":"url"`},
		{`{"url":"https://hooks.example.com/x","events":["response.created","survey.exploded"]}`, `"field":"events[1]"`},
		{`{"url":"https://hooks.example.com/x","events":[]}`, `"field":"events"`},
	} {
		res, body := e.request(t, http.MethodPost, "/api/v1/webhooks", "application/json", c.body, admin)
		if res.StatusCode != 422 || !strings.Contains(body, c.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", c.body, res.StatusCode, body, c.field)
		}
	}
	if res, _ := e.request(t, http.MethodDelete, "/api/v1/webhooks/"+created.ID, "", "", admin); res.StatusCode != 204 {
		t.Errorf("delete: %d", res.StatusCode)
	}
	if res, _ := e.request(t, http.MethodDelete, "/api/v1/webhooks/"+created.ID, "", "", admin); res.StatusCode != 404 {
		t.Errorf("delete again: %d", res.StatusCode)
	}
}

package httpapi

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
)

func TestClientAddr(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"public peer, no header", "198.51.100.7:4000", nil, "198.51.100.7"},
		{"public peer's header is ignored", "198.51.100.7:4000", []string{"203.0.113.9"}, "198.51.100.7"},
		{"proxy on loopback", "127.0.0.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"proxy on IPv6 loopback", "[::1]:4000", []string{"2001:db8::7"}, "2001:db8::/64"},
		{"proxy on RFC 1918", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"proxy on 172.16/12", "172.17.0.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"proxy on 192.168/16", "192.168.1.1:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"proxy on RFC 4193", "[fd00::1]:4000", []string{"203.0.113.9"}, "203.0.113.9"},
		{"forged entries left of the proxy's", "127.0.0.1:4000", []string{"1.1.1.1, 8.8.8.8, 203.0.113.9"}, "203.0.113.9"},
		{"private hops of ours on the right", "127.0.0.1:4000", []string{"203.0.113.9, 10.0.0.5, 192.168.0.2"}, "203.0.113.9"},
		{"several header lines", "127.0.0.1:4000", []string{"1.1.1.1", "203.0.113.9, 10.0.0.5"}, "203.0.113.9"},
		{"entry with a port", "127.0.0.1:4000", []string{"203.0.113.9:5555"}, "203.0.113.9"},
		{"IPv6 entry with brackets", "127.0.0.1:4000", []string{"[2001:db8::7]:5555"}, "2001:db8::/64"},
		// An IPv6 client is counted by its /64: its other addresses are
		// the same client, not 2^64 fresh ones.
		{"public IPv6 peer", "[2001:db8:1:2:aaaa::1]:4000", nil, "2001:db8:1:2::/64"},
		{"another address of the same /64", "[2001:db8:1:2:ffff:1:2:3]:4000", nil, "2001:db8:1:2::/64"},
		{"forwarded IPv6 client", "10.0.0.1:4000", []string{"2001:db8:1:2:ffff:1:2:3"}, "2001:db8:1:2::/64"},
		{"IPv4-mapped IPv6", "[::ffff:127.0.0.1]:4000", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"proxy without header", "127.0.0.1:4000", nil, "127.0.0.1"},
		{"only private entries", "127.0.0.1:4000", []string{"10.0.0.5"}, "127.0.0.1"},
		{"garbage stops the walk", "127.0.0.1:4000", []string{"203.0.113.9, unknown"}, "127.0.0.1"},
	} {
		r := httptest.NewRequest(http.MethodGet, "/u/x", nil)
		r.RemoteAddr = c.peer
		for _, v := range c.xff {
			r.Header.Add("X-Forwarded-For", v)
		}
		if got := clientAddr(r); got != c.want {
			t.Errorf("%s: clientAddr(peer %s, X-Forwarded-For %q) = %s, want %s", c.name, c.peer, c.xff, got, c.want)
		}
	}
}

// TestRateLimitBehindProxy runs the pages on a real HTTP server, whose
// peer is always 127.0.0.1: like serve behind a reverse proxy on the same
// host. Visitors are told apart by the address the proxy forwards.
func TestRateLimitBehindProxy(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	lim, err := NewLimiter(1, 3, 100, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.s.Feedback.Limiter = lim
	srv := httptest.NewServer(e.h)
	t.Cleanup(srv.Close)
	get := func(forwarded string) int {
		t.Helper()
		req, err := http.NewRequest(http.MethodGet, srv.URL+e.unsubscribePath("bob@example.com"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// A forged entry, then the address the proxy appended.
		req.Header.Set("X-Forwarded-For", "192.0.2.1, "+forwarded)
		res, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for i := range 3 {
		if code := get("198.51.100.7"); code != http.StatusOK {
			t.Fatalf("request %d of 198.51.100.7 within the burst: %d", i+1, code)
		}
	}
	if code := get("198.51.100.7"); code != http.StatusTooManyRequests {
		t.Errorf("4th request of 198.51.100.7: %d, want 429", code)
	}
	if code := get("203.0.113.9"); code != http.StatusOK {
		t.Errorf("another visitor behind the same proxy: %d, want 200 (counted under its own address)", code)
	}
}

// TestOneClickUnsubscribeIgnoresRateLimit: a valid unsubscribe POST
// succeeds however many requests came from its address, and does not
// count; requests with a bad token still count and are refused.
func TestOneClickUnsubscribeIgnoresRateLimit(t *testing.T) {
	t.Parallel()
	e := newSQLiteEnv(t)
	lim, err := NewLimiter(1, 3, 100, e.clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	e.s.Feedback.Limiter = lim
	e.deliver(t, "d1", "nps", outreach.CategorySurvey, outreach.DeliverySent, "jane@example.com")
	send := func(method, path, body string) (*http.Response, string) {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.RemoteAddr = "198.51.100.7:5555"
		rec := httptest.NewRecorder()
		e.h.ServeHTTP(rec, req)
		res := rec.Result()
		b, _ := io.ReadAll(res.Body)
		return res, string(b)
	}
	// Someone else at the address (a link scanner) opens survey links
	// until the limit refuses them.
	for i := range 3 {
		if res, _ := send(http.MethodGet, e.surveyPath("d1", i), ""); res.StatusCode != http.StatusOK {
			t.Fatalf("survey GET %d: %d", i+1, res.StatusCode)
		}
	}
	if res, _ := send(http.MethodGet, e.surveyPath("d1", 5), ""); res.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("4th survey GET: %d, want 429", res.StatusCode)
	}
	// bob's mail client sends the one-click POST from the same address.
	res, body := send(http.MethodPost, e.unsubscribePath("bob@example.com"), "List-Unsubscribe=One-Click")
	if res.StatusCode != http.StatusOK || !strings.Contains(body, "You are unsubscribed") {
		t.Errorf("one-click unsubscribe after the limit: %d, want 200", res.StatusCode)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM suppressions WHERE email = 'bob@example.com' AND scope = 'all'`); n != 1 {
		t.Errorf("one-click unsubscribe after the limit: %d all suppressions, want 1", n)
	}
	// The page's category form too.
	if res, _ := send(http.MethodPost, e.unsubscribePath("jane@example.com"), "category=marketing"); res.StatusCode != http.StatusOK {
		t.Errorf("category unsubscribe after the limit: %d, want 200", res.StatusCode)
	}
	// Guessing tokens is still limited.
	if res, _ := send(http.MethodPost, "/u/guessed.token", "List-Unsubscribe=One-Click"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("POST with a bad token after the limit: %d, want 429", res.StatusCode)
	}
	// Valid unsubscribes took nothing from the address's budget: after
	// 3 s it has its whole burst again.
	e.clock.Advance(3 * time.Second)
	for i := range 3 {
		send(http.MethodPost, e.unsubscribePath("bob@example.com"), "List-Unsubscribe=One-Click")
		if res, _ := send(http.MethodGet, e.surveyPath("d1", i), ""); res.StatusCode != http.StatusOK {
			t.Errorf("survey GET %d after a refill, between unsubscribes: %d, want 200", i+1, res.StatusCode)
		}
	}
	if res, _ := send(http.MethodPost, "/u/guessed.token", "x=1"); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("bad token after the burst: %d, want 429", res.StatusCode)
	}
}

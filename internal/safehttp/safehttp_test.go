package safehttp

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
	"time"
)

func TestCheckURL(t *testing.T) {
	for _, c := range []struct {
		url                     string
		allowPrivate, allowHTTP bool
		want                    string // "" = accepted
	}{
		{"https://hooks.slack.com/services/T/B/x", false, false, ""},
		{"http://hooks.slack.com/services/T/B/x", false, false, "not https"},
		{"http://hooks.slack.com/services/T/B/x", false, true, ""},
		{"https://127.0.0.1:9/x", false, false, "loopback or private"},
		{"https://10.1.2.3/x", false, false, "loopback or private"},
		{"https://[::1]/x", false, false, "loopback or private"},
		{"https://169.254.169.254/latest", false, false, "loopback or private"},
		{"https://localhost/x", false, false, "loopback or private"},
		{"https://127.0.0.1:9/x", true, false, ""},
		{"ftp://example.com/x", true, true, "not an absolute http(s) URL"},
		{"https://user:pw@example.com/x", false, false, "credentials"},
	} {
		err := CheckURL(c.url, c.allowPrivate, c.allowHTTP)
		if (c.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), c.want)) {
			t.Errorf("CheckURL(%s, %v, %v) = %v, want %q", c.url, c.allowPrivate, c.allowHTTP, err, c.want)
		}
		if err != nil && strings.Contains(err.Error(), "/x") {
			t.Errorf("error shows the URL's path (a secret): %v", err)
		}
	}
	if Public(netip.MustParseAddr("100.64.1.1")) || !Public(netip.MustParseAddr("93.184.216.34")) {
		t.Error("Public")
	}
}

// TestClientRefusesPrivateAtConnect: a name that resolves to a loopback
// address passes the URL check (it is a name) but not the connection.
func TestClientRefusesPrivateAtConnect(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	url := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	_, err := Client(false, 5*time.Second).Get(url)
	if !errors.Is(err, ErrPrivateTarget) {
		t.Fatalf("GET %s = %v, want ErrPrivateTarget", url, err)
	}
	res, err := Client(true, 5*time.Second).Get(url)
	if err != nil {
		t.Fatalf("allowed: %v", err)
	}
	res.Body.Close()
}

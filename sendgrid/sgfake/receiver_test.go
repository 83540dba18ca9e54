package sgfake_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// newReceiver starts a webhook endpoint that hands each request to got and
// returns its URL.
func newReceiver(t *testing.T, got func(http.Header, []byte)) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got(r.Header.Clone(), b)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

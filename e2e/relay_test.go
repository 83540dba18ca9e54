package e2e

import (
	"bytes"
	"context"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// relay plays SendGrid's side of webhook delivery, which sgfake does not:
// SendGrid retries a failed event post for 24 hours, while sgfake posts
// once. The fake posts to the relay, which answers at once and forwards
// each request (body and signature headers untouched, so serve verifies
// the fake's signature) to the serve process of the moment, retrying until
// it answers 2xx. While serve is down, events wait here, as they would at
// SendGrid. Like SendGrid, which batches events, it can hold each post for
// a random latency first, so that processed events also arrive after the
// process that sent the message has died.
type relay struct {
	t       *testing.T
	srv     *httptest.Server
	ctx     context.Context
	latency time.Duration // each post waits a random time in [0, latency) first

	mu        sync.Mutex
	target    string        // base URL of the current serve process, "" while none
	retarget  chan struct{} // closed when target changes
	pending   int           // requests not yet forwarded
	forwarded int
	failures  int // forwarding attempts that did not get a 2xx
	wg        sync.WaitGroup
}

// retryEvery is how long the relay waits before trying a failed forward
// again (unless the target changes first).
const retryEvery = 100 * time.Millisecond

func newRelay(t *testing.T, latency time.Duration) *relay {
	ctx, cancel := context.WithCancel(context.Background())
	r := &relay{t: t, ctx: ctx, latency: latency, retarget: make(chan struct{})}
	r.srv = httptest.NewServer(http.HandlerFunc(r.accept))
	t.Cleanup(func() {
		cancel()
		r.wg.Wait()
		r.srv.Close()
	})
	return r
}

// url is where the fake posts events.
func (r *relay) url() string { return r.srv.URL + "/webhooks/sendgrid" }

// setTarget points the relay at a (re)started serve process.
func (r *relay) setTarget(base string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.target = base
	close(r.retarget)
	r.retarget = make(chan struct{})
}

// stats returns the requests waiting, forwarded, and failed forwarding
// attempts.
func (r *relay) stats() (pending, forwarded, failures int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending, r.forwarded, r.failures
}

func (r *relay) accept(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := req.Header.Clone()
	r.mu.Lock()
	r.pending++
	r.mu.Unlock()
	r.wg.Add(1)
	go r.forward(body, h)
	w.WriteHeader(http.StatusOK)
}

// forward posts one request until serve takes it or the test ends.
func (r *relay) forward(body []byte, h http.Header) {
	defer r.wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	if r.latency > 0 {
		t := time.NewTimer(rand.N(r.latency))
		select {
		case <-r.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
	}
	for {
		r.mu.Lock()
		target, changed := r.target, r.retarget
		r.mu.Unlock()
		if target != "" && r.try(client, target, body, h) {
			r.mu.Lock()
			r.pending--
			r.forwarded++
			r.mu.Unlock()
			return
		}
		r.mu.Lock()
		r.failures++
		r.mu.Unlock()
		t := time.NewTimer(retryEvery)
		select {
		case <-r.ctx.Done():
			t.Stop()
			return
		case <-changed:
		case <-t.C:
		}
		t.Stop()
	}
}

func (r *relay) try(client *http.Client, target string, body []byte, h http.Header) bool {
	req, err := http.NewRequestWithContext(r.ctx, http.MethodPost, target+"/webhooks/sendgrid", bytes.NewReader(body))
	if err != nil {
		return false
	}
	req.Header = h.Clone()
	res, err := client.Do(req)
	if err != nil {
		return false
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode/100 != 2 {
		r.t.Logf("relay: serve answered %d to a webhook post", res.StatusCode)
		return false
	}
	return true
}

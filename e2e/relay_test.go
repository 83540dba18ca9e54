package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
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
	latency time.Duration                       // each post waits a random time in [0, latency) first
	sign    func([]byte, time.Time) http.Header // set by batching

	mu        sync.Mutex
	target    string        // base URL of the current serve process, "" while none
	retarget  chan struct{} // closed when target changes
	pending   int           // requests not yet forwarded
	forwarded int
	failures  int // forwarding attempts that did not get a 2xx
	errors    int // answers 5xx: the webhook failed
	buffered  []json.RawMessage
	wg        sync.WaitGroup
}

// batching makes the relay post events as SendGrid does instead of one
// request per post it accepts: it gathers the events of the posts it
// accepts and every `every` posts them in batches of 1 to max events, in
// a random order, signed again with sign. One batch in four is posted a
// second time at the same moment, in the reverse order (SendGrid delivers
// at least once), so that webhook requests overlap on the same deliveries
// in opposite orders.
func (r *relay) batching(sign func(body []byte, ts time.Time) http.Header, every time.Duration, max int) {
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		tick := time.NewTicker(every)
		defer tick.Stop()
		for {
			select {
			case <-r.ctx.Done():
				return
			case <-tick.C:
			}
			r.mu.Lock()
			events := r.buffered
			r.buffered = nil
			r.mu.Unlock()
			rand.Shuffle(len(events), func(i, j int) { events[i], events[j] = events[j], events[i] })
			for len(events) > 0 {
				n := min(len(events), 1+rand.IntN(max))
				batch := events[:n]
				events = events[n:]
				wait := r.wait()
				r.post(sign, batch, wait)
				if rand.IntN(4) == 0 {
					back := slices.Clone(batch)
					slices.Reverse(back)
					r.post(sign, back, wait)
				}
			}
		}
	}()
	r.mu.Lock()
	r.sign = sign
	r.mu.Unlock()
}

// wait is a random latency in [0, r.latency).
func (r *relay) wait() time.Duration {
	if r.latency <= 0 {
		return 0
	}
	return rand.N(r.latency)
}

// post forwards events as one signed request after wait.
func (r *relay) post(sign func([]byte, time.Time) http.Header, events []json.RawMessage, wait time.Duration) {
	body, err := json.Marshal(events)
	if err != nil {
		r.t.Errorf("relay: %v", err)
		return
	}
	h := sign(body, time.Now())
	h.Set("Content-Type", "application/json")
	r.mu.Lock()
	r.pending++
	r.mu.Unlock()
	r.wg.Add(1)
	go r.forward(body, h, wait)
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

// stats returns the requests (and batched events) waiting, forwarded, and
// failed forwarding attempts.
func (r *relay) stats() (pending, forwarded, failures int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pending + len(r.buffered), r.forwarded, r.failures
}

// serverErrors returns how many forwarding attempts serve answered 5xx.
func (r *relay) serverErrors() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.errors
}

func (r *relay) accept(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	h := req.Header.Clone()
	r.mu.Lock()
	if r.sign != nil {
		var events []json.RawMessage
		if err := json.Unmarshal(body, &events); err != nil {
			r.mu.Unlock()
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.buffered = append(r.buffered, events...)
		r.mu.Unlock()
		w.WriteHeader(http.StatusOK)
		return
	}
	r.pending++
	r.mu.Unlock()
	r.wg.Add(1)
	go r.forward(body, h, r.wait())
	w.WriteHeader(http.StatusOK)
}

// forward posts one request after wait, until serve takes it or the test
// ends.
func (r *relay) forward(body []byte, h http.Header, wait time.Duration) {
	defer r.wg.Done()
	client := &http.Client{Timeout: 10 * time.Second}
	if wait > 0 {
		t := time.NewTimer(wait)
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
		r.mu.Lock()
		if res.StatusCode/100 == 5 {
			r.errors++
		}
		r.mu.Unlock()
		r.t.Logf("relay: serve answered %d to a webhook post", res.StatusCode)
		return false
	}
	return true
}

package sendgrid_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/outreach-dev/outreach/sendgrid"
	"github.com/outreach-dev/outreach/sendgrid/sgfake"
)

// TestFeedbackLoop sends concurrently through the fake, which posts a
// signed processed event per message to a receiver that verifies and
// parses it: each delivery_id comes back once, as EffectProcessed.
func TestFeedbackLoop(t *testing.T) {
	var (
		mu   sync.Mutex
		seen = map[string]string{} // delivery id -> sg_message_id
		errs []error
	)
	var verifier *sendgrid.Verifier
	ready := make(chan struct{})
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-ready
		body, _ := io.ReadAll(r.Body)
		if err := verifier.Verify(r.Header, body); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		events, err := sendgrid.ParseEvents(body)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			errs = append(errs, err)
			return
		}
		for _, e := range events {
			if e.Effect() != sendgrid.EffectProcessed {
				errs = append(errs, fmt.Errorf("event %s: effect %v", e.Type, e.Effect()))
			}
			seen[e.DeliveryID] = e.XMessageID()
		}
	}))
	t.Cleanup(receiver.Close)

	fake := sgfake.New(t, sgfake.WithWebhook(receiver.URL), sgfake.WithNow(func() time.Time { return now }))
	v, err := sendgrid.NewVerifier(fake.PublicKey())
	if err != nil {
		t.Fatal(err)
	}
	v.Now = func() time.Time { return now }
	verifier = v
	close(ready)
	s, err := sendgrid.NewSender(sendgrid.Config{APIKey: fake.Key(), APIURL: fake.URL, PostalAddress: postal, RatePerSecond: 1e9, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}

	const n = 12
	ids := make(chan string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			m := survey()
			m.DeliveryID = fmt.Sprintf("d-%02d", i)
			res, err := s.Send(context.Background(), m)
			if err != nil {
				t.Error(err)
				return
			}
			ids <- m.DeliveryID + " " + res.MessageID
		})
	}
	wg.Wait()
	close(ids)
	if hookErrs := fake.WaitWebhooks(); len(hookErrs) > 0 {
		t.Fatal(hookErrs)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	count := 0
	for line := range ids {
		var id, msgID string
		fmt.Sscan(line, &id, &msgID)
		if seen[id] != msgID {
			t.Errorf("delivery %s: webhook message id %q, send answered %q", id, seen[id], msgID)
		}
		count++
	}
	if count != n || len(seen) != n || len(fake.Messages()) != n {
		t.Errorf("sent %d, seen %d, fake recorded %d; want %d each", count, len(seen), len(fake.Messages()), n)
	}
}

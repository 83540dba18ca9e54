package alerting_test

import (
	"context"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

// TestAnswerWakesTheWorker: with alerts firing at once, an answer recorded
// while the worker waits for its next poll (an hour away) is alerted
// without that poll: the store's answer signal wakes it.
func TestAnswerWakesTheWorker(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		b := setup(t, dialect)
		emails := make(chan string, 10)
		b.w.Window, b.w.Poll = -1, time.Hour
		b.w.OnDelivered = func(n outreach.Notification) {
			if n.Channel == outreach.ChannelEmail {
				emails <- n.Target
			}
		}
		b.answer(t, "ann", 2, "") // seen by the first tick
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() {
			defer close(done)
			b.w.Run(ctx, func() time.Time { return t0 })
		}()
		defer func() { cancel(); <-done }()
		wait := func(what string) {
			t.Helper()
			select {
			case <-emails:
			case <-time.After(2 * time.Minute): // a safety net, far below the hour's poll
				t.Fatalf("%s: no alert email", what)
			}
		}
		wait("first tick")
		b.answer(t, "eve", 1, "") // another account: a second alert
		wait("after the answer")
	})
}

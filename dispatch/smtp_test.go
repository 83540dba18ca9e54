package dispatch_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/smtptest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/smtp"
)

// TestSMTPRepliesSettleDeliveries: through a real SMTP server, a 5xx
// fails the delivery with the server's text and is never tried again, a
// 4xx is retried and then sent, and a message whose reply never came is
// not sent again at once.
func TestSMTPRepliesSettleDeliveries(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		for _, tt := range []struct {
			name  string
			fault smtptest.Fault
			state string // after the first step
			says  string
		}{
			{"550", smtptest.Fault{Stage: "rcpt", Code: 550, Message: "5.1.1 no such mailbox"}, outreach.DeliveryFailed, "refused by the provider: " + "127.0.0.1"},
			{"451", smtptest.Fault{Stage: "data", Code: 451, Message: "4.3.0 try later"}, outreach.DeliverySending, "451 4.3.0 try later; retrying at"},
			{"no reply", smtptest.Fault{DropAfterData: true}, outreach.DeliverySending, "may have accepted it"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				srv := smtptest.Start(t, smtptest.Options{})
				s, err := smtp.NewSender(smtp.Config{URL: srv.URL("", ""), RatePerSecond: 1e9})
				if err != nil {
					t.Fatal(err)
				}
				defer s.Close()
				db, _ := oneDue(t, dialect)
				d := newDispatcher(t, db, s, capsPolicy, "p1")
				srv.Fail(tt.fault)
				if _, err := d.Step(ctx, t0); err != nil {
					t.Fatal(err)
				}
				st, errText, _ := state(t, db, "d1")
				if st != tt.state || !strings.Contains(errText, tt.says) {
					t.Fatalf("after the first attempt: %s %q; want %s, saying %q", st, errText, tt.state, tt.says)
				}
				if tt.name == "550" && !strings.Contains(errText, "550 5.1.1 no such mailbox") {
					t.Errorf("the server's reply is not in the error: %q", errText)
				}
				// An hour later: the 451 goes out; the others are not sent again.
				if _, err := d.Step(ctx, t0.Add(time.Hour)); err != nil {
					t.Fatal(err)
				}
				st, _, _ = state(t, db, "d1")
				want, accepted := tt.state, 0
				if tt.name == "451" {
					want, accepted = outreach.DeliverySent, 1
				}
				if st != want || srv.Accepted() != accepted {
					t.Errorf("an hour later: %s, %d accepted; want %s, %d", st, srv.Accepted(), want, accepted)
				}
			})
		}
	})
}

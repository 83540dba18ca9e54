package dispatch_test

import (
	"context"
	"crypto/tls"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gosmtp "github.com/wneessen/go-mail/smtp"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/smtptest"
	"github.com/outreach-dev/outreach/internal/storetest"
	"github.com/outreach-dev/outreach/mimemail"
	"github.com/outreach-dev/outreach/smtp"
	"github.com/outreach-dev/outreach/store"
)

// BenchmarkSMTP dispatches OUTREACH_BENCH_DELIVERIES (default
// 100,000) due deliveries on PostgreSQL through the real SMTP sender (a
// pool of 16 connections, the rate limiter in the path) to an in-process
// go-smtp sink, with the default pack's caps on, and measures in the same
// run two raw baselines: the same messages written over the same number of
// SMTP connections by plain MAIL/RCPT/DATA loops (no database, decision or
// rendering), and a pipeline that claims rows with SKIP LOCKED, sends one
// prebuilt message per row over those connections and marks them sent.
// Run it once:
//
//	go test ./dispatch -run '^$' -bench SMTP -benchtime 1x
func BenchmarkSMTP(b *testing.B) {
	n := 100_000
	if v := os.Getenv("OUTREACH_BENCH_DELIVERIES"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	ctx := context.Background()
	const workers = 16
	db := openStore(b, store.Postgres)
	seedBench(b, db, n)
	sink := smtptest.Start(b, smtptest.Options{Discard: true})
	sender, err := smtp.NewSender(smtp.Config{URL: sink.URL("", ""), PostalAddress: "Acme Inc., 1 Main St",
		RatePerSecond: 1e7, Conns: workers, TLSConfig: &tls.Config{}})
	if err != nil {
		b.Fatal(err)
	}
	defer sender.Close()
	rec := &sampleSender{next: sender}
	cpu := newCPUMeter(b, db)
	for i := 0; i < b.N; i++ {
		on, onGo, onPG := cpu.phase("dispatch-smtp", n, func() float64 { return dispatchRun(b, ctx, db, rec, capsPolicy, n, workers) })
		sent := countState(b, db, "sent")
		resetBench(b, db)
		raws := rec.raw(b)
		raw, rawGo, _ := cpu.phase("smtp-raw", n, func() float64 { return smtpBaseline(b, ctx, nil, sink.Addr(), raws, n, workers) })
		both, bothGo, bothPG := cpu.phase("smtp-pipeline", n, func() float64 { return smtpBaseline(b, ctx, db, sink.Addr(), raws, n, workers) })
		b.ReportMetric(on, "deliveries/s")
		b.ReportMetric(raw, "smtp-baseline/s")
		b.ReportMetric(on/raw, "ratio-to-smtp-baseline")
		b.ReportMetric(both, "pipeline-baseline/s")
		b.ReportMetric(on/both, "ratio-to-pipeline-baseline")
		b.ReportMetric(onGo, "go-µs/delivery")
		b.ReportMetric(onPG, "pg-µs/delivery")
		b.ReportMetric(float64(peakRSS())/(1<<20), "peak-RSS-MiB")
		b.Logf("%d deliveries over %d SMTP connections: dispatch %.0f/s (%d sent, %d accepted by the sink); raw SMTP %.0f/s; ratio %.2f; pipeline baseline (claim, SMTP, mark) %.0f/s, ratio %.2f; peak RSS %d MiB",
			n, workers, on, sent, sink.Accepted(), raw, on/raw, both, on/both, peakRSS()>>20)
		b.Logf("CPU µs per delivery (this process incl. the sink, PostgreSQL): dispatch %.0f, %.0f; raw SMTP %.0f, -; pipeline %.0f, %.0f",
			onGo, onPG, rawGo, bothGo, bothPG)
		if sent != n {
			b.Errorf("%d of %d deliveries sent", sent, n)
		}
	}
}

// sampleSender passes messages on and keeps the first 1000 accepted, for
// the baselines to send the same bytes.
type sampleSender struct {
	next outreach.Sender
	mu   sync.Mutex
	msgs []outreach.Message
}

func (s *sampleSender) Send(ctx context.Context, m *outreach.Message) (outreach.SendResult, error) {
	res, err := s.next.Send(ctx, m)
	if err == nil {
		s.mu.Lock()
		if len(s.msgs) < 1000 {
			s.msgs = append(s.msgs, *m)
		}
		s.mu.Unlock()
	}
	return res, err
}

// rawMessage is a prebuilt message with its envelope.
type rawMessage struct {
	from, to string
	data     []byte
}

// raw builds the kept messages' bytes, as the SMTP sender did.
func (s *sampleSender) raw(b *testing.B) []rawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.msgs) == 0 {
		b.Fatal("no sample messages: the dispatch run sent nothing")
	}
	out := make([]rawMessage, len(s.msgs))
	for i := range s.msgs {
		data, err := mimemail.Build(&s.msgs[i], mimemail.Options{Date: t0, PostalAddress: "Acme Inc., 1 Main St"})
		if err != nil {
			b.Fatal(err)
		}
		out[i] = rawMessage{s.msgs[i].From, s.msgs[i].To, data}
	}
	return out
}

// smtpBaseline sends n prebuilt messages over workers connections, one
// goroutine each, with go-mail's SMTP client and nothing else. With a
// database, each goroutine instead claims batches of rows with SKIP
// LOCKED, sends one message per row and marks the batch sent, until
// nothing is left.
func smtpBaseline(b *testing.B, ctx context.Context, db *store.DB, addr string, msgs []rawMessage, n, workers int) float64 {
	var next, done atomic.Int64
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			b.Fatal(err)
		}
		c, err := gosmtp.NewClient(conn, "127.0.0.1")
		if err != nil {
			b.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Quit()
			send := func() error {
				m := msgs[int(next.Add(1))%len(msgs)]
				if err := c.Mail(m.from); err != nil {
					return err
				}
				if err := c.Rcpt(m.to); err != nil {
					return err
				}
				w, err := c.Data()
				if err != nil {
					return err
				}
				if _, err := w.Write(m.data); err != nil {
					return err
				}
				return w.Close()
			}
			for {
				if db == nil {
					if done.Add(1) > int64(n) {
						return
					}
					report(b, send())
					continue
				}
				ids, err := claimRaw(ctx, storetest.SQL(b, db))
				if err != nil || len(ids) == 0 {
					report(b, err)
					return
				}
				for range ids {
					if err := send(); err != nil {
						b.Error(err)
						return
					}
				}
				report(b, markSentRaw(ctx, storetest.SQL(b, db), ids))
				done.Add(int64(len(ids)))
			}
		}()
	}
	wg.Wait()
	if db == nil {
		return float64(n) / time.Since(start).Seconds()
	}
	return float64(done.Load()) / time.Since(start).Seconds()
}

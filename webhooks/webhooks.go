// Package webhooks delivers outgoing webhooks as Standard Webhooks
// (https://www.standardwebhooks.com): each message is a JSON POST
// {"type","timestamp","data"} with the headers webhook-id (the message id,
// the same on every attempt), webhook-timestamp (Unix seconds of the
// attempt) and webhook-signature ("v1," + base64 of HMAC-SHA256 over
// "id.timestamp.body" keyed with the base64-decoded part of the endpoint's
// "whsec_" secret). Delivery is at least once: a non-2xx answer or no
// answer is retried with exponential backoff for outreach.WebhookRetryFor.
// Targets are checked by internal/safehttp (no loopback or private
// addresses unless allowed).
package webhooks

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	neturl "net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/safehttp"
)

// SecretPrefix starts every endpoint secret.
const SecretPrefix = "whsec_"

// NewSecret returns a new endpoint secret: "whsec_" + base64 of 32 random
// bytes.
func NewSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return SecretPrefix + base64.StdEncoding.EncodeToString(b), nil
}

// Sign returns the webhook-signature header value of a message.
func Sign(secret, id string, ts time.Time, body []byte) (string, error) {
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, SecretPrefix))
	if err != nil {
		return "", fmt.Errorf("webhook secret is not whsec_ + base64: %w", err)
	}
	h := hmac.New(sha256.New, key)
	fmt.Fprintf(h, "%s.%d.", id, ts.Unix())
	h.Write(body)
	return "v1," + base64.StdEncoding.EncodeToString(h.Sum(nil)), nil
}

// Timeout bounds one attempt.
const Timeout = 15 * time.Second

// Sender delivers due messages; every replica may run one.
type Sender struct {
	Store        outreach.WebhookStore
	AllowPrivate bool          // OUTREACH_ALLOW_PRIVATE_TARGETS
	Timeout      time.Duration // 0 = Timeout
	Parallel     int           // concurrent posts; 0 = 8
	Poll         time.Duration // 0 = 1s
	Logger       *slog.Logger

	once   sync.Once
	client *http.Client
}

func (s *Sender) init() {
	s.once.Do(func() {
		t := s.Timeout
		if t == 0 {
			t = Timeout
		}
		s.client = safehttp.Client(s.AllowPrivate, t)
	})
}

// Tick delivers the messages due at now; it returns how many were taken.
func (s *Sender) Tick(ctx context.Context, now time.Time) (int, error) {
	s.init()
	par := s.Parallel
	if par <= 0 {
		par = 8
	}
	delivered := 0
	for {
		batch, err := s.Store.ClaimWebhookMessages(ctx, now, 2*time.Minute, 100)
		if err != nil || len(batch) == 0 {
			return delivered, err
		}
		n, err := s.deliverBatch(ctx, batch, now, par)
		delivered += n
		if err != nil {
			return delivered, err
		}
		if len(batch) < 100 {
			return delivered, nil
		}
	}
}

// finishEvery and finishAfter bound how many outcomes wait to be recorded
// together, and for how long: a commit per message was most of a
// message's cost, and an outcome that waits too long (behind a slow
// endpoint) would leave its message to be sent again when its lease ends.
const (
	finishEvery = 50
	finishAfter = time.Second
)

// deliverBatch posts the messages of batch, par at a time, and records
// their outcomes in groups; it returns how many were delivered.
func (s *Sender) deliverBatch(ctx context.Context, batch []outreach.WebhookMessage, now time.Time, par int) (int, error) {
	results := make(chan outreach.WebhookAttempt, len(batch))
	sem := make(chan struct{}, par)
	go func() {
		for _, m := range batch {
			sem <- struct{}{}
			go func() {
				defer func() { <-sem }()
				status, perr := s.post(ctx, m, now)
				a := outreach.WebhookAttempt{ID: m.ID, Status: status}
				if perr != nil {
					a.Err, a.RetryAt = perr.Error(), RetryAt(m.CreatedAt, m.Attempts+1, now)
				}
				results <- a
			}()
		}
	}()
	delivered := 0
	var pending []outreach.WebhookAttempt
	var firstErr error
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if err := s.Store.FinishWebhookMessages(ctx, now, pending); err != nil && firstErr == nil {
			firstErr = err
		}
		pending = pending[:0]
	}
	timer := time.NewTimer(finishAfter)
	defer timer.Stop()
	for got := 0; got < len(batch); {
		select {
		case a := <-results:
			got++
			if a.Err == "" {
				delivered++
			}
			pending = append(pending, a)
			if len(pending) >= finishEvery {
				flush()
			}
		case <-timer.C:
			flush()
			timer.Reset(finishAfter)
		}
	}
	flush()
	return delivered, firstErr
}

// Run ticks every Poll until ctx ends.
func (s *Sender) Run(ctx context.Context, now func() time.Time) {
	poll := s.Poll
	if poll <= 0 {
		poll = time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := s.Tick(ctx, now()); err != nil && ctx.Err() == nil && s.Logger != nil {
			s.Logger.Error("webhook tick failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RetryAt is when a message created at created is tried again after
// attempt failed at now: 5 s doubled per attempt, at most an hour apart;
// zero once outreach.WebhookRetryFor has passed.
func RetryAt(created time.Time, attempt int, now time.Time) time.Time {
	return outreach.RetryUntil(created, attempt, now, 5*time.Second, outreach.WebhookRetryFor)
}

// post makes one attempt; it returns the HTTP status (0 without one).
func (s *Sender) post(ctx context.Context, m outreach.WebhookMessage, now time.Time) (int, error) {
	if err := safehttp.CheckURL(m.URL, s.AllowPrivate, s.AllowPrivate); err != nil {
		return 0, err
	}
	sig, err := Sign(m.Secret, m.ID, now, m.Body)
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.URL, bytes.NewReader(m.Body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "outreach-webhooks")
	req.Header.Set("webhook-id", m.ID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(now.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := s.client.Do(req)
	if err != nil {
		var ue *neturl.Error
		if errors.As(err, &ue) {
			err = ue.Err // keep the URL (it may hold a token) out of the log
		}
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return res.StatusCode, fmt.Errorf("status %d", res.StatusCode)
	}
	return res.StatusCode, nil
}

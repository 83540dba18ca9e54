package alerting

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strconv"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// Campaign tags alert emails (in place of a campaign key).
const Campaign = "alert"

// DefaultWindow is how long an alert waits for more answers of the same
// account before it fires: a burst is one alert, and the owner still hears
// within a minute.
const DefaultWindow = 30 * time.Second

// DefaultPoll is how often Run ticks.
const DefaultPoll = 2 * time.Second

// CaseLinkValidity is how long an alert's "I'm on it" link works.
const CaseLinkValidity = 30 * 24 * time.Hour

// Worker runs the alert loop; every replica may run one.
type Worker struct {
	Store  outreach.AlertStore
	Pack   func() *outreach.Pack // the active pack (its alert rules)
	Sender outreach.Sender       // alert emails
	Poster outreach.Poster       // Slack and Teams posts; nil = none
	Signer *links.Signer
	// PublicURL is the base of the signed links; From is the sender
	// address ("Name <addr>" or addr).
	PublicURL, From string
	// SlackWebhook and TeamsWebhook are the fallbacks for owners without
	// their own (OUTREACH_SLACK_WEBHOOK_URL, OUTREACH_TEAMS_WEBHOOK_URL).
	SlackWebhook, TeamsWebhook string
	Window                     time.Duration // 0 = DefaultWindow; < 0 = fire at once
	Poll                       time.Duration // 0 = DefaultPoll
	Logger                     *slog.Logger
	// OnDelivered, when set, is called after each notification is sent,
	// from the goroutines that send them (concurrently).
	OnDelivered func(n outreach.Notification)
}

// Tick runs the three steps once at now: process answers, fire due
// alerts, deliver due notifications. It returns how many notifications
// went out.
func (w *Worker) Tick(ctx context.Context, now time.Time) (int, error) {
	window := w.Window
	switch {
	case window == 0:
		window = DefaultWindow
	case window < 0:
		window = 0
	}
	rules := w.rules()
	for {
		n, err := w.Store.ProcessAnswers(ctx, now, window, 200, func(a outreach.AlertAnswer) []outreach.AlertRule {
			return outreach.MatchAlerts(rules, a)
		})
		if err != nil {
			return 0, err
		}
		if n < 200 {
			break
		}
	}
	// At most 100 alerts a tick, so their notifications go out before
	// the next ones are built.
	if _, err := w.Store.FireAlerts(ctx, now, 100, func(d outreach.AlertDetail) ([]outreach.Notification, error) {
		return w.Build(d, now)
	}); err != nil {
		return 0, err
	}
	return w.deliver(ctx, now)
}

// Answered is implemented by a store that signals the answers it records
// (store.DB.AnswerRecorded).
type Answered interface {
	AnswerRecorded() <-chan struct{}
}

// Run ticks every Poll until ctx ends, and at once when the store (if it
// is Answered) records an answer: an alert that fires at once (Window < 0)
// does not wait for the poll.
func (w *Worker) Run(ctx context.Context, now func() time.Time) {
	poll := w.Poll
	if poll <= 0 {
		poll = DefaultPoll
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	var answered <-chan struct{}
	if a, ok := w.Store.(Answered); ok {
		answered = a.AnswerRecorded()
	}
	for {
		if _, err := w.Tick(ctx, now()); err != nil && ctx.Err() == nil {
			w.logger().Error("alert tick failed; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-answered:
		}
	}
}

func (w *Worker) rules() []outreach.AlertRule {
	if w.Pack == nil {
		return nil
	}
	if p := w.Pack(); p != nil {
		return p.Alerts
	}
	return nil
}

// rule returns the rule named key of the active pack, or nil.
func (w *Worker) rule(key string) *outreach.AlertRule {
	for _, r := range w.rules() {
		if r.Key == key {
			return &r
		}
	}
	return nil
}

// deliver sends the due notifications, recording each outcome.
func (w *Worker) deliver(ctx context.Context, now time.Time) (int, error) {
	sent := 0
	for {
		batch, err := w.Store.ClaimNotifications(ctx, now, 2*time.Minute, 50)
		if err != nil || len(batch) == 0 {
			return sent, err
		}
		var mu sync.Mutex
		var firstErr error
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8) // posts and sends in parallel: one slow webhook does not hold the others
		for _, n := range batch {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				ok, err := w.deliverOne(ctx, n, now)
				mu.Lock()
				defer mu.Unlock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				if ok {
					sent++
				}
			}()
		}
		wg.Wait()
		if firstErr != nil {
			return sent, firstErr
		}
		if len(batch) < 50 {
			return sent, nil
		}
	}
}

// deliverOne sends n and records the outcome; ok reports a send.
func (w *Worker) deliverOne(ctx context.Context, n outreach.Notification, now time.Time) (bool, error) {
	serr := w.send(ctx, n)
	errMsg, retryAt := "", time.Time{}
	if serr != nil {
		errMsg = serr.Error()
		retryAt = RetryAt(n.CreatedAt, n.Attempts+1, now)
		var se *outreach.SendError
		if errors.As(serr, &se) && !se.Retryable && !se.Unanswered {
			retryAt = time.Time{}
		}
		w.logger().Warn("alert notification failed", "id", n.ID, "channel", n.Channel, "attempt", n.Attempts+1,
			"err", errMsg, "retry_at", retryAt)
	}
	if err := w.Store.FinishNotification(ctx, n.ID, now, errMsg, retryAt); err != nil {
		return false, err
	}
	if serr == nil && w.OnDelivered != nil {
		w.OnDelivered(n)
	}
	return serr == nil, nil
}

// RetryAt is when a notification created at created is tried again after
// attempt failed at now: 15 s doubled per attempt, at most an hour apart;
// zero once outreach.NotificationRetryFor has passed (it is then failed).
func RetryAt(created time.Time, attempt int, now time.Time) time.Time {
	return outreach.RetryUntil(created, attempt, now, 15*time.Second, outreach.NotificationRetryFor)
}

// send delivers one notification.
func (w *Worker) send(ctx context.Context, n outreach.Notification) error {
	switch n.Channel {
	case outreach.ChannelEmail:
		m, err := w.emailMessage(n)
		if err != nil {
			return err
		}
		_, err = w.Sender.Send(ctx, m)
		return err
	default:
		if w.Poster == nil {
			return errors.New("no poster configured")
		}
		return w.Poster.Post(ctx, n.Target, n.Body)
	}
}

// emailMessage is the alert email of n, from the sender identity: the
// policy's from and reply_to when they are addresses, else
// OUTREACH_MAIL_FROM with no Reply-To ("owner" is skipped: the alert goes
// to the owner), like the digest.
func (w *Worker) emailMessage(n outreach.Notification) (*outreach.Message, error) {
	def, err := mail.ParseAddress(w.From)
	if err != nil {
		return nil, &outreach.SendError{Message: "OUTREACH_MAIL_FROM is not an address"}
	}
	var layers []outreach.Identity
	if w.Pack != nil {
		if p := w.Pack(); p != nil {
			layers = append(layers, p.Policy.Identity)
		}
	}
	from, replyTo := outreach.ResolveSender(layers, outreach.Mailbox{Name: def.Name, Address: def.Address}, outreach.Mailbox{})
	m := &outreach.Message{DeliveryID: n.ID, Campaign: Campaign, Category: outreach.CategoryTransactional,
		To: n.Target, From: from.Address, FromName: from.Name, Subject: n.Subject, Text: n.Text, HTML: n.HTML}
	if replyTo != nil {
		m.ReplyTo, m.ReplyToName = replyTo.Address, replyTo.Name
	}
	return m, nil
}

// Build renders the notifications of alert d at now: an email to each
// recipient of its rule (the account's owner, listed addresses), and a
// Slack and a Teams post where a webhook URL is configured.
func (w *Worker) Build(d outreach.AlertDetail, now time.Time) ([]outreach.Notification, error) {
	c := w.content(d, now)
	var to []string
	r := w.rule(d.Rule)
	if (r == nil || r.NotifyOwner) && d.Account.OwnerEmail != "" {
		to = append(to, d.Account.OwnerEmail)
	}
	if r != nil {
		to = append(to, r.Addresses...)
	}
	var out []outreach.Notification
	seen := map[string]bool{}
	for _, addr := range to {
		if seen[addr] {
			continue
		}
		seen[addr] = true
		out = append(out, outreach.Notification{ID: notificationID(d.ID, outreach.ChannelEmail, addr), AlertID: d.ID,
			Channel: outreach.ChannelEmail, Target: addr, Subject: c.subject(), Text: c.text(), HTML: c.html()})
	}
	slack, teams := d.SlackWebhook, d.TeamsWebhook
	if slack == "" {
		slack = w.SlackWebhook
	}
	if teams == "" {
		teams = w.TeamsWebhook
	}
	if slack != "" {
		body, err := c.slack()
		if err != nil {
			return nil, err
		}
		out = append(out, outreach.Notification{ID: notificationID(d.ID, outreach.ChannelSlack, slack), AlertID: d.ID,
			Channel: outreach.ChannelSlack, Target: slack, Body: body})
	}
	if teams != "" {
		body, err := c.teams()
		if err != nil {
			return nil, err
		}
		out = append(out, outreach.Notification{ID: notificationID(d.ID, outreach.ChannelTeams, teams), AlertID: d.ID,
			Channel: outreach.ChannelTeams, Target: teams, Body: body})
	}
	return out, nil
}

// notificationID is "alert-ID-CHANNEL-HASH": stable for one alert, channel
// and target, safe as a file name (the .eml outbox) and a Message-ID.
func notificationID(alertID int64, channel, target string) string {
	sum := sha256.Sum256([]byte(target))
	return "alert-" + strconv.FormatInt(alertID, 10) + "-" + channel + "-" + hex.EncodeToString(sum[:6])
}

// content gathers what every channel shows, with the signed links and
// the link to the case in the console.
func (w *Worker) content(d outreach.AlertDetail, now time.Time) *content {
	c := &content{d: d}
	if d.Case != nil && w.PublicURL != "" {
		c.caseURL = w.PublicURL + outreach.CaseConsolePath(d.Case.ID)
	}
	if d.Case != nil && w.Signer != nil {
		c.takeURL = w.PublicURL + "/c/" + w.Signer.Sign(links.KindCase, fmt.Sprintf("%d %s", d.Case.ID, d.Account.OwnerEmail), now.Add(CaseLinkValidity))
	}
	if w.Signer != nil {
		c.pauseURL = w.PublicURL + "/p/" + w.Signer.Sign(links.KindPause, d.Account.ExternalID, now.Add(outreach.PauseLinkValidity))
	}
	return c
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return w.Logger
}

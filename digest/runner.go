package digest

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
	"strings"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/cronspec"
	"github.com/outreach-dev/outreach/links"
)

// Campaign is the campaign name digests carry (SendGrid category "digest").
// Digests are not deliveries: they have no row in deliveries and never
// count toward a customer's budget.
const Campaign = "digest"

// Category is the category of digest messages. Digests go to the vendor's
// own team, not to customers, so they are sent as transactional mail:
// without List-Unsubscribe (a team member stops digests by clearing their
// digest_schedule).
const Category = outreach.CategoryTransactional

// RetryFor is how long a digest the sender refused is tried again on later
// ticks.
const RetryFor = 24 * time.Hour

// StalePending is how long a stored digest may stay pending (its sender
// crashed between storing and sending) before a tick sends it.
const StalePending = 15 * time.Minute

// maxCronSteps bounds the walk over a schedule's fires after a long
// downtime (one digest then covers the whole gap).
const maxCronSteps = 100_000

// RunnerStore is what the Runner needs from the store (store.DB).
type RunnerStore interface {
	Store
	DigestMembers(ctx context.Context) ([]outreach.DigestMember, error)
	InsertDigest(ctx context.Context, d outreach.DigestRecord) (inserted bool, err error)
	FinishDigest(ctx context.Context, owner string, periodEnd time.Time, state string, sentAt *time.Time) error
	UnsentDigests(ctx context.Context, since, stalePending time.Time) ([]outreach.DigestRecord, error)
}

// Runner sends the digests that are due; the leader calls Tick.
type Runner struct {
	Store     RunnerStore
	Sender    outreach.Sender
	Signer    *links.Signer
	PublicURL string // base of pause links (OUTREACH_PUBLIC_URL)
	From      string // OUTREACH_MAIL_FROM, "Name <address>" or an address
	// Pack returns the active campaign pack: its policy timezone is the
	// fallback for team members without one, and it tells CSAT campaigns
	// from NPS ones (Pack.IsCSAT). nil, or a nil pack, means UTC and
	// campaign keys alone.
	Pack   func() *outreach.Pack
	Logger *slog.Logger // nil discards

	// schedules holds the members' parsed schedules: NextWake runs at
	// every instant of a simulation, and parsing the cron and loading the
	// timezone again each time was a tenth of a forecast's time.
	schedules scheduleCache
}

// scheduleCache maps what a member's schedule is made of to its parsed
// form. It is safe for concurrent use.
type scheduleCache struct {
	mu sync.Mutex
	m  map[scheduleKey]parsedSchedule
}

type scheduleKey struct{ email, spec, timezone, policyTZ string }

type parsedSchedule struct {
	sched outreach.Schedule
	loc   *time.Location
	err   error
}

// maxCachedSchedules bounds the cache; past it, it starts afresh (the team
// changed a lot: a member's entry is keyed by what it is made of).
const maxCachedSchedules = 10_000

// get returns schedule(m, policyTZ), parsing it on first use.
func (c *scheduleCache) get(m outreach.DigestMember, policyTZ string) (outreach.Schedule, *time.Location, error) {
	k := scheduleKey{m.Email, m.DigestSchedule, m.Timezone, policyTZ}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.m[k]; ok {
		return p.sched, p.loc, p.err
	}
	if c.m == nil || len(c.m) >= maxCachedSchedules {
		c.m = map[scheduleKey]parsedSchedule{}
	}
	var p parsedSchedule
	p.sched, p.loc, p.err = schedule(m, policyTZ)
	c.m[k] = p
	return p.sched, p.loc, p.err
}

// Due reports whether m's digest schedule fired in (previous period end,
// now] and returns the period it covers: [previous end, latest fire], or 7
// days back for the first digest. Before the first digest, fires count
// from when the member was added. The cron is evaluated in the member's
// timezone, else policyTZ.
func Due(m outreach.DigestMember, policyTZ string, now time.Time) (from, to time.Time, due bool, err error) {
	sched, loc, err := schedule(m, policyTZ)
	if err != nil {
		return time.Time{}, time.Time{}, false, err
	}
	from, to, due = dueOn(sched, loc, m, now)
	return from, to, due, nil
}

// dueOn is Due with m's schedule parsed.
func dueOn(sched outreach.Schedule, loc *time.Location, m outreach.DigestMember, now time.Time) (from, to time.Time, due bool) {
	ref := m.CreatedAt
	if m.LastPeriodEnd != nil {
		ref = *m.LastPeriodEnd
	}
	fire := sched.Next(ref.In(loc))
	if fire.IsZero() || fire.After(now) {
		return time.Time{}, time.Time{}, false
	}
	for i := 0; i < maxCronSteps; i++ {
		next := sched.Next(fire)
		if next.IsZero() || next.After(now) {
			break
		}
		fire = next
	}
	to = fire.UTC()
	return PeriodFrom(m.LastPeriodEnd, to), to, true
}

// PeriodFrom is the one home of where a digest period ending at to starts:
// at the end of the member's previous digest (last), or FirstPeriod before
// to for a first digest (last nil) or when last is not before to.
func PeriodFrom(last *time.Time, to time.Time) time.Time {
	if last != nil && last.Before(to) {
		return last.UTC()
	}
	return to.Add(-FirstPeriod)
}

// schedule parses m's digest schedule (cronspec.Parse: ingest refused what a
// digest cannot use, cronspec.Calendar) and gives its
// timezone: the member's, else the policy's.
func schedule(m outreach.DigestMember, policyTZ string) (outreach.Schedule, *time.Location, error) {
	s, err := cronspec.Parse(m.DigestSchedule)
	if err != nil {
		return nil, nil, outreach.Errorf(outreach.EINVALID, "team member %s: digest_schedule %q: %v",
			outreach.RedactEmail(m.Email), m.DigestSchedule, err)
	}
	return s, outreach.LocationOrUTC(m.Timezone, policyTZ), nil
}

// NextWake returns the earliest instant at which a digest falls due, at or
// after now (now itself when one is already due); ok is false when no team
// member has a schedule. simulate's virtual clock jumps to it.
func (r *Runner) NextWake(ctx context.Context, now time.Time) (wake time.Time, ok bool, err error) {
	members, err := r.Store.DigestMembers(ctx)
	if err != nil {
		return time.Time{}, false, err
	}
	for _, m := range members {
		sched, loc, err := r.schedules.get(m, r.policyTZ())
		if err != nil {
			continue // Tick reports it
		}
		ref := m.CreatedAt
		if m.LastPeriodEnd != nil {
			ref = *m.LastPeriodEnd
		}
		fire := sched.Next(ref.In(loc))
		if fire.IsZero() {
			continue
		}
		if !fire.After(now) {
			return now, true, nil
		}
		if !ok || fire.Before(wake) {
			wake, ok = fire.UTC(), true
		}
	}
	return wake, ok, nil
}

// Tick sends the digests due at now: first it retries the digests the
// sender refused (for RetryFor), then, for each team member whose schedule
// fired since their previous digest, it builds the digest, stores it once
// per (owner, period end) and, if this call stored it and it is not empty,
// sends it. Storing is idempotent, so two ticks (or two leaders) send one
// email. Problems with one member do not stop the others; they are
// returned together.
func (r *Runner) Tick(ctx context.Context, now time.Time) (sent int, err error) {
	var errs []error
	n, err := r.retry(ctx, now)
	sent += n
	if err != nil {
		errs = append(errs, err)
	}
	members, err := r.Store.DigestMembers(ctx)
	if err != nil {
		return sent, errors.Join(append(errs, err)...)
	}
	for _, m := range members {
		sched, loc, err := r.schedules.get(m, r.policyTZ())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		from, to, due := dueOn(sched, loc, m, now)
		if !due {
			continue
		}
		ok, err := r.SendDigest(ctx, m.TeamMember, from, to, now)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", m.Email, err))
		}
		if ok {
			sent++
		}
	}
	return sent, errors.Join(errs...)
}

// SendDigest builds m's digest of [from, to), stores it (once per owner and
// period end) and, when this call stored it and it is not empty, sends it;
// sent reports an accepted email. Tick calls it for each due member;
// `outreach digest --send` for one.
func (r *Runner) SendDigest(ctx context.Context, m outreach.TeamMember, from, to, now time.Time) (sent bool, err error) {
	d, err := Build(ctx, r.Store, m, from, to, r.pack())
	if err != nil {
		return false, err
	}
	rec := outreach.DigestRecord{OwnerEmail: m.Email, PeriodStart: from, PeriodEnd: to, State: outreach.DigestPending}
	if d.Empty() {
		rec.State = outreach.DigestEmpty
	}
	if rec.Subject, rec.Text, rec.HTML, err = Render(d, r.Signer, r.PublicURL); err != nil {
		return false, err
	}
	inserted, err := r.Store.InsertDigest(ctx, rec)
	if err != nil || !inserted {
		return false, err
	}
	if d.Empty() {
		r.logger().InfoContext(ctx, "digest empty: not sent", "owner", outreach.RedactEmail(m.Email), "period_end", to)
		return false, nil
	}
	return r.send(ctx, rec, m.Name, now)
}

// retry sends again the digests left failed or stale pending.
func (r *Runner) retry(ctx context.Context, now time.Time) (int, error) {
	recs, err := r.Store.UnsentDigests(ctx, now.Add(-RetryFor), now.Add(-StalePending))
	if err != nil {
		return 0, err
	}
	var errs []error
	n := 0
	for _, rec := range recs {
		ok, err := r.send(ctx, rec, "", now)
		if err != nil {
			errs = append(errs, fmt.Errorf("digest for %s: %w", rec.OwnerEmail, err))
		}
		if ok {
			n++
		}
	}
	return n, errors.Join(errs...)
}

// send sends a stored digest and records the outcome.
func (r *Runner) send(ctx context.Context, rec outreach.DigestRecord, name string, now time.Time) (bool, error) {
	msg, err := r.Message(rec, name)
	if err != nil {
		return false, err
	}
	if _, serr := r.Sender.Send(ctx, msg); serr != nil {
		if err := r.Store.FinishDigest(ctx, rec.OwnerEmail, rec.PeriodEnd, outreach.DigestFailed, nil); err != nil {
			return false, errors.Join(serr, err)
		}
		return false, serr
	}
	at := now.UTC()
	if err := r.Store.FinishDigest(ctx, rec.OwnerEmail, rec.PeriodEnd, outreach.DigestSent, &at); err != nil {
		return true, err
	}
	r.logger().InfoContext(ctx, "digest sent", "owner", outreach.RedactEmail(rec.OwnerEmail), "period_end", rec.PeriodEnd)
	return true, nil
}

// Message returns the email of a stored digest, tagged with its MessageID
// (see MessageID) and campaign "digest". It comes from the policy's from
// and reply_to when they are addresses, else from OUTREACH_MAIL_FROM with
// no Reply-To: "owner" is skipped, the digest going to the owner.
func (r *Runner) Message(rec outreach.DigestRecord, toName string) (*outreach.Message, error) {
	def, err := mail.ParseAddress(r.From)
	if err != nil {
		return nil, outreach.Errorf(outreach.EINVALID, "OUTREACH_MAIL_FROM: %q is not an email address", r.From)
	}
	var layers []outreach.Identity
	if p := r.pack(); p != nil {
		layers = append(layers, p.Policy.Identity)
	}
	from, replyTo := outreach.ResolveSender(layers, outreach.Mailbox{Name: def.Name, Address: def.Address}, outreach.Mailbox{})
	m := &outreach.Message{
		DeliveryID: MessageID(rec.OwnerEmail, rec.PeriodEnd),
		Campaign:   Campaign,
		Category:   Category,
		To:         rec.OwnerEmail,
		ToName:     toName,
		From:       from.Address,
		FromName:   from.Name,
		Subject:    rec.Subject,
		Text:       rec.Text,
		HTML:       rec.HTML,
	}
	if replyTo != nil {
		m.ReplyTo, m.ReplyToName = replyTo.Address, replyTo.Name
	}
	return m, nil
}

// MessageID is the id a digest email is tagged with (in place of a
// delivery id): "digest-" and a hash of owner and period end, safe as a
// file name and stable across retries.
func MessageID(owner string, periodEnd time.Time) string {
	sum := sha256.Sum256([]byte(strings.ToLower(owner) + "\n" + strconv.FormatInt(periodEnd.UnixMilli(), 10)))
	return "digest-" + hex.EncodeToString(sum[:12])
}

func (r *Runner) pack() *outreach.Pack {
	if r.Pack == nil {
		return nil
	}
	return r.Pack()
}

func (r *Runner) policyTZ() string {
	if p := r.pack(); p != nil {
		return p.Policy.Timezone
	}
	return ""
}

func (r *Runner) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return r.Logger
}

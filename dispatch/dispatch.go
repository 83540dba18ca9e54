package dispatch

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
	"github.com/outreach-dev/outreach/throttle"
)

// Store is what the dispatcher needs of the database; *store.DB implements
// it (store/dispatch*.go).
type Store interface {
	// ClaimDue claims up to c.Limit contacts with due deliveries and, in
	// one transaction holding them, calls decide per contact and records
	// every outcome. It returns the deliveries it reserved (sending) and
	// how many contacts it claimed.
	ClaimDue(ctx context.Context, c outreach.DispatchClaim, decide func(*outreach.DueContact) []outreach.DispatchOutcome) ([]outreach.ReservedDelivery, int, error)
	// ClaimRetries claims sending deliveries released for another attempt;
	// those whose address is now suppressed for their category become
	// suppressed instead, and are counted in suppressed.
	ClaimRetries(ctx context.Context, now time.Time, processID string, limit int) (retries []outreach.ReservedDelivery, suppressed int, err error)
	// FinishSends records send results.
	FinishSends(ctx context.Context, outcomes []outreach.SendOutcome) (int, error)
	// Heartbeat refreshes the heartbeat of in-flight deliveries.
	Heartbeat(ctx context.Context, processID string, ids []string, now time.Time) error
	// RecoverSending resolves sending deliveries of gone processes.
	RecoverSending(ctx context.Context, staleBefore time.Time, limit int, resolve func([]outreach.StaleSending) []outreach.SendOutcome) (int, error)
	// NextDue returns the earliest not_before of deliveries waiting.
	NextDue(ctx context.Context) (time.Time, bool, error)
}

// Dispatcher claims contacts with due deliveries, decides them with the
// throttle, renders, sends and records. Every replica runs one; they
// coordinate only through the Store.
type Dispatcher struct {
	Store  Store
	Sender outreach.Sender
	// Pack returns the active campaign pack and the renderer of its
	// templates (cmd wires campaigns.Loaded.PackAndTemplates); priority,
	// ttl and template are read from the pack when a delivery is decided,
	// and the renderer renders it.
	Pack func() (*outreach.Pack, outreach.Renderer)
	// Refresh, when set, loads the stored active pack into Pack. A claim
	// that finds the stored pack newer than Pack's decides nothing
	// (outreach.StalePackError); the dispatcher calls Refresh and claims
	// again. Without it such a claim is an error, retried by Run.
	Refresh func(ctx context.Context) error
	Signer  *links.Signer
	Config  Config
	Logger  *slog.Logger
	// Now is the wall clock of Run (default time.Now); Step and Recover
	// take the time as an argument.
	Now func() time.Time
	// OnSend, when set, is called with every send outcome recorded
	// (serve counts them in /metrics: results, failures by reason,
	// latency).
	OnSend func(o outreach.SendOutcome)

	mu       sync.Mutex
	inflight map[string]bool // deliveries this process is sending
	recorder *Recorder       // dry-run sender
	zones    outreach.Locations
}

// StepReport counts what a Step did.
type StepReport struct {
	Contacts   int // contacts claimed
	Reserved   int // "sent" decisions: slots reserved
	Deferred   int
	Dropped    int
	Suppressed int
	Sent       int // accepted by the sender
	Failed     int // refused for good, render errors, given up
	Retrying   int // released to be sent again later
	Unanswered int // sent, answer lost: left to recovery
}

// add sums two reports.
func (r *StepReport) add(o StepReport) {
	r.Contacts += o.Contacts
	r.Reserved += o.Reserved
	r.Deferred += o.Deferred
	r.Dropped += o.Dropped
	r.Suppressed += o.Suppressed
	r.Sent += o.Sent
	r.Failed += o.Failed
	r.Retrying += o.Retrying
	r.Unanswered += o.Unanswered
}

// check reports a Dispatcher that cannot run.
func (d *Dispatcher) check() error {
	var errs []error
	if d.Store == nil {
		errs = append(errs, errors.New("dispatch: Store is required"))
	}
	if d.Sender == nil && !d.Config.DryRun {
		errs = append(errs, errors.New("dispatch: Sender is required unless Config.DryRun"))
	}
	if d.Pack == nil {
		errs = append(errs, errors.New("dispatch: Pack is required"))
	}
	if d.Signer == nil {
		errs = append(errs, errors.New("dispatch: Signer is required to sign survey and unsubscribe links"))
	}
	if err := d.Config.Validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (d *Dispatcher) cfg() Config { return d.Config.WithDefaults() }

func (d *Dispatcher) logger() *slog.Logger {
	if d.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return d.Logger
}

// Step decides every contact with deliveries due at now (claim → decide →
// reserve in one transaction per batch of contacts), then sends what it
// reserved and records the outcome. Sends released for a retry whose time
// has come are sent too. Simulate calls it on a virtual clock; Run calls
// it in a loop.
func (d *Dispatcher) Step(ctx context.Context, now time.Time) (StepReport, error) {
	if err := d.check(); err != nil {
		return StepReport{}, err
	}
	return d.step(ctx, func() time.Time { return now })
}

// NextDue returns the earliest not_before of planned deliveries (and of
// sends waiting for a retry), for simulate's clock; ok=false if none.
func (d *Dispatcher) NextDue(ctx context.Context) (time.Time, bool, error) {
	return d.Store.NextDue(ctx)
}

// step runs one pipeline until the claimer finds nothing due at clock()
// (or ctx ends): a claimer queues the deliveries it reserved, one at a
// time, to Workers senders, which render and send them and pass their
// outcomes to one recorder, which records them in one statement per batch.
// The claimer decides the next batch while the senders send the previous
// one; the queue holds one batch, so a claim waits for the senders rather
// than running ahead. Reserved deliveries are always handed to a sender,
// so a reservation is never abandoned.
func (d *Dispatcher) step(ctx context.Context, clock func() time.Time) (StepReport, error) {
	cfg := d.cfg()
	p := &pipeline{
		work:     make(chan *outreach.ReservedDelivery, cfg.Batch),
		outcomes: make(chan *outreach.SendOutcome, cfg.Batch+cfg.Workers),
	}
	var senders sync.WaitGroup
	for range cfg.Workers {
		senders.Add(1)
		go func() {
			defer senders.Done()
			for rd := range p.work {
				o := d.sendOne(ctx, rd, clock)
				p.pending.Add(-1)
				p.outcomes <- &o
			}
		}()
	}
	recorded := make(chan StepReport, 1)
	go func() { recorded <- d.record(ctx, p, cfg.Batch) }()
	total, err := d.claimLoop(ctx, clock, p)
	close(p.work)
	senders.Wait()
	close(p.outcomes)
	total.add(<-recorded)
	return total, err
}

// pipeline connects the claimer, the senders and the recorder of a step.
// Its queues hold pointers: a step is made for every instant of a
// simulation, and queues of a batch of values each were most of what a
// forecast allocated.
type pipeline struct {
	work     chan *outreach.ReservedDelivery
	outcomes chan *outreach.SendOutcome
	pending  atomic.Int64 // queued deliveries whose outcome is not yet passed on
}

// next returns the next outcome of a batch: one that has arrived or, while
// the batch is empty or deliveries are still being sent, the next one to
// arrive. ok is false when the batch is to be recorded now; open is false
// once the senders are done.
func (p *pipeline) next(empty bool) (o *outreach.SendOutcome, ok, open bool) {
	select {
	case o, open = <-p.outcomes:
		return o, open, open
	default:
	}
	if !empty && p.pending.Load() == 0 {
		return nil, false, true
	}
	o, open = <-p.outcomes
	return o, open, open
}

// record records send outcomes until p.outcomes is closed, in batches of
// up to limit: a batch is recorded when it is full, or when no delivery is
// left to send (the senders have caught up with the claimer). It counts
// the outcomes.
func (d *Dispatcher) record(ctx context.Context, p *pipeline, limit int) StepReport {
	var rep StepReport
	var batch []outreach.SendOutcome // grows to the largest batch of the step, at most limit
	for open := true; open; {
		batch = batch[:0]
		for len(batch) < limit {
			o, ok, stillOpen := p.next(len(batch) == 0)
			open = stillOpen
			if !ok {
				break
			}
			batch = append(batch, *o)
		}
		if len(batch) == 0 {
			continue
		}
		for _, o := range batch {
			rep.count(o)
			d.logOutcome(o)
			if d.OnSend != nil {
				d.OnSend(o)
			}
		}
		if _, err := d.Store.FinishSends(context.WithoutCancel(ctx), batch); err != nil {
			// The rows stay sending; once their heartbeat stops (they leave
			// the in-flight set below) Recover settles them.
			d.logger().Error("record send results", "deliveries", len(batch), "err", err)
		}
		d.untrack(batch)
	}
	return rep
}

// count adds a send outcome to the report.
func (r *StepReport) count(o outreach.SendOutcome) {
	switch o.Result {
	case outreach.SendSent:
		r.Sent++
	case outreach.SendFailed:
		r.Failed++
	case outreach.SendUnanswered:
		r.Unanswered++
	default:
		r.Retrying++
	}
}

// logOutcome tells the operator about sends that did not go well: a
// failure (refused, render error, given up) or a lost answer at Warn, a
// retry at Info. Sent mail is not logged one by one. A provider's error
// can quote the recipient: addresses are redacted (outreach.RedactEmails).
func (d *Dispatcher) logOutcome(o outreach.SendOutcome) {
	switch o.Result {
	case outreach.SendFailed:
		d.logger().Warn("delivery failed", "delivery", o.DeliveryID, "error", outreach.RedactEmails(o.Error))
	case outreach.SendUnanswered:
		d.logger().Warn("send unanswered", "delivery", o.DeliveryID, "error", outreach.RedactEmails(o.Error))
	case outreach.SendRetry:
		d.logger().Info("send will be retried", "delivery", o.DeliveryID, "retry_at", o.RetryAt, "error", outreach.RedactEmails(o.Error))
	}
}

// claimLoop claims retries and due contacts until none is left, queueing
// what it reserved for the senders. A retry whose address was suppressed
// meanwhile is suppressed by the claim, not sent.
func (d *Dispatcher) claimLoop(ctx context.Context, clock func() time.Time, p *pipeline) (StepReport, error) {
	cfg := d.cfg()
	var rep StepReport
	for ctx.Err() == nil {
		now := clock().UTC()
		retries, suppressed, err := d.Store.ClaimRetries(ctx, now, cfg.ProcessID, cfg.Batch)
		if err != nil {
			return rep, err
		}
		rep.Suppressed += suppressed
		d.queue(retries, p)
		pack, _ := d.Pack()
		win := throttle.HistoryWindow(pack.Policy)
		claim := outreach.DispatchClaim{Now: now, ProcessID: cfg.ProcessID, Limit: cfg.Batch, ContactWindow: win.Contact, AccountWindow: win.Account,
			PackVersion: pack.Version}
		var decided StepReport
		reserved, n, err := d.Store.ClaimDue(ctx, claim, d.decider(pack, now, &decided))
		if stale := (*outreach.StalePackError)(nil); errors.As(err, &stale) {
			if err := d.followPack(ctx, stale); err != nil {
				return rep, err
			}
			continue // claim again with the stored pack
		}
		if err != nil {
			return rep, err
		}
		if n > 0 {
			decided.Contacts = n
			rep.add(decided)
		}
		d.queue(reserved, p)
		if n == 0 && len(retries) == 0 && suppressed == 0 {
			return rep, nil
		}
		// A round usually takes all that is due: one read says whether
		// anything is left, where another round of claims (two
		// transactions) would mostly find nothing. At every instant of a
		// forecast that round was a tenth of the work.
		next, ok, err := d.Store.NextDue(ctx)
		if err != nil {
			return rep, err
		}
		if !ok || next.After(clock().UTC()) {
			return rep, nil
		}
	}
	return rep, nil
}

// followPack loads the stored active pack after a claim found it newer
// than the one it decided with (nothing was decided).
func (d *Dispatcher) followPack(ctx context.Context, stale *outreach.StalePackError) error {
	if d.Refresh == nil {
		return stale
	}
	if err := d.Refresh(ctx); err != nil {
		return fmt.Errorf("load the stored campaign pack: %w", err)
	}
	pack, _ := d.Pack()
	if pack.Version < stale.Stored {
		return fmt.Errorf("campaign pack still at version %d after loading the stored one: %w", pack.Version, stale)
	}
	d.logger().Info("claim found a newer stored campaign pack: loaded it before deciding", "from", stale.Have, "version", pack.Version)
	return nil
}

// queue marks reserved deliveries in flight and hands them to the senders.
func (d *Dispatcher) queue(reserved []outreach.ReservedDelivery, p *pipeline) {
	if len(reserved) == 0 {
		return
	}
	d.track(reserved)
	p.pending.Add(int64(len(reserved)))
	for i := range reserved {
		p.work <- &reserved[i]
	}
}

// track adds deliveries to the in-flight set whose heartbeat Run
// refreshes.
func (d *Dispatcher) track(rs []outreach.ReservedDelivery) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.inflight == nil {
		d.inflight = map[string]bool{}
	}
	for i := range rs {
		d.inflight[rs[i].Delivery.ID] = true
	}
}

// untrack removes recorded deliveries from the in-flight set.
func (d *Dispatcher) untrack(outcomes []outreach.SendOutcome) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, o := range outcomes {
		delete(d.inflight, o.DeliveryID)
	}
}

// inflightIDs returns the deliveries this process is sending.
func (d *Dispatcher) inflightIDs() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	ids := make([]string, 0, len(d.inflight))
	for id := range d.inflight {
		ids = append(ids, id)
	}
	return ids
}

package httpapi

import (
	"context"
	"sync"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/prometheus/client_golang/prometheus"
)

// Ops is what /metrics reports about the service beyond HTTP: the outbox
// (from the database), leadership and the active pack. serve sets it; nil
// leaves those series out.
type Ops struct {
	// Stats reads the outbox; it must use indexes only (store.DB.OpsStats).
	Stats func(ctx context.Context, now time.Time) (outreach.OpsStats, error)
	// Leader reports whether this replica is the leader now.
	Leader func() bool
	// PackVersion returns the version of the active campaign pack.
	PackVersion func() int
	// Refresh is how long a Stats answer is reused; 0 means
	// DefaultOpsRefresh. Timeout bounds one Stats call; 0 means
	// DefaultOpsTimeout.
	Refresh, Timeout time.Duration
}

// DefaultOpsRefresh is how long /metrics reuses the outbox figures: the
// database is read at most once per interval, however often it is scraped.
const DefaultOpsRefresh = 15 * time.Second

// DefaultOpsTimeout bounds one read of the outbox figures; a scrape that
// hits it serves the previous figures.
const DefaultOpsTimeout = 5 * time.Second

// opsCollector is a prometheus.Collector over Ops: it reads the database
// at scrape time, at most once per Refresh, within Timeout.
type opsCollector struct {
	ops    *Ops
	now    func() time.Time
	onErr  func(error)
	mu     sync.Mutex
	last   outreach.OpsStats
	lastAt time.Time
	ok     bool

	due, dueAge, states, leader, pack *prometheus.Desc
}

func newOpsCollector(ops *Ops, now func() time.Time, onErr func(error)) *opsCollector {
	return &opsCollector{ops: ops, now: now, onErr: onErr,
		due:    prometheus.NewDesc("outreach_due_backlog", "Planned deliveries whose time has come, waiting for the dispatcher.", nil, nil),
		dueAge: prometheus.NewDesc("outreach_due_backlog_age_seconds", "How long the oldest due delivery has waited (0 when none).", nil, nil),
		states: prometheus.NewDesc("outreach_deliveries", "Deliveries by state.", []string{"state"}, nil),
		leader: prometheus.NewDesc("outreach_leader", "1 when this replica is the leader (plans, fires schedules, sends digests), else 0.", nil, nil),
		pack:   prometheus.NewDesc("outreach_pack_version", "Version of the active campaign pack.", nil, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *opsCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.due, c.dueAge, c.states, c.leader, c.pack} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *opsCollector) Collect(ch chan<- prometheus.Metric) {
	now := c.now()
	if st, ok := c.stats(now); ok {
		ch <- prometheus.MustNewConstMetric(c.due, prometheus.GaugeValue, float64(st.Due))
		age := 0.0
		if !st.OldestDue.IsZero() && now.After(st.OldestDue) {
			age = now.Sub(st.OldestDue).Seconds()
		}
		ch <- prometheus.MustNewConstMetric(c.dueAge, prometheus.GaugeValue, age)
		for _, s := range outreach.DeliveryStates {
			ch <- prometheus.MustNewConstMetric(c.states, prometheus.GaugeValue, float64(st.ByState[s]), s)
		}
	}
	if c.ops.Leader != nil {
		v := 0.0
		if c.ops.Leader() {
			v = 1
		}
		ch <- prometheus.MustNewConstMetric(c.leader, prometheus.GaugeValue, v)
	}
	if c.ops.PackVersion != nil {
		ch <- prometheus.MustNewConstMetric(c.pack, prometheus.GaugeValue, float64(c.ops.PackVersion()))
	}
}

// stats returns the outbox figures, read again when the cached ones are
// older than Refresh; a failed read serves the previous figures (ok is
// false only when there never were any).
func (c *opsCollector) stats(now time.Time) (outreach.OpsStats, bool) {
	if c.ops.Stats == nil {
		return outreach.OpsStats{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	refresh, timeout := c.ops.Refresh, c.ops.Timeout
	if refresh <= 0 {
		refresh = DefaultOpsRefresh
	}
	if timeout <= 0 {
		timeout = DefaultOpsTimeout
	}
	if c.ok && now.Sub(c.lastAt) < refresh && !now.Before(c.lastAt) {
		return c.last, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	st, err := c.ops.Stats(ctx, now)
	if err != nil {
		c.onErr(err)
		return c.last, c.ok
	}
	c.last, c.lastAt, c.ok = st, now, true
	// The backlog's age is measured at scrape time from the cached oldest
	// not_before, so it keeps growing between refreshes.
	return st, true
}

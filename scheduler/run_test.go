package scheduler_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/scheduler"
)

// fakeStore is a scheduler.Store of function fields.
type fakeStore struct {
	CampaignStatesFn func(ctx context.Context) (map[string]outreach.CampaignState, error)
	PlanEventBatchFn func(ctx context.Context, now time.Time, limit int, plan func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error)
	FireScheduleFn   func(ctx context.Context, q outreach.AudienceQuery) (bool, outreach.PlanResult, error)
}

var _ scheduler.Store = (*fakeStore)(nil)

func (f *fakeStore) CampaignStates(ctx context.Context) (map[string]outreach.CampaignState, error) {
	return f.CampaignStatesFn(ctx)
}

func (f *fakeStore) PlanEventBatch(ctx context.Context, now time.Time, limit int, plan func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error) {
	return f.PlanEventBatchFn(ctx, now, limit, plan)
}

func (f *fakeStore) FireSchedule(ctx context.Context, q outreach.AudienceQuery) (bool, outreach.PlanResult, error) {
	return f.FireScheduleFn(ctx, q)
}

func (f *fakeStore) PlanReminders(ctx context.Context, now time.Time, cs []outreach.Campaign) (int, error) {
	return 0, nil
}

// fakeLeader is a scheduler.Leader of function fields.
type fakeLeader struct {
	IsLeaderFn func(ctx context.Context) bool
}

func (f *fakeLeader) IsLeader(ctx context.Context) bool { return f.IsLeaderFn(ctx) }
func (f *fakeLeader) Close()                            {}
func (f *fakeLeader) Holds() bool                       { return true }

func TestRunTicksAtOnceWhenLeading(t *testing.T) {
	pack := loadPack(t, testCampaigns)
	ticked := make(chan time.Time, 1)
	st := &fakeStore{
		CampaignStatesFn: func(context.Context) (map[string]outreach.CampaignState, error) { return nil, nil },
		PlanEventBatchFn: func(_ context.Context, now time.Time, _ int, _ func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error) {
			select {
			case ticked <- now:
			default:
			}
			return outreach.PlanResult{}, nil
		},
	}
	s := &scheduler.Scheduler{Store: st, Pack: func() *outreach.Pack { return pack.Pack }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- scheduler.Run(ctx, s, &fakeLeader{func(context.Context) bool { return true }}, "@every 1h", func() time.Time { return t0 })
	}()
	if at := <-ticked; !at.Equal(t0) {
		t.Errorf("ticked at %v, want the clock's %v", at, t0)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Run after cancel = %v, want nil", err)
	}
}

func TestRunRejectsBadTick(t *testing.T) {
	err := scheduler.Run(context.Background(), &scheduler.Scheduler{}, &fakeLeader{}, "every minute", time.Now)
	if err == nil || !strings.Contains(err.Error(), "OUTREACH_TICK") {
		t.Errorf("Run with a bad spec = %v, want an error naming OUTREACH_TICK", err)
	}
}

// digesterFunc is a scheduler.Digester from a function.
type digesterFunc func(ctx context.Context, now time.Time) (int, error)

func (f digesterFunc) Tick(ctx context.Context, now time.Time) (int, error) { return f(ctx, now) }

func TestTickRunsDigestsAfterPlanning(t *testing.T) {
	pack := loadPack(t, testCampaigns)
	var order []string
	st := &fakeStore{
		CampaignStatesFn: func(context.Context) (map[string]outreach.CampaignState, error) { return nil, nil },
		PlanEventBatchFn: func(context.Context, time.Time, int, func([]outreach.Event) outreach.EventPlan) (outreach.PlanResult, error) {
			order = append(order, "plan")
			return outreach.PlanResult{}, nil
		},
		FireScheduleFn: func(context.Context, outreach.AudienceQuery) (bool, outreach.PlanResult, error) {
			return false, outreach.PlanResult{}, nil
		},
	}
	var at time.Time
	s := &scheduler.Scheduler{Store: st, Pack: func() *outreach.Pack { return pack.Pack },
		Digests: digesterFunc(func(_ context.Context, now time.Time) (int, error) {
			order = append(order, "digests")
			at = now
			return 2, nil
		})}
	rep, err := s.Tick(context.Background(), t0)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(order, ","); got != "plan,digests" {
		t.Errorf("order = %s, want plan,digests", got)
	}
	if !at.Equal(t0) || rep.DigestsSent != 2 {
		t.Errorf("digests ran at %v and report says %d sent; want %v and 2", at, rep.DigestsSent, t0)
	}
}

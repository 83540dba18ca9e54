package simulate

import (
	"context"
	"errors"
	"sync"

	"github.com/outreach-dev/outreach/campaigns"
)

// RunAll runs one simulation per Options at once, each on its own store,
// and returns their results in the order given. A simulation keeps a
// core and a fifth busy (its store is one SQLite connection), so on two
// cores two at once take 1.6 times one instead of twice (measured by
// BenchmarkForecastPacks), for twice the memory. The Options must not share a DB, an Out writer or
// a Sender. The first simulation to fail stops the others, and
// its error is returned.
func RunAll(ctx context.Context, opts ...Options) ([]*Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]*Result, len(opts))
	errs := make([]error, len(opts))
	var wg sync.WaitGroup
	for i := range opts {
		wg.Go(func() {
			out[i], errs[i] = Run(ctx, opts[i])
			if errs[i] != nil {
				cancel()
			}
		})
	}
	wg.Wait()
	// A simulation stopped by another's failure reports the cancellation:
	// the failure is the error to show.
	for _, err := range errs {
		if err != nil && !errors.Is(err, context.Canceled) {
			return nil, err
		}
	}
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// ForecastPacks runs the simulation of base once per pack, all at once
// (RunAll), and returns their summaries in the order of packs: the
// console's forecast of a draft next to the active pack.
func ForecastPacks(ctx context.Context, base Options, packs []*campaigns.Loaded) ([]Summary, error) {
	opts := make([]Options, len(packs))
	for i, p := range packs {
		opts[i] = base
		opts[i].Pack = p
	}
	res, err := RunAll(ctx, opts...)
	if err != nil {
		return nil, err
	}
	out := make([]Summary, len(res))
	for i, r := range res {
		out[i] = r.Summary
	}
	return out, nil
}

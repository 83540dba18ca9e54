package simulate

import (
	"context"
	"sync"

	"github.com/outreach-dev/outreach/campaigns"
)

// RunAll runs one simulation per Options at once, each on its own store,
// and returns their results in the order given. A simulation keeps a
// core and a fifth busy (its store is one SQLite connection), so on two
// cores two at once take 1.6 times one instead of twice (measured by
// BenchmarkForecastPacks), for twice the memory. The Options must not
// share a DB, an Out writer or a Sender. The first simulation to fail
// stops the others, and its error is returned.
func RunAll(ctx context.Context, opts ...Options) ([]*Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]*Result, len(opts))
	// The first failure is kept before the others are stopped: a stopped
	// simulation may fail with another error than context.Canceled (a
	// transaction the cancellation rolled back), which is not the one to
	// show.
	var mu sync.Mutex
	var first error
	var wg sync.WaitGroup
	for i := range opts {
		wg.Go(func() {
			res, err := Run(ctx, opts[i])
			if err != nil {
				mu.Lock()
				if first == nil {
					first = err
				}
				mu.Unlock()
				cancel()
			}
			out[i] = res
		})
	}
	wg.Wait()
	if first != nil {
		return nil, first
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

package console

import (
	"context"
	"sync"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
)

// activeCache holds the active stored pack and its validation by version.
// A stored version never changes (activating or rolling back stores a new
// one), so the pack page and the preview read one integer per request
// (ActivePackVersion, the primary key's last entry) instead of decoding
// and validating every file of the pack.
type activeCache struct {
	mu       sync.Mutex
	stored   *outreach.StoredPack
	loaded   *campaigns.Loaded
	problems []packProblem
}

// activePack returns the active stored pack (shared: callers do not
// modify it) with its validation, or the store's ENOTFOUND.
func (s *Server) activePack(ctx context.Context) (*outreach.StoredPack, *campaigns.Loaded, []packProblem, error) {
	v, err := s.Store.ActivePackVersion(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	c := &s.active
	c.mu.Lock()
	if c.stored != nil && c.stored.Version == v {
		p, l, problems := c.stored, c.loaded, c.problems
		c.mu.Unlock()
		return p, l, problems, nil
	}
	c.mu.Unlock()
	p, err := s.Store.ActivePack(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	loaded, problems := validateFiles(p.Files)
	c.mu.Lock()
	if c.stored == nil || p.Version >= c.stored.Version {
		c.stored, c.loaded, c.problems = p, loaded, problems
	}
	c.mu.Unlock()
	return p, loaded, problems, nil
}

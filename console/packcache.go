package console

import (
	"context"
	"html/template"
	"strings"
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
	// files is the pack page's list of the stored pack's file links,
	// rendered once per version (a hundred escaped links cost more than
	// the page's queries); filesOf is the version it shows.
	files   template.HTML
	filesOf int
}

// activeFileList returns the file links of p (the cached active pack),
// rendering them once per version with the "packfiles" template.
func (s *Server) activeFileList(p *outreach.StoredPack) template.HTML {
	c := &s.active
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.filesOf == p.Version && c.files != "" {
		return c.files
	}
	var b strings.Builder
	err := s.pages["pack"].ExecuteTemplate(&b, "packfiles", struct {
		Version int
		Paths   []string
	}{p.Version, sortedPaths(p.Files)})
	check(err, "render the pack's file list")
	c.files, c.filesOf = template.HTML(b.String()), p.Version // html/template escaped it
	return c.files
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

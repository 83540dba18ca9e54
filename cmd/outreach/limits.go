package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/outreach-dev/outreach/store"
)

// minDBMaxConns is the least OUTREACH_DB_MAX_CONNS: serve keeps at least
// minBackgroundConns connections for its background work and needs one
// for the API.
const minDBMaxConns = minBackgroundConns + 1

// Connections serve keeps for its background work (see backgroundConns).
const (
	minBackgroundConns = 3
	maxBackgroundConns = 8
)

// loadLimits reads OUTREACH_DB_MAX_CONNS and OUTREACH_PUBLIC_BYTES_IN_FLIGHT.
func (c *Config) loadLimits(getenv func(string) string) error {
	if v := strings.TrimSpace(getenv("OUTREACH_DB_MAX_CONNS")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("OUTREACH_DB_MAX_CONNS: %q is not a whole number of connections (e.g. 20)", v)
		}
		c.DBMaxConns = n
	}
	if v := strings.TrimSpace(getenv("OUTREACH_PUBLIC_BYTES_IN_FLIGHT")); v != "" {
		n, err := parseBytes(v)
		if err != nil {
			return fmt.Errorf("OUTREACH_PUBLIC_BYTES_IN_FLIGHT: %q is not a size in bytes (e.g. 67108864 or 64MiB)", v)
		}
		c.PublicBytesInFlight = n
	}
	return nil
}

// validateLimits checks OUTREACH_DB_MAX_CONNS and
// OUTREACH_PUBLIC_BYTES_IN_FLIGHT.
func (c Config) validateLimits() error {
	if c.DBMaxConns < minDBMaxConns {
		return fmt.Errorf("OUTREACH_DB_MAX_CONNS: %d is too few: serve needs at least %d PostgreSQL connections "+
			"(%d for its background work, 1 for the API); the default is %d", c.DBMaxConns, minDBMaxConns,
			minBackgroundConns, store.DefaultMaxConns)
	}
	if c.PublicBytesInFlight < 1<<20 {
		return fmt.Errorf("OUTREACH_PUBLIC_BYTES_IN_FLIGHT: %d bytes is less than 1MiB: the public endpoints "+
			"could not take one webhook batch", c.PublicBytesInFlight)
	}
	return nil
}

// parseBytes reads a size: a whole number of bytes, optionally followed by
// KiB, MiB or GiB.
func parseBytes(v string) (int64, error) {
	mult := int64(1)
	for suffix, m := range map[string]int64{"KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30} {
		if rest, ok := strings.CutSuffix(v, suffix); ok {
			v, mult = strings.TrimSpace(rest), m
			break
		}
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("not a size: %q", v)
	}
	return n * mult, nil
}

// backgroundConns is how many of maxConns connections serve keeps for its
// background work: the leader's lock (held for as long as it leads), the
// dispatcher's claims, result writes and heartbeats, the scheduler's
// ticks and /healthz. A third of the budget, at least 3 and at most 8;
// the API gets the rest, so a burst of requests cannot take the
// connections the heartbeats need.
func backgroundConns(maxConns int) int {
	return min(maxBackgroundConns, max(minBackgroundConns, maxConns/3))
}

// splitPool gives serve's API its own pool: db keeps backgroundConns of
// OUTREACH_DB_MAX_CONNS for the background work and the returned pool has
// the rest. On SQLite both are the one connection.
func (m *Main) splitPool(ctx context.Context, db *store.DB) (api *store.DB, err error) {
	total := m.Config.DBMaxConns
	if total < minDBMaxConns {
		total = store.DefaultMaxConns // a Main built without Validate (the demo's tests)
	}
	bg := backgroundConns(total)
	db.SetMaxConns(bg)
	return db.OpenPool(ctx, total-bg)
}

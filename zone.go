package outreach

import (
	"fmt"
	"strings"
	"sync"
	"time"
)

// This file is the one home of "which timezone": the recipient's zone
// (contact, then account, then policy, then UTC) for the throttle's send
// window, the dates in an email and the scheduler's audiences, and the
// first-known-of fallback that digests (member, then policy) use.

// Zone is the timezone in which a recipient's local rules (quiet hours,
// business days) and dates are evaluated, and where it came from.
type Zone struct {
	Loc    *time.Location
	Name   string // IANA name, "UTC" for the last-resort default
	Source string // "contact timezone", "account timezone", "policy timezone" or "default"
	// Note explains a fallback in words ("no timezone on contact or account:
	// using policy timezone UTC"); "" when the contact's own timezone is used.
	Note string
}

// LoadLocation returns the location of an IANA name, or nil for "",
// "Local" and names unknown to the embedded tz database.
func LoadLocation(s string) *time.Location {
	if s == "" || s == "Local" {
		return nil
	}
	loc, err := time.LoadLocation(s)
	if err != nil {
		return nil
	}
	return loc
}

// RecipientZone picks the recipient's timezone: the contact's, else the
// account's, else the policy's, else UTC. Unknown names are skipped (and
// said so in Note), so a bad value never stops mail; validation rejects them
// at ingestion anyway. It loads zones without a cache; Locations.Recipient
// is the same rule with one.
func RecipientZone(contactTZ, accountTZ, policyTZ string) Zone {
	return (*Locations)(nil).Recipient(contactTZ, accountTZ, policyTZ)
}

// LocationOrUTC returns the location of the first known name of names, else
// UTC (a digest's zone is the member's, else the policy's).
func LocationOrUTC(names ...string) *time.Location {
	return (*Locations)(nil).OrUTC(names...)
}

// Locations loads each IANA zone once (time.LoadLocation parses tz data on
// every call, about 20 µs). The zero value is ready to use and safe for
// concurrent use; a nil *Locations loads without caching. It belongs to the
// value that decides many recipients (the dispatcher), not to the package.
type Locations struct {
	m sync.Map // IANA name -> *time.Location (nil: unknown)
}

// Load is LoadLocation through the cache.
func (l *Locations) Load(name string) *time.Location {
	if l == nil || name == "" {
		return LoadLocation(name)
	}
	if v, ok := l.m.Load(name); ok {
		return v.(*time.Location)
	}
	loc := LoadLocation(name)
	l.m.Store(name, loc)
	return loc
}

// OrUTC is LocationOrUTC through the cache.
func (l *Locations) OrUTC(names ...string) *time.Location {
	for _, n := range names {
		if loc := l.Load(n); loc != nil {
			return loc
		}
	}
	return time.UTC
}

// Recipient is RecipientZone through the cache.
func (l *Locations) Recipient(contactTZ, accountTZ, policyTZ string) Zone {
	type cand struct{ tz, who string }
	cands := [...]cand{{contactTZ, "contact"}, {accountTZ, "account"}, {policyTZ, "policy"}}
	var missing, bad []string
	for _, c := range cands {
		if c.tz == "" {
			missing = append(missing, c.who)
			continue
		}
		loc := l.Load(c.tz)
		if loc == nil {
			bad = append(bad, fmt.Sprintf("%s timezone %q is unknown", c.who, c.tz))
			continue
		}
		z := Zone{Loc: loc, Name: c.tz, Source: c.who + " timezone"}
		if c.who != "contact" {
			z.Note = fallbackNote(missing, bad, "using "+z.Source+" "+c.tz)
		}
		return z
	}
	return Zone{Loc: time.UTC, Name: "UTC", Source: "default",
		Note: fallbackNote(missing, bad, "using UTC")}
}

// fallbackNote phrases why a zone further down the chain was used:
// "no timezone on contact or account: using policy timezone UTC".
func fallbackNote(missing, bad []string, using string) string {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "no timezone on "+joinOr(missing))
	}
	parts = append(parts, bad...)
	return strings.Join(parts, "; ") + ": " + using
}

// joinOr joins words as "a", "a or b", "a, b or c".
func joinOr(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}

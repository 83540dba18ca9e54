package outreach

import (
	"fmt"
	"net/mail"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"
)

// DeliveryNamespace is the UUIDv5 namespace of delivery ids. Never change
// it: ids must stay stable across versions so planning never plans twice.
var DeliveryNamespace = uuid.MustParse("6f1c1a52-3f0e-4d55-9a43-6a1b0e7d2c11")

// DeliveryID returns the deterministic id of the delivery of campaign to
// contact for occurrence: the UUIDv5 of "campaign:contactID:occurrence" in
// DeliveryNamespace. Campaign keys contain no ':' and contact ids are
// integers, so the name is unambiguous. The store computes the same id in
// SQL (uuid-ossp's uuid_generate_v5 on PostgreSQL, a registered function on
// SQLite) for set-based planning; a test keeps the three in agreement.
func DeliveryID(campaign string, contactID int64, occurrence string) string {
	return uuid.NewSHA1(DeliveryNamespace, fmt.Appendf(nil, "%s:%d:%s", campaign, contactID, occurrence)).String()
}

// NormalizeEmail validates an email address and returns it lower-cased.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is required")
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%q is not a valid email address", s)
	}
	at := strings.LastIndexByte(s, '@')
	if at < 1 || !strings.Contains(s[at+1:], ".") {
		return "", fmt.Errorf("%q is not a valid email address (need name@domain.tld)", s)
	}
	return strings.ToLower(s), nil
}

// ValidateTimezone checks an IANA timezone name against the embedded tz
// database. "" is unset and valid; "Local" is rejected because it depends on
// the machine.
func ValidateTimezone(s string) error {
	if s == "" {
		return nil
	}
	if s == "Local" {
		return fmt.Errorf(`"Local" is not allowed: use an IANA name such as "Europe/Paris"`)
	}
	if _, err := time.LoadLocation(s); err != nil {
		return fmt.Errorf("unknown timezone %q: use an IANA name such as \"America/Sao_Paulo\"", s)
	}
	return nil
}

// LoadLocation returns the location of an IANA name, or nil for "".
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

// NormalizeLocale validates a BCP 47 tag and returns its canonical form
// ("pt-br" -> "pt-BR"). "" is unset and valid.
func NormalizeLocale(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	t, err := language.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a BCP 47 language tag (e.g. \"pt-BR\")", s)
	}
	return t.String(), nil
}

// ParseTime parses an RFC 3339 time. "" is unset (nil).
func ParseTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return nil, fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-03-01T09:30:00Z)", s)
	}
	t = t.UTC()
	return &t, nil
}

// ParseDateOrTime parses a date (2026-12-31) as midnight UTC, or an RFC 3339
// time. "" is unset (nil).
func ParseDateOrTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return &t, nil
	}
	if t, err := ParseTime(s); err == nil {
		return t, nil
	}
	return nil, fmt.Errorf("%q is neither a date (2026-12-31) nor an RFC 3339 time", s)
}

// ParseDate parses a date (2026-12-31); an RFC 3339 time is accepted and its
// date (as written, in its own offset) is used. It returns "YYYY-MM-DD", or
// "" for unset.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t.Format(time.DateOnly), nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.Format(time.DateOnly), nil
	}
	return "", fmt.Errorf("%q is not a date (e.g. 2026-12-31)", s)
}

// ValidScope reports whether s is a suppression scope.
func ValidScope(s string) bool {
	if s == ScopeAll || s == ScopeHard {
		return true
	}
	for _, c := range Categories {
		if s == c {
			return true
		}
	}
	return false
}

// Suppresses reports whether a suppression of scope stops mail of category.
func Suppresses(scope, category string) bool {
	switch scope {
	case ScopeHard:
		return true
	case ScopeAll:
		return category != CategoryTransactional
	}
	return scope == category
}

package outreach

import (
	"errors"
	"fmt"
	"regexp"
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

// MinYear and MaxYear bound every time and date that outreach accepts
// (in UTC for times, as written for dates). A time outside them is a typo
// or a placeholder such as 0001-01-01 or 9999-12-31, and left in the
// database it breaks what is computed from it: a delivery planned after
// year 9999 cannot be written as JSON, so the contact's timeline could no
// longer be read.
const (
	MinYear = 1970
	MaxYear = 2200
)

// rfc3339 is the strict grammar of RFC 3339 section 5.6 that
// time.RFC3339Nano does not enforce on its own: a '.' (not ',') before the
// fraction of a second, and an offset of two-digit hours and minutes
// (checked against 23:59 in checkRFC3339). Go's parser checks the ranges of
// the date and time fields.
var rfc3339 = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$`)

// errNotRFC3339 is the error of parseRFC3339 for text that does not follow
// the grammar; callers say what they expected instead.
var errNotRFC3339 = errors.New("not an RFC 3339 time")

// parseRFC3339 parses s as an RFC 3339 time, as strictly as the RFC: Go's
// time.Parse also takes an offset of -24:00 or +23:60 and a fraction after
// a comma, which other systems would read differently or refuse.
func parseRFC3339(s string) (time.Time, error) {
	m := rfc3339.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, errNotRFC3339
	}
	if m[3] != "" && (m[3] > "23" || m[4] > "59") {
		return time.Time{}, fmt.Errorf("%q has an offset out of range: use Z or -23:59 to +23:59", s)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errNotRFC3339
	}
	return t, nil
}

// checkYear refuses a year outside MinYear..MaxYear; s is the text as
// written, for the message.
func checkYear(s string, year int) error {
	if year < MinYear || year > MaxYear {
		return fmt.Errorf("%q is out of range: use a year from %d to %d", s, MinYear, MaxYear)
	}
	return nil
}

// ParseTime parses an RFC 3339 time whose year (in UTC) is from MinYear
// to MaxYear. "" is unset (nil).
func ParseTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	t, err := parseRFC3339(s)
	if errors.Is(err, errNotRFC3339) {
		return nil, fmt.Errorf("%q is not an RFC 3339 time (e.g. 2026-03-01T09:30:00Z)", s)
	}
	if err != nil {
		return nil, err
	}
	t = t.UTC()
	if err := checkYear(s, t.Year()); err != nil {
		return nil, err
	}
	return &t, nil
}

// ParseDateOrTime parses a date (2026-12-31) as midnight UTC, or an RFC 3339
// time, from the years MinYear to MaxYear. "" is unset (nil).
func ParseDateOrTime(s string) (*time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		if err := checkYear(s, t.Year()); err != nil {
			return nil, err
		}
		return &t, nil
	}
	if _, err := parseRFC3339(s); errors.Is(err, errNotRFC3339) {
		return nil, fmt.Errorf("%q is neither a date (2026-12-31) nor an RFC 3339 time", s)
	}
	return ParseTime(s)
}

// ParseDate parses a date (2026-12-31); an RFC 3339 time is accepted and its
// date (as written, in its own offset) is used. The year must be from
// MinYear to MaxYear. It returns "YYYY-MM-DD", or "" for unset.
func ParseDate(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t, err = parseRFC3339(s)
	}
	if errors.Is(err, errNotRFC3339) {
		return "", fmt.Errorf("%q is not a date (e.g. 2026-12-31)", s)
	}
	if err != nil {
		return "", err
	}
	if err := checkYear(s, t.Year()); err != nil {
		return "", err
	}
	return t.Format(time.DateOnly), nil
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

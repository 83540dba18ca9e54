package throttle

import (
	"fmt"
	"slices"
	"time"

	outreach "github.com/outreach-dev/outreach"
)

// PolicyError is one problem with a throttle policy, naming the pack key to
// fix ("policy.quiet_hours", "policy.contact.max_per_day", ...).
type PolicyError struct {
	Key     string
	Message string
}

// Error implements the error interface.
func (e PolicyError) Error() string { return e.Key + ": " + e.Message }

// ValidatePolicy reports every way p cannot be satisfied or is malformed.
// In outreach.Policy a zero cap means "no cap", so a pack parser must report
// an explicit `0` itself (it cannot be told apart here); negative caps and
// durations, quiet hours with start = end, an empty business_days list and
// unknown timezones or categories are reported here.
func ValidatePolicy(p outreach.Policy) []PolicyError {
	var errs []PolicyError
	add := func(key, format string, args ...any) {
		errs = append(errs, PolicyError{Key: key, Message: fmt.Sprintf(format, args...)})
	}
	if err := outreach.ValidateTimezone(p.Timezone); err != nil {
		add("policy.timezone", "%v", err)
	}
	for _, c := range []struct {
		key string
		n   int
	}{
		{"policy.contact.max_per_day", p.MaxPerDay},
		{"policy.contact.max_per_week", p.MaxPerWeek},
		{"policy.account.max_surveys_per_week", p.AccountMaxSurveysPerWeek},
	} {
		if c.n < 0 {
			add(c.key, "must be at least 1 (got %d); omit the key for no cap", c.n)
		}
	}
	for _, d := range []struct {
		key string
		d   time.Duration
	}{
		{"policy.contact.min_gap", p.MinGap},
		{"policy.surveys.cooldown", p.SurveyCooldown},
	} {
		if d.d < 0 {
			add(d.key, "must be positive (got %s); omit the key for none", d.d)
		}
	}
	if q := p.QuietHours; q != nil {
		errs = append(errs, validateQuiet(*q)...)
	}
	if p.BusinessDays != nil {
		if len(p.BusinessDays) == 0 {
			add("policy.business_days", "is empty, so nothing could ever be sent; list at least one day (e.g. [mon, tue, wed, thu, fri]) or omit the key for every day")
		}
		for _, d := range p.BusinessDays {
			if d < time.Sunday || d > time.Saturday {
				add("policy.business_days", "%d is not a weekday (use mon, tue, wed, thu, fri, sat, sun)", int(d))
			}
		}
	}
	for _, c := range p.ExemptCategories {
		if !slices.Contains(outreach.Categories, c) {
			add("policy.exempt_categories", "%q is not a category (use %v)", c, outreach.Categories)
		}
	}
	return errs
}

func validateQuiet(q outreach.QuietHours) []PolicyError {
	var errs []PolicyError
	bad := false
	for _, c := range []struct {
		key string
		d   time.Duration
	}{{"policy.quiet_hours.start", q.Start}, {"policy.quiet_hours.end", q.End}} {
		if c.d < 0 || c.d >= 24*time.Hour {
			errs = append(errs, PolicyError{Key: c.key, Message: fmt.Sprintf("must be a time of day from 00:00 to 23:59 (got %s)", c.d)})
			bad = true
		}
	}
	if !bad && q.Start == q.End {
		errs = append(errs, PolicyError{Key: "policy.quiet_hours", Message: fmt.Sprintf(
			"start and end are both %s, which leaves no hour to send; use different times (e.g. start 19:00, end 09:00) or omit quiet_hours", fmtClock(q.Start))})
	}
	return errs
}

// Windows says how far back the histories handed to Decide must reach.
type Windows struct {
	Contact time.Duration // Input.ContactHistory: slots with At > now - Contact
	Account time.Duration // Input.AccountHistory (survey slots only): At > now - Account
}

// HistoryWindow returns how much history Decide needs under p: the longest
// window of any contact rule, and 7 days of account surveys when the
// account cap is set. Reading exactly this much keeps one read per contact
// cheap.
func HistoryWindow(p outreach.Policy) Windows {
	var w Windows
	if p.MaxPerDay > 0 {
		w.Contact = day
	}
	if p.MaxPerWeek > 0 {
		w.Contact = week
	}
	w.Contact = max(w.Contact, p.MinGap, p.SurveyCooldown)
	if p.AccountMaxSurveysPerWeek > 0 {
		w.Account = week
	}
	return w
}

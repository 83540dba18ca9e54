package ingest

import (
	"fmt"
	"net/url"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/outreach-dev/outreach"
)

// maxLen caps the length of any single value, so that a typo (a whole file
// pasted into one cell) is reported instead of stored.
const maxLen = 4096

// schema describes the fields of one kind.
type schema struct {
	fields []string // known scalar fields, in CSV column order
	// object is the field holding a JSON object (attributes, properties),
	// or "".
	object string
	// extras says whether unknown fields go into the object (true) or are
	// errors (false). JSON events set it false and CSV events true.
	extrasJSON, extrasCSV bool
}

var schemas = map[Kind]schema{
	Accounts: {
		fields:     []string{"external_id", "name", "owner_email", "plan", "timezone", "started_at", "renewal_date", "paused_until"},
		object:     "attributes",
		extrasJSON: true, extrasCSV: true,
	},
	Contacts: {
		fields:     []string{"external_id", "account_external_id", "email", "name", "role", "locale", "timezone", "last_seen_at", "status"},
		object:     "attributes",
		extrasJSON: true, extrasCSV: true,
	},
	Events: {
		fields:    []string{"id", "type", "contact_external_id", "account_external_id", "occurred_at"},
		object:    "properties",
		extrasCSV: true,
	},
	Team:         {fields: []string{"email", "name", "timezone", "digest_schedule", "slack_webhook_url", "teams_webhook_url", "console_role", "locale"}},
	Suppressions: {fields: []string{"email", "scope", "reason"}},
}

func (s schema) known(name string) bool {
	for _, f := range s.fields {
		if f == name {
			return true
		}
	}
	return false
}

// column returns the field or object name that the CSV column name h
// matches, ignoring case, or h itself when it matches none.
func (s schema) column(h string) string {
	for _, f := range s.fields {
		if strings.EqualFold(f, h) {
			return f
		}
	}
	if s.object != "" && strings.EqualFold(s.object, h) {
		return s.object
	}
	return h
}

// item is one decoded JSON object or CSV row before validation: the
// non-empty trimmed values of known fields, and the object field merged
// with extra fields.
type item struct {
	pos  int // index (JSON) or line (CSV)
	vals map[string]string
	obj  map[string]any
	errs *outreach.BatchError
}

func newItem(pos int, errs *outreach.BatchError) *item {
	return &item{pos: pos, vals: map[string]string{}, errs: errs}
}

// fail records an error on field of this item.
func (it *item) fail(field, format string, args ...any) {
	it.errs.Add(it.pos, field, format, args...)
}

// setString records the value of a known field, trimmed; "" stays unset.
func (it *item) setString(field, v string) {
	if !utf8.ValidString(v) {
		it.fail(field, "is not valid UTF-8: save the file as UTF-8")
		return
	}
	if strings.ContainsRune(v, 0) {
		it.fail(field, "%s", errNUL)
		return
	}
	v = strings.TrimSpace(v)
	if len(v) > maxLen {
		it.fail(field, "is longer than %d bytes", maxLen)
		return
	}
	if v != "" {
		it.vals[field] = v
	}
}

// setExtra adds one key to the object field (attributes, properties); a
// key given twice (as an extra field and inside the object) is an error on
// field.
func (it *item) setExtra(field, key string, v any) {
	if p := nulPath(key, v); p != "" {
		it.fail(field, "%q %s", p, errNUL)
		return
	}
	if it.obj == nil {
		it.obj = map[string]any{}
	}
	if _, dup := it.obj[key]; dup {
		it.fail(field, "%q is given twice: as a field of its own and inside the object field", key)
		return
	}
	it.obj[key] = v
}

// errNUL says why a value with a NUL character is refused: PostgreSQL
// cannot store one in text or JSON, and SQLite would keep it, so both
// databases refuse it here alike.
const errNUL = `contains a NUL character (\u0000), which cannot be stored: remove it`

// nulPath returns the path ("ticket", "meta.owner", "tags[2]") of the
// first string or key holding a NUL character in the JSON value v found at
// path, or "" when there is none.
func nulPath(path string, v any) string {
	if strings.ContainsRune(path, 0) {
		return path
	}
	switch x := v.(type) {
	case string:
		if strings.ContainsRune(x, 0) {
			return path
		}
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if p := nulPath(path+"."+k, x[k]); p != "" {
				return p
			}
		}
	case []any:
		for i, e := range x {
			if p := nulPath(fmt.Sprintf("%s[%d]", path, i), e); p != "" {
				return p
			}
		}
	}
	return ""
}

func (it *item) str(field string) string { return it.vals[field] }

// check records the problems an entity's Validate found, except on a field
// whose value was already refused while parsing it (an unparsable time is
// not also "required").
func (it *item) check(problems []outreach.FieldError) {
	for _, p := range problems {
		if !it.failed(p.Field) {
			it.fail(p.Field, "%s", p.Message)
		}
	}
}

// failed reports whether field of this item already has an error.
func (it *item) failed(field string) bool {
	for _, e := range it.errs.Errors {
		if e.Index == it.pos && e.Field == field {
			return true
		}
	}
	return false
}

// email returns the canonical, lower-cased address of field ("" unset).
func (it *item) email(field string) string {
	v := it.vals[field]
	if v == "" {
		return ""
	}
	e, err := outreach.CanonicalEmail(v)
	if err != nil {
		it.fail(field, "%v", err)
	}
	// The store keys people by the lower-cased canonical address: matching
	// ignores case in the whole address.
	return strings.ToLower(e)
}

func (it *item) timezone(field string) string {
	v := it.vals[field]
	if err := outreach.ValidateTimezone(v); err != nil {
		it.fail(field, "%v", err)
		return ""
	}
	return v
}

// build turns an item into the root type of kind and appends it to b when
// it has no error.
func (b *Batch) build(it *item) {
	before := len(it.errs.Errors)
	if len(it.obj) == 0 {
		it.obj = nil
	}
	switch b.Kind {
	case Accounts:
		keepValid(it, before, &b.Accounts, buildAccount(it))
	case Contacts:
		keepValid(it, before, &b.Contacts, buildContact(it))
	case Events:
		keepValid(it, before, &b.Events, buildEvent(it))
	case Team:
		keepValid(it, before, &b.Team, buildTeamMember(it))
	case Suppressions:
		keepValid(it, before, &b.Suppressions, buildSuppression(it))
	}
	if len(it.errs.Errors) == before {
		b.Positions = append(b.Positions, it.pos)
	}
}

// keepValid appends v, just built from it, to list unless building it
// added errors to the ones it had before.
func keepValid[T any](it *item, before int, list *[]T, v T) {
	if len(it.errs.Errors) == before {
		*list = append(*list, v)
	}
}

func buildAccount(it *item) outreach.Account {
	a := outreach.Account{
		ExternalID: it.str("external_id"),
		Name:       it.str("name"),
		OwnerEmail: it.email("owner_email"),
		Plan:       it.str("plan"),
		Timezone:   it.timezone("timezone"),
		Attributes: it.obj,
	}
	var err error
	if a.StartedAt, err = outreach.ParseDateOrTime(it.str("started_at")); err != nil {
		it.fail("started_at", "%v", err)
	}
	if a.RenewalDate, err = outreach.ParseDate(it.str("renewal_date")); err != nil {
		it.fail("renewal_date", "%v", err)
	}
	if a.PausedUntil, err = outreach.ParseTime(it.str("paused_until")); err != nil {
		it.fail("paused_until", "%v", err)
	}
	it.check(a.Validate())
	return a
}

func buildContact(it *item) outreach.Contact {
	c := outreach.Contact{
		ExternalID:        it.str("external_id"),
		AccountExternalID: it.str("account_external_id"),
		// Email may be left out to update a known contact by external_id;
		// the store refuses a new contact without one.
		Email:      it.email("email"),
		Name:       it.str("name"),
		Role:       strings.ToLower(it.str("role")),
		Timezone:   it.timezone("timezone"),
		Status:     it.str("status"),
		Attributes: it.obj,
	}
	var err error
	if c.Locale, err = outreach.NormalizeLocale(it.str("locale")); err != nil {
		it.fail("locale", "%v", err)
	}
	if c.LastSeenAt, err = outreach.ParseTime(it.str("last_seen_at")); err != nil {
		it.fail("last_seen_at", "%v", err)
	}
	it.check(c.Validate())
	return c
}

func buildEvent(it *item) outreach.Event {
	e := outreach.Event{
		ID:                it.str("id"),
		Type:              it.str("type"),
		ContactExternalID: it.str("contact_external_id"),
		AccountExternalID: it.str("account_external_id"),
		Properties:        it.obj,
	}
	if t, err := outreach.ParseTime(it.str("occurred_at")); err != nil {
		it.fail("occurred_at", "%v", err)
	} else if t != nil {
		e.OccurredAt = *t
	}
	it.check(e.Validate())
	return e
}

func buildTeamMember(it *item) outreach.TeamMember {
	m := outreach.TeamMember{
		Email:          it.email("email"),
		Name:           it.str("name"),
		Timezone:       it.timezone("timezone"),
		DigestSchedule: it.str("digest_schedule"),
		ConsoleRole:    strings.ToLower(it.str("console_role")),
	}
	var err error
	if m.Locale, err = outreach.NormalizeLocale(it.str("locale")); err != nil {
		it.fail("locale", "%v", err)
	}
	if m.ConsoleRole != "" && !outreach.ValidConsoleRole(m.ConsoleRole) {
		it.fail("console_role", "%q is not a console role: use admin, marketing, cs, or none to remove access", m.ConsoleRole)
	}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"slack_webhook_url", &m.SlackWebhookURL}, {"teams_webhook_url", &m.TeamsWebhookURL}} {
		v := strings.TrimSpace(it.str(f.name))
		if v == "" {
			continue
		}
		// Private targets are checked when the post is made (the server's
		// OUTREACH_ALLOW_PRIVATE_TARGETS); here only the form.
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			it.fail(f.name, "%q is not an http(s) URL: paste the incoming-webhook URL from Slack or Teams", v)
			continue
		}
		*f.dst = v
	}
	if m.DigestSchedule != "" {
		if err := checkDigestSchedule(m.DigestSchedule); err != nil {
			it.fail("digest_schedule", "%v", err)
		}
	}
	it.check(m.Validate())
	return m
}

func buildSuppression(it *item) outreach.Suppression {
	s := outreach.Suppression{
		Email:  it.email("email"),
		Scope:  strings.ToLower(it.str("scope")),
		Reason: it.str("reason"),
	}
	it.check(s.Validate())
	return s
}

// objectFromJSON validates that raw holds a JSON object and returns it.
func objectFromJSON(raw []byte) (map[string]any, error) {
	v, err := decodeValue(raw)
	if err != nil {
		return nil, err
	}
	if v == nil {
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("must be a JSON object, like {\"key\": \"value\"}")
	}
	return m, nil
}

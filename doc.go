// Package outreach holds the domain of the outreach service: accounts,
// contacts, events, team members, suppressions, deliveries and decisions,
// the errors the rest of the program speaks, and the interfaces that the
// infrastructure packages (store, sendgrid, httpapi) implement.
//
// The root package imports no database, HTTP, SendGrid or cron package.
// Infrastructure packages import it and never each other; cmd/outreach wires
// them together.
//
// Rules that several packages apply have their one home here: what an
// email address is and how a log writes one (address.go:
// CanonicalEmail, RedactEmail), how text that people typed goes into a
// plain-text email (typedtext.go: PlainLine, PlainQuote), and what the
// erasure of a contact removes from stored mail (erasure.go:
// ErasedPerson.Redact).
package outreach

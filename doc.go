// Package outreach holds the domain of the outreach service: accounts,
// contacts, events, team members, suppressions, deliveries and decisions,
// the errors the rest of the program speaks, and the interfaces that the
// infrastructure packages (store, sendgrid, httpapi) implement.
//
// The root package imports no database, HTTP, SendGrid or cron package.
// Infrastructure packages import it and never each other; cmd/outreach wires
// them together.
package outreach

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
// ErasedPerson.Redact), which scope of suppression stops which category
// and how a stop is worded (suppression.go: Suppresses, StoppedBy,
// Suppression.Describe), the recipient's timezone (zone.go: RecipientZone,
// Locations), the locale fallback (locale.go: ResolveLocale,
// CanonicalLocale), the ttl default and parsed schedules (campaign.go:
// TTLOrDefault, Schedule, parsed once by package cronspec), the sender
// identity (identity.go: ResolveSender), and what each ingested entity
// must hold (entities.go: the Validate methods). docs/architecture.md maps
// every rule to its home.
//
// Store interfaces have one home each. A slice of the store that a service
// contract names, or that two packages use, is declared here (IngestStore,
// ContactStore, TokenStore, PackStore, SettingStore, FeedbackStore,
// AuditStore, ListStore, AlertStore, CaseStore, WebhookStore,
// PackDraftStore), and so is any method that two such slices share, as a
// one-method interface they embed (Suppressor, PackActivator,
// AccountPauser): ActivatePack, for one, is declared once, in
// PackActivator. A package that alone needs a slice of its own declares it
// itself (dispatch.Store, scheduler.Store, scheduler.PackApplier,
// digest.Store, digest.RunnerStore, httpapi.PauseStore,
// httpapi.ResponseStore) and embeds the root interface for any method
// declared here, so no store method is declared, or documented, twice.
//
// The services that act on the active pack take it in the domain's terms:
// the scheduler an *outreach.Pack, the dispatcher the pack and a Renderer
// of its templates (render.go: MessageData, RenderedMessage). Package
// campaigns loads a pack, package templates implements Renderer, and cmd
// wires them in.
package outreach

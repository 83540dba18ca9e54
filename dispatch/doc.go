// Package dispatch sends the deliveries that are due: it claims contacts
// with due deliveries, decides each contact's deliveries with the throttle
// against one read of its history, reserves the slots, renders, sends and
// records. Every replica runs a Dispatcher continuously (Run); simulate
// drives one on a virtual clock (Step, NextDue).
//
//	            one transaction per claim (Batch contacts)
//	┌────────────────────────────────────────────────────────────┐
//	│ claim contacts with planned deliveries due at now          │
//	│   PostgreSQL: FOR UPDATE SKIP LOCKED (held ones skipped)   │
//	│ read the due deliveries (and their events' properties)     │
//	│ lock the accounts of contacts with a survey due FOR UPDATE │
//	│   in id order (account survey cap)                         │
//	│ read: history, account surveys,                            │
//	│       suppressions, pause, timezones     (fixed # queries) │
//	│ decide per contact: active pack (priority, ttl, removed?)  │
//	│       → throttle.Decide                                    │
//	│ write: sent → sending (reserved_at, claimed_by, heartbeat) │
//	│        deferred → not_before = until; dropped; suppressed  │
//	│        + one decision row each                             │
//	└───────────────────────────────┬────────────────────────────┘
//	                                │ commit, then outside any tx
//	                                ▼
//	Workers senders, one delivery at a time: render (template, survey
//	   links, unsubscribe) → Sender.Send → one recorder: FinishSends
//	   (one statement per batch of results)
//	      202      → sent (sent_at, message_id)
//	      429/5xx  → released (sending, claimed_by '', not_before =
//	                 now + backoff honouring Retry-After) while
//	                 before expires_at, else failed; the retry claim
//	                 suppresses it if its address was suppressed since
//	      other    → failed with the provider's message
//
// A reserved delivery stays "sending" with its slot counted in the caps
// until it is sent or failed. Run refreshes the heartbeat of its in-flight
// deliveries; Recover settles those of dead processes (heartbeat older than
// Lease): a processed webhook event marks them sent, else after Grace they
// are sent again, or, without a webhook, failed "outcome unknown". A local,
// idempotent sender (the .eml outbox, outreach.IdempotentSender) knows
// instead: a written message is sent, a missing one is sent now, and
// writing it again is a no-op, so the outbox is exactly-once.
//
// The dispatcher depends on the domain only: Pack returns the active
// outreach.Pack and its outreach.Renderer, read together once per claim and
// once per send, and the message is described to the renderer as an
// outreach.MessageData. cmd wires campaigns.Loaded.PackAndTemplates (whose
// templates.Set renders) into it.
//
// With Config.DryRun every decision is recorded and reserved deliveries are
// marked sent with a "dry-run:" message id, but nothing leaves the process.
package dispatch

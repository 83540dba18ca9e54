// Package digest builds, renders and sends the customer-success digest: one
// email per team member and period covering the accounts they own
// (accounts.owner_email).
//
//	Runner.Tick(now) ── for each member whose cron fired since their last digest
//	   │
//	   ├─ Build:  store.DigestData (one query per section) ─> Assemble (pure) ─> *Digest
//	   ├─ Render: text/template + html/template, signed /p/{token} pause links
//	   ├─ store.InsertDigest (ON CONFLICT DO NOTHING: only the inserter goes on)
//	   └─ Sender.Send unless Empty ─> store.FinishDigest(sent | failed)
//
// Sections, each left out when empty: feedback (detractors first with their
// comments, NPS per account and overall with the change from the previous
// period of the same length, and apart the answers to CSAT campaigns, which
// count in no NPS: outreach.Pack.IsCSAT on the active pack), renewals in the next 30/60/90 days with each
// account's latest NPS, people (contacts who went quiet and milestones),
// automation (sent, failed, deferred, dropped; planned for the 7 days from
// the period end, and apart the overdue ones: planned, due before the
// period end and not expired) and bounces, spam reports and unsubscribes. A digest with nothing in
// it is stored as "empty" and not sent.
//
// The period of a digest runs from the previous digest's end (7 days back
// for the first) to the latest fire of the member's cron, evaluated in the
// member's timezone or else the policy's. Digests are not deliveries: they
// have their own table, never count toward a customer's budget, and are sent
// as transactional mail (campaign "digest") through the same Sender.
//
// The package reads the database only through the Store interfaces and
// takes time as an argument, so simulate can drive it on a virtual clock
// (NextWake) and tests need no sleeps.
package digest

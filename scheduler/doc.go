// Package scheduler is the leader's clock-driven work: it turns events and
// schedules into planned deliveries. It reads no clock of its own: Tick
// receives the time, so tests and `outreach simulate` drive it with a
// virtual clock and serve's Run turns wall time (OUTREACH_TICK) into ticks.
//
//	            OUTREACH_TICK (serve) or virtual clock (simulate, tests)
//	                             │ now
//	                             ▼
//	Leader.IsLeader ──yes──> Scheduler.Tick(ctx, now)
//	(PG advisory lock or lease)  │
//	     ┌───────────────────────┴──────────────────────────┐
//	     ▼                                                  ▼
//	events WHERE planned_at IS NULL                 schedules of the pack
//	ORDER BY seq LIMIT 1000                         cron.Next(last fire) <= now ?
//	(FOR UPDATE SKIP LOCKED on PG)                  (last fire: schedule_fires,
//	     │ campaigns.EventMatches / EventOccurrence  else the campaign's since)
//	     │ due = occurred_at + delay                        │ CAS last fire -> now
//	     │ stale (due + ttl < now) -> counted, skipped      │ audience in SQL
//	     ▼                                                  ▼
//	INSERT INTO deliveries SELECT ... FROM targets/audience
//	  JOIN contacts (active) JOIN accounts, filter (roles, plans, locales),
//	  NOT EXISTS cooldown, id = UUIDv5(campaign:contact:occurrence)
//	  ON CONFLICT (id) DO NOTHING
//	     │ (events batch: UPDATE events SET planned_at = now, same transaction)
//	     ▼
//	deliveries (state planned, not_before = due) ──> dispatch (not part of Tick)
//
// # Exactly once, without coordination
//
// A delivery's id is the UUIDv5 of campaign, contact and occurrence,
// computed in SQL, and every insert is ON CONFLICT DO NOTHING: planning
// twice, or on two replicas at once, plans nothing twice. Events are found
// by planned_at IS NULL (with a partial index), never by a sequence cursor,
// so an event whose transaction commits after a later one is planned at the
// next tick. A schedule's last fire moves by compare-and-set in the same
// transaction as its audience insert, so a tick fires it once, and a
// schedule missed during downtime fires once on start, not once per missed
// fire time.
//
// # Packs
//
// ApplyPack stores the active pack (version + content hash) and records
// when each campaign first appeared: a new campaign's event trigger applies
// to events ingested from then on (the very first pack's campaigns apply to
// everything stored, subject to ttl), and its schedule counts from then.
// Campaigns removed from the pack have their planned deliveries dropped
// with the reason "campaign removed".
//
// # Leadership
//
// Only the leader ticks. On PostgreSQL store.Leader holds a session
// advisory lock on a dedicated connection; a killed leader's connection
// drops, the server frees the lock and another replica takes it at its next
// try (every store.LeaderRetry, 5 s; Run asks every LeaderPoll). An old
// leader that has not yet noticed its loss may tick once more: harmless,
// since planning is idempotent. With OUTREACH_LEADER=lease (PgBouncer in
// transaction mode) store.Lease holds a row of the leases table instead,
// renewed from a keepalive; it implements LeaderTerm, so a tick runs under
// a context that ends when the lease can no longer be trusted, before it
// expires. On SQLite the process is the leader.
//
// # The pack in force
//
// Scheduler.Refresh (serve: load the stored active pack when its version
// is newer than Pack's) runs at the start of every tick, so a leader never
// plans with a pack older than the one another replica activated.
package scheduler

// Package throttle decides, for one contact at one instant, what happens to
// each of its due deliveries: sent now, deferred until an instant, dropped,
// or suppressed, each with a reason a person can read. It is a pure function
// of the policy, the contact's and account's reservations ("slots"), the
// contact's suppressions, the account's pause and the clock; it imports no
// database, HTTP or mail package. The dispatcher reads one contact's history
// in one query (HistoryWindow says how far back), calls Decide, and writes
// the outcomes and reservations in the same transaction, which is what makes
// the caps atomic across replicas.
//
// # Order
//
// Dues are decided in order of priority (highest first), then due time,
// then delivery id. A sent outcome reserves a slot at Now before the next
// due is decided, so when two deliveries compete for the last slot the
// higher priority one is sent and the other is deferred to when the cap
// frees.
//
// # Per delivery
//
//	suppressed? ── hard suppression, or `all`/category (not transactional)
//	     │no
//	start := Now, or PausedUntil when the account is paused
//	     │
//	exempt category? ── yes: dropped if start > DueAt+TTL, else sent at
//	     │               start (or deferred to PausedUntil)
//	     │no
//	t := earliest(start, rules)      rules: max_per_day, max_per_week,
//	     │                                  min_gap, survey cooldown,
//	     │                                  account survey cap, send window
//	t > DueAt+TTL ── dropped, saying which rules pushed it there
//	t == Now      ── sent (slot reserved at Now)
//	otherwise     ── deferred until t
//
// # The earliest allowed instant
//
// Every rule is a function next(t) returning the earliest instant t' >= t
// it allows. earliest starts from the candidate and applies each rule in
// turn, moving the candidate forward, until a full pass moves nothing: a
// fixpoint. The instant is computed, never searched for by stepping through
// time.
//
// The caps are monotone: a slot at s counts for a candidate t while
// s > t - window, so as t grows slots only leave the window, and the set of
// instants a cap allows is an interval [threshold, ∞). The threshold is
// closed-form: with limit N, it is the N-th most recent slot plus the
// window (min_gap and the survey cooldown are caps of one). The pause is an
// interval too, [PausedUntil, ∞).
//
// The send window (quiet hours and business days in the recipient's local
// time) is periodic, not monotone. Its next(t) walks only the instants at
// which its answer can turn from "no" to "yes": the wall-clock end of quiet
// hours, local midnight (a new weekday), and changes of UTC offset (DST).
// Wall-clock instants are built with the location's rules, so 09:00 on a
// spring-forward day is 09:00 daylight time; a wall time inside a DST gap
// maps to the first instant after the gap, and one repeated by a fall-back
// is tried at both of its instants. A valid policy reaches an open window
// within a week: at most 7 midnights, one end of quiet hours and a couple
// of offset changes, so the walk is bounded.
//
// Why the fixpoint settles after two passes, and why it is the earliest:
// the allowed set of all caps together is [T, ∞) with T the largest
// threshold, and the first pass lands on some t >= T (each cap moves the
// candidate to its own threshold at most, and a cap once satisfied stays
// satisfied as t grows). The send window then moves t to its first open
// instant at or after it, which no cap can object to, so the second pass
// moves nothing. Every allowed instant is >= T and open, and the send
// window's walk returns the first open instant >= its input, so the result
// is the earliest instant every rule allows. earliest still bounds the
// passes by the number of rules plus two and reports failure rather than
// looping, for policies that ValidatePolicy rejects.
//
// # Timezones
//
// The recipient's zone is the contact's timezone, else the account's, else
// the policy's, else UTC (Location). When it falls back, reasons say so:
// "no timezone on contact or account: using policy timezone UTC". Caps are
// rolling windows of absolute time (24 h is 24 h even across DST); only the
// send window is local.
//
// # Reasons
//
// Reasons answer "why didn't Jane get the NPS survey?". They name the
// rule, its limit and the slots that fill it, every instant in the
// recipient's zone with its abbreviation. The per-contact rules
// (max_per_day, max_per_week, min_gap, survey cooldown) count the contact's
// own mail and say so; the account survey cap counts the surveys of every
// contact of the account, so each of its slots names the campaign and the
// recipient's email address (Slot.Recipient, and Input.Recipient for the
// contact's own slots):
//
//	max_per_week 3 reached: sent to this contact 2026-03-02 10:00 UTC
//	(renewal-reminder), 2026-03-03 10:00 UTC (csat-support), 2026-03-05
//	10:00 UTC (nps-qbr); frees at 2026-03-09 10:00 UTC
//
//	account max_surveys_per_week 2 reached: surveys to the account's
//	contacts 2026-11-23 09:36 NZDT (surv-a to nz1@c.example), 2026-11-23
//	09:36 NZDT (surv-b to nz2@c.example); frees at 2026-11-30 09:36 NZDT
//
// The send window names the parts that hold at the local time it reports
// (quiet hours, business days, or both), and a part that only holds later
// with the local time it takes over:
//
//	quiet hours 19:00–09:00 in America/Sao_Paulo (contact timezone): local
//	time 21:14; next allowed 2026-03-03 09:00 -03
//
//	business days mon–fri in Pacific/Auckland (contact timezone): local
//	time Sun 12:36, then quiet hours 19:00–09:00 at local time Mon 00:00;
//	next allowed 2026-11-30 09:00 NZDT
//
// When several rules push a delivery back, their sentences are joined with
// "; then " in the order they applied.
//
// # The binding rule
//
// A deferred or dropped outcome also names one rule (Outcome.Rule, the
// outreach.Rule* names, which are the policy's keys): the binding one, whose
// earliest allowed instant is the latest. The fixpoint only moves the
// candidate forward, so that is the rule that moved it last; when nothing
// moved it, the account pause (account_paused) or, for a delivery already
// past due + ttl, ttl. Within the send window, business_days binds when the
// wait crosses a day off (Friday 20:00 → Monday 09:00) and quiet_hours
// otherwise (Tuesday 21:00 → Wednesday 09:00). A delivery dropped because
// a rule pushed it past its ttl names that rule, not ttl: that is the rule
// to change to get it sent. `outreach simulate` counts decisions per
// campaign and rule.
package throttle

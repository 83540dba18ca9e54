// Package simulate forecasts a campaign pack: it runs the real planner
// (scheduler), throttle and dispatcher over a window of days on a virtual
// clock, against a fresh store (in-memory SQLite by default) and a
// recording sender, and reports every decision.
//
//	load people and suppressions at From, apply the pack
//	      │
//	      ▼
//	┌─> load the events that occurred by now (and, safely, a little ahead)
//	│     │
//	│     ▼
//	│   scheduler.Tick(now)    plan event triggers, fire due schedules
//	│   dispatch.Step(now)     claim → throttle → reserve → render → send
//	│   digest.Runner.Tick     the team's digests due now (with Team)
//	│     │
//	│     ▼
//	└── now = min(next event, next schedule fire, next due delivery,
//	              next digest, next day)      until From + Days
//	      │
//	      ▼
//	decisions JOIN deliveries, contacts, accounts ORDER BY at
//	      ├─> JSONL decision log (streamed), digest lines merged in
//	      └─> Summary: per campaign planned/sent/deferred/dropped/
//	          suppressed, per contact max sent in any 24 h and 7 days
//
// The clock jumps from one due instant to the next, so 90 days of a large
// customer base take seconds, not 90 days; and since nothing reads the
// wall clock, the same input always gives the same log.
//
// With Options.Answers, customers answer a seeded share of the surveys at
// the start of each day, so that digests and the NPS API have something to
// show.
//
// History before From is loaded at From: the planner skips occurrences
// already past their ttl (Result.Stale) instead of firing a year of
// surveys at once.
package simulate

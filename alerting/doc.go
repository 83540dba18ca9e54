// Package alerting runs the feedback loop after a survey answer: it matches
// recorded answers against the pack's alert rules, opens or extends the
// follow-up case of the account, and tells the team within a minute.
//
//	answer (POST /s/{token}) ── store: survey_responses + answer_queue
//	      │
//	Tick: ProcessAnswers ── rules match (outreach.MatchAlerts) ──> case (one open per
//	      │                 account and rule) + alert (one pending per account
//	      │                 and rule: a burst of answers is one alert)
//	      ├─ FireAlerts (alert.fire_at = first answer + Window) ──> notifications
//	      │     rendered once: email (Sender), Slack blocks, Teams card
//	      └─ deliver: claim due notifications (SKIP LOCKED), send or post,
//	            retry with backoff for outreach.NotificationRetryFor
//
// Every step is a store transaction that any replica may run. Alert
// emails are internal mail: they have no delivery row and count toward no
// customer's budget. The package knows no SQL and no HTTP: the store, the
// Sender and the Poster (package notify) are interfaces.
package alerting

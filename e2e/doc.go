// Package e2e holds process-level tests of `outreach serve`: they build
// ./cmd/outreach once with `go build`, run real processes against a fresh
// PostgreSQL database (internal/pgtest) and a fake SendGrid
// (sendgrid/sgfake), and check the promises that only whole processes can
// show:
//
//   - two replicas on one database never exceed a contact's caps and never
//     send a delivery twice (TestReplicasShareCaps);
//   - a process killed with SIGKILL over and over while it sends loses and
//     duplicates nothing, on PostgreSQL and SQLite: the webhook's processed
//     event settles what SendGrid accepted, the rest is sent again after
//     OUTREACH_SEND_GRACE, and webhook batches never deadlock with the
//     dispatcher's heartbeats and result writes (TestCrashSafety);
//   - the .eml outbox is exactly-once across SIGKILLs: one file per
//     delivery, none failed, none rewritten, no temporary file left
//     (TestOutboxCrashSafety);
//   - SIGHUP applies a new pack and refuses an invalid one, SIGTERM drains
//     and exits 0, pending migrations stop serve (TestReloadAndDrain);
//   - serve --dry-run decides and records everything and sends nothing
//     (TestDryRun).
//
// The package has no non-test code; docs/operations.md explains what the
// tests prove and how to run them:
//
//	go test ./e2e/            # about a minute on 2 cores
//	go test -short ./e2e/     # smaller loads
package e2e

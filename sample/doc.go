// Package sample generates a realistic, deterministic customer base for
// demos, documentation and benchmarks: a team of CSMs with weekly digest
// schedules, companies around the world (plans starter, growth and
// enterprise; renewals spread over the next year; customers for one to
// five years), the people who work there (admin, champion, billing, users)
// with names, languages and timezones that fit where they live, and a
// window of lifecycle events — onboarding completed, QBRs, closed support
// tickets, renewals, milestones and activity — timed during each person's
// working hours.
//
//	d := sample.Generate(42, sample.Options{Accounts: 300, Days: 90})
//	err := d.WriteCSV("data") // accounts.csv contacts.csv events.csv team.csv
//
// The same seed and options always give the same data. Customer domains
// end in the reserved .example top-level domain, so nothing generated here
// can reach a real mailbox.
package sample

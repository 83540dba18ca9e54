// Package campaigns reads and validates campaign packs, the part of outreach
// that marketing edits, and answers the pure questions the planner asks about
// a campaign: does this event trigger it, which occurrence is it, does this
// contact pass its filter.
//
// # A pack
//
// A pack is a directory:
//
//	campaigns.yaml          policy (the shared budget) + the list of campaigns
//	templates/NAME/LOCALE.txt, LOCALE.html
//
// The format is documented for its users in docs/campaigns.md. The default
// pack is embedded (package defaultpack); `outreach init DIR` writes it out
// with WriteDefault.
//
// # Validation
//
// Load never stops at the first problem. campaigns.yaml is parsed to a YAML
// AST (goccy/go-yaml, duplicate keys allowed by the parser so that we can
// report them all) and walked by hand, so that every unknown key, wrong type,
// bad duration or cron spec (one that never fires included), missing key and
// unsatisfiable policy rule is reported with the line and column of the node
// it concerns. A campaign without a valid key is still checked, its
// template included:
//
//	campaigns.yaml ──parse──> AST ──walk──> outreach.Pack ─┐
//	templates/ ──templates.Load──> Set ─────────────────────┼─> cross-checks ─> *Errors
//	                                                        │   (template exists, has en,
//	                                                        │    renders with sample data
//	                                                        └─   for each locale)
//
// Template problems come from package templates with their own file
// positions and are merged in, so `outreach validate` prints one sorted list
// of FILE:LINE:COL: message lines.
//
// # Identity of a pack
//
// Loaded.Files holds the pack's files (campaigns.yaml and everything under
// templates/ except hidden files) and Hash their SHA-256: the store keeps
// both, `serve` compares hashes to know whether the pack changed, and
// FromFiles re-loads a stored pack on another replica.
//
// # Occurrences
//
// A delivery is one campaign, one contact, one occurrence. For event
// triggers the occurrence is the event id, or the value of the campaign's
// dedupe property (EventOccurrence), so that two events about one support
// ticket plan one survey. Scheduled audiences derive theirs from the data
// (the renewal date, the last_seen_at, the anniversary year); the planner
// computes those.
package campaigns

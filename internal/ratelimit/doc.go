// Package ratelimit holds the token bucket that caps how many messages per
// second one process hands to its mail provider (OUTREACH_SEND_RATE). The
// SendGrid and SMTP senders each keep one Bucket shared by all the
// dispatcher's workers; it lives here so that neither sender imports the
// other.
package ratelimit

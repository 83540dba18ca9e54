// Package smtp is the Sender for any SMTP relay (Amazon SES, Postmark,
// Mailgun, Microsoft 365, a company's own server, or Mailpit on a laptop),
// chosen when OUTREACH_SMTP_URL is set and no SendGrid key is. It dials
// and authenticates through github.com/wneessen/go-mail and writes the
// bytes that package mimemail builds, so a message is the same as in the
// .eml outbox.
//
//	dispatcher workers ──Send──► Bucket.Wait (OUTREACH_SEND_RATE)
//	                              │
//	                              ▼
//	               pool of Conns slots (one connection each, reused)
//	                              │ MAIL FROM, RCPT TO, DATA, message, "."
//	                              ▼
//	                         SMTP server
//
// URL: smtp://[USER:PASS@]HOST:PORT requires STARTTLS; smtps:// is TLS
// from the first byte; ?tls=none (plain SMTP) is accepted only for a
// loopback host. With a user, AUTH PLAIN is used when offered, else AUTH
// LOGIN, never in clear text to another machine.
//
// What a reply means for the delivery (see Sender.Send):
//
//	250 after the final dot          sent (Message-ID = <delivery id@From domain>)
//	4xx at any step                  retried with backoff within the ttl
//	5xx at MAIL, RCPT, DATA or dot   failed, with the server's text
//	refused / lost before the dot    retried (nothing can have been accepted)
//	dot written, no reply            outcome unknown: never resent at once
//	connect, TLS or AUTH failure     retried (the server, not the message)
//
// A pooled connection that the server closed while idle is redialled once,
// transparently, when MAIL FROM finds it dead.
package smtp

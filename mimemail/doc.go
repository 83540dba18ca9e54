// Package mimemail builds the RFC 5322 bytes of an outreach.Message: the
// one MIME builder shared by the senders that hand raw email on (the .eml
// outbox and SMTP), so a message looks the same whichever carries it.
//
//	Message-ID: <delivery id@From domain>   (the same on every attempt)
//	Date, From, Reply-To, To, Subject       (non-ASCII names RFC 2047-encoded)
//	MIME-Version, Content-Type: multipart/alternative
//	X-Outreach-Delivery-ID, X-Outreach-Campaign
//	List-Unsubscribe, List-Unsubscribe-Post (non-transactional mail only)
//
//	--boundary  text/plain; charset=utf-8, quoted-printable   (first)
//	--boundary  text/html;  charset=utf-8, quoted-printable
//
// Both parts end with the postal address (CAN-SPAM) when the rendered body
// lacks it, as SendGrid's sender does. Lines end in CRLF and never exceed
// 78 characters in the header or 76 in a part.
package mimemail

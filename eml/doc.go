// Package eml is the Sender used when neither a SendGrid key nor an SMTP
// URL is configured: it writes each message as an RFC 5322 .eml file
// (multipart/alternative, the text/plain part first, then text/html) into
// a directory, so a first run
// shows real rendered emails that any mail client opens. The bytes come
// from package mimemail, the same builder the SMTP sender uses.
//
// The outbox is exactly-once across crashes. Files are named
// <delivery_id>.eml and written once: a temporary file (.tmp-*.eml) is
// synced and hard-linked into place, so a file exists complete or not at
// all, a reader never sees half a message, and sending a delivery whose
// file exists is a no-op that succeeds. Written tells recovery whether a
// delivery cut off by a crash was written (then it is sent) or not (then
// it is sent now); there is no "outcome unknown" for a local file. Clean,
// called at start, removes the temporary files of a killed process.
package eml

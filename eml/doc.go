// Package eml is the Sender used when neither a SendGrid key nor an SMTP
// URL is configured: it writes each message as an RFC 5322 .eml file
// (multipart/alternative, the text/plain part first, then text/html) into
// a directory, so a first run
// shows real rendered emails that any mail client opens. The bytes come
// from package mimemail, the same builder the SMTP sender uses.
//
// Files are named <delivery_id>.eml and written atomically (a temporary
// file renamed into place), so sending a delivery again replaces its file
// instead of adding a second one, and a reader never sees half a message.
package eml

package outreach

import (
	"html"
	"strings"
)

// Header names every sender tags a message with, so that a bounce, a reply
// or a provider event maps back to its delivery and campaign whichever
// sender carried it (the .eml outbox, SMTP, and SendGrid's custom headers).
const (
	HeaderDeliveryID          = "X-Outreach-Delivery-ID"
	HeaderCampaign            = "X-Outreach-Campaign"
	HeaderListUnsubscribe     = "List-Unsubscribe"
	HeaderListUnsubscribePost = "List-Unsubscribe-Post"
	// ListUnsubscribeOneClick is the value of List-Unsubscribe-Post that
	// asks for RFC 8058 one-click unsubscription.
	ListUnsubscribeOneClick = "List-Unsubscribe=One-Click"
)

// MessageID returns the Message-ID of a message: <id@domain of from>, or
// @outreach.invalid when from has no domain. It is derived from the
// delivery id alone (and the sender's domain), so every attempt at one
// delivery carries the same Message-ID and a receiver can tell a resend
// from a second email.
func MessageID(deliveryID, from string) string {
	domain := "outreach.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = strings.TrimRight(from[i+1:], ">")
	}
	return "<" + deliveryID + "@" + domain + ">"
}

// ListUnsubscribe returns the List-Unsubscribe value of m (https URL, then
// mailto) and true, or "" and false for transactional mail and messages
// without an unsubscribe URL. Non-transactional mail with a value also
// carries List-Unsubscribe-Post: List-Unsubscribe=One-Click (RFC 8058).
func (m *Message) ListUnsubscribe() (string, bool) {
	if m.Transactional() || m.UnsubscribeURL == "" {
		return "", false
	}
	list := "<" + m.UnsubscribeURL + ">"
	if to := m.UnsubscribeMailto; to != "" {
		if !strings.HasPrefix(strings.ToLower(to), "mailto:") {
			to = "mailto:" + to
		}
		list += ", <" + to + ">"
	}
	return list, true
}

// TextWithFooter returns text, with the postal address (CAN-SPAM)
// appended when the text does not already contain it. Every sender applies
// it, so a template that forgot the address still sends a lawful email.
func TextWithFooter(text, address string) string {
	address = strings.TrimSpace(address)
	if address == "" || strings.Contains(text, address) {
		return text
	}
	return strings.TrimRight(text, "\r\n") + "\n\n--\n" + address + "\n"
}

// HTMLWithFooter returns doc, with the postal address added as a footer
// paragraph (before </body> when there is one) when the HTML contains the
// address neither as is nor escaped nor with <br> line breaks.
func HTMLWithFooter(doc, address string) string {
	address = strings.TrimSpace(address)
	if address == "" {
		return doc
	}
	lines := strings.Split(address, "\n")
	for i, l := range lines {
		lines[i] = html.EscapeString(strings.TrimSpace(l))
	}
	for _, form := range []string{address, html.EscapeString(address), strings.Join(lines, "<br>"), strings.Join(lines, "<br/>"), strings.Join(lines, "<br />")} {
		if strings.Contains(doc, form) {
			return doc
		}
	}
	footer := `<p class="postal-address" style="color:#666;font-size:12px">` + strings.Join(lines, "<br>") + "</p>"
	if i := strings.LastIndex(strings.ToLower(doc), "</body>"); i >= 0 {
		return doc[:i] + footer + doc[i:]
	}
	return doc + footer
}

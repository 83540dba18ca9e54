package dispatch

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/links"
)

// errCampaignGone fails a reserved delivery whose campaign left the pack
// between the decision and the send.
var errCampaignGone = errors.New("campaign removed from the active pack before sending")

// message renders a reserved delivery into the email to send at now: the
// sender identity of the campaign and policy (From, Reply-To; owner = the
// account's owner), the active pack's template in the contact's locale,
// survey links for surveys, and the unsubscribe link and mailto on
// non-transactional mail.
func (d *Dispatcher) message(pack *outreach.Pack, r outreach.Renderer, rd *outreach.ReservedDelivery, now time.Time) (*outreach.Message, error) {
	cfg := d.cfg()
	del := &rd.Delivery
	c := pack.Campaign(del.Campaign)
	if c == nil {
		return nil, errCampaignGone
	}
	data := &outreach.MessageData{
		Contact:       &rd.Contact,
		Account:       &rd.Account,
		Campaign:      c,
		Category:      del.Category,
		Event:         rd.EventProperties,
		Occurrence:    del.Occurrence,
		PostalAddress: cfg.PostalAddress,
		Now:           now,
		Location:      d.zones.Recipient(rd.Contact.Timezone, rd.Account.Timezone, pack.Policy.Timezone).Loc,
	}
	base := strings.TrimRight(cfg.PublicURL, "/")
	from, replyTo := c.Sender(&pack.Policy, outreach.Mailbox{Name: cfg.FromName, Address: cfg.From},
		outreach.Mailbox{Name: rd.OwnerName, Address: rd.Account.OwnerEmail})
	m := &outreach.Message{
		DeliveryID: del.ID, Campaign: del.Campaign, Category: del.Category,
		To: rd.Contact.Email, ToName: rd.Contact.Name, From: from.Address, FromName: from.Name,
	}
	if replyTo != nil {
		m.ReplyTo, m.ReplyToName = replyTo.Address, replyTo.Name
	}
	if del.Category != outreach.CategoryTransactional {
		tok := d.Signer.Sign(links.KindUnsubscribe, rd.Contact.Email, time.Time{})
		data.UnsubscribeURL = base + "/u/" + tok
		m.UnsubscribeURL = data.UnsubscribeURL
		m.UnsubscribeMailto = unsubscribeMailto(cfg.UnsubscribeMailto, cfg.From, tok)
	}
	if del.Category == outreach.CategorySurvey {
		// A reminder's links answer the survey it reminds of: answering
		// either email answers both.
		data.Reminder = outreach.IsReminder(del.Occurrence)
		tok := d.Signer.Sign(links.KindSurvey, outreach.RemindedID(del.Campaign, del.ContactID, del.Occurrence), now.Add(links.SurveyValidity))
		data.SurveyLinks = make([]string, 11)
		for n := range data.SurveyLinks {
			data.SurveyLinks[n] = base + "/s/" + tok + "?score=" + strconv.Itoa(n)
		}
	}
	out, err := r.RenderMessage(c.Template, rd.Contact.Locale, data)
	if err != nil {
		return nil, err
	}
	m.Subject, m.Text, m.HTML = out.Subject, out.Text, out.HTML
	return m, nil
}

// unsubscribeMailto is the List-Unsubscribe mailto: the configured
// address, else unsubscribe@ the From domain, with the token in the
// subject so that the inbound handler can verify it.
func unsubscribeMailto(address, from, token string) string {
	if address == "" {
		domain := from[strings.LastIndexByte(from, '@')+1:]
		address = "unsubscribe@" + strings.TrimRight(domain, ">")
	}
	return "mailto:" + address + "?subject=" + url.PathEscape("unsubscribe "+token)
}

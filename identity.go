package outreach

import (
	"fmt"
	"net/mail"
)

// Owner is the from / reply_to value that means the account's owner (the
// CSM in Account.OwnerEmail, named in the team data).
const Owner = "owner"

// Identity is who a campaign's email comes from and where replies go, as
// the pack writes it (campaign, then policy): each an address ("Name
// <addr>" or addr), Owner, or "" to inherit.
type Identity struct {
	From    string
	ReplyTo string
}

// Mailbox is an address with its display name.
type Mailbox struct {
	Name    string
	Address string
}

// CheckIdentityValue reports whether v is a valid from / reply_to value:
// Owner or one email address, optionally with a name.
func CheckIdentityValue(v string) error {
	if v == Owner {
		return nil
	}
	if _, err := ParseMailbox(v); err != nil {
		return fmt.Errorf("%q is neither an email address (e.g. \"Acme CS <cs@acme.example>\") nor owner (the account's owner): %w", v, err)
	}
	return nil
}

// ParseMailbox parses one sender address ("Name <addr>" or addr: a pack's
// from / reply_to, OUTREACH_MAIL_FROM). The address goes through
// CanonicalEmail, the one address rule: a look-alike (zero-width, soft
// hyphen, bidi, mixed-script domain) is refused, and the domain is
// returned in its ASCII form.
func ParseMailbox(v string) (Mailbox, error) {
	a, err := mail.ParseAddress(v)
	if err != nil {
		return Mailbox{}, fmt.Errorf("not an address: %v", err)
	}
	addr, err := CanonicalEmail(a.Address)
	if err != nil {
		return Mailbox{}, err
	}
	return Mailbox{Name: a.Name, Address: addr}, nil
}

// ResolveSender returns the From and Reply-To of an email. layers are
// the campaign's identity, then the policy's (most specific first);
// def is OUTREACH_MAIL_FROM; owner is the account's owner as the team data
// knows them (a zero Mailbox when the account has none, and for mail that
// goes to the owner, such as digests).
//
//   - From: the first address among the layers, else def. When the first
//     value set is owner and the owner has a name, that address is kept
//     (the provider authenticated it) and the owner's name is shown:
//     "Maria Silva" <cs@vendor.example>.
//   - Reply-To: the first value set that applies: an address, or owner
//     when the account has an owner (their address and name); none
//     otherwise, and replies go to From.
//
// Values the pack parser refused never reach here; an unparsable one is
// skipped like an empty one.
func ResolveSender(layers []Identity, def Mailbox, owner Mailbox) (from Mailbox, replyTo *Mailbox) {
	from = def
	for _, l := range layers {
		if l.From == "" || l.From == Owner {
			continue
		}
		if a, err := ParseMailbox(l.From); err == nil {
			from = a
			break
		}
	}
	if i := firstSet(layers); i >= 0 && layers[i].From == Owner && owner.Name != "" {
		from.Name = owner.Name
	}
	for _, l := range layers {
		switch {
		case l.ReplyTo == "":
		case l.ReplyTo == Owner:
			if owner.Address != "" {
				return from, &Mailbox{Name: owner.Name, Address: owner.Address}
			}
		default:
			if a, err := ParseMailbox(l.ReplyTo); err == nil {
				return from, &a
			}
		}
	}
	return from, nil
}

// firstSet returns the index of the first layer whose From is set, or -1.
func firstSet(layers []Identity) int {
	for i, l := range layers {
		if l.From != "" {
			return i
		}
	}
	return -1
}

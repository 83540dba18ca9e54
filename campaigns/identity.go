package campaigns

import (
	"strings"

	outreach "github.com/outreach-dev/outreach"
)

// identityKeys are the sender keys a campaign and the policy accept.
var identityKeys = []string{"from", "reply_to"}

// identity reads from and reply_to of mapping f (a campaign or the
// policy): each Owner or one email address; anything else is reported at
// its position.
func (w *walker) identity(f fields, what string) outreach.Identity {
	var id outreach.Identity
	for _, k := range identityKeys {
		v, node, ok := w.str(f, k, what)
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if err := outreach.CheckIdentityValue(v); err != nil {
			w.errorf(node, "%s: %v", join(what, k), err)
			continue
		}
		if k == "from" {
			id.From = v
		} else {
			id.ReplyTo = v
		}
	}
	return id
}

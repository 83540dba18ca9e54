package httpapi

import (
	"net/http"

	"github.com/outreach-dev/outreach"
)

// sameSite refuses a state change posted by another site's form: the
// resubscribe button of /u and the resume button of /p act on the signed
// link in the URL, which never expires for /u, so a page elsewhere that
// learned a forwarded link must not be able to post it on the person's
// behalf. Go's cross-origin protection reads Sec-Fetch-Site and Origin;
// a request with neither (a mail client's RFC 8058 one-click POST, curl)
// passes, as the link alone is its credential.
func sameSite(r *http.Request) error {
	if err := http.NewCrossOriginProtection().Check(r); err != nil {
		return outreach.Errorf(outreach.EFORBIDDEN, "this change can only be made from the page itself: open the link from the email and use its button")
	}
	return nil
}

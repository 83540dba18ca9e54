package outreach_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestResolveSender(t *testing.T) {
	def := outreach.Mailbox{Name: "Vendor", Address: "outreach@vendor.example"}
	maria := outreach.Mailbox{Name: "Maria Silva", Address: "maria@vendor.example"}
	unnamed := outreach.Mailbox{Address: "bob@vendor.example"}
	id := func(from, reply string) outreach.Identity { return outreach.Identity{From: from, ReplyTo: reply} }
	tests := []struct {
		name            string
		campaign, pol   outreach.Identity
		owner           outreach.Mailbox
		wantFrom, reply string
	}{
		{"nothing set", id("", ""), id("", ""), maria, `"Vendor" <outreach@vendor.example>`, ""},
		{"policy address", id("", ""), id("CS <cs@vendor.example>", "help@vendor.example"), maria, `"CS" <cs@vendor.example>`, "<help@vendor.example>"},
		{"campaign overrides policy", id("Surveys <s@vendor.example>", "owner"), id("CS <cs@vendor.example>", "help@vendor.example"), maria, `"Surveys" <s@vendor.example>`, `"Maria Silva" <maria@vendor.example>`},
		{"from owner keeps the policy address", id("owner", ""), id("CS <cs@vendor.example>", ""), maria, `"Maria Silva" <cs@vendor.example>`, ""},
		{"from owner keeps OUTREACH_MAIL_FROM", id("", "owner"), id("owner", ""), maria, `"Maria Silva" <outreach@vendor.example>`, `"Maria Silva" <maria@vendor.example>`},
		{"no owner: policy values", id("owner", "owner"), id("CS <cs@vendor.example>", "help@vendor.example"), outreach.Mailbox{}, `"CS" <cs@vendor.example>`, "<help@vendor.example>"},
		{"no owner, nothing else: no reply-to", id("owner", "owner"), id("", ""), outreach.Mailbox{}, `"Vendor" <outreach@vendor.example>`, ""},
		{"owner not in the team data: address, no name", id("owner", "owner"), id("", ""), unnamed, `"Vendor" <outreach@vendor.example>`, "<bob@vendor.example>"},
	}
	for _, tt := range tests {
		from, reply := outreach.ResolveSender([]outreach.Identity{tt.campaign, tt.pol}, def, tt.owner)
		gotFrom := (&outreachAddr{from}).String()
		gotReply := ""
		if reply != nil {
			gotReply = (&outreachAddr{*reply}).String()
		}
		if gotFrom != tt.wantFrom || gotReply != tt.reply {
			t.Errorf("%s: From %s, Reply-To %q; want %s, %q", tt.name, gotFrom, gotReply, tt.wantFrom, tt.reply)
		}
	}
}

type outreachAddr struct{ m outreach.Mailbox }

func (a *outreachAddr) String() string {
	if a.m.Name == "" {
		return "<" + a.m.Address + ">"
	}
	return `"` + a.m.Name + `" <` + a.m.Address + ">"
}

func TestCheckIdentityValue(t *testing.T) {
	for _, ok := range []string{"owner", "cs@vendor.example", "Maria Silva <maria@vendor.example>"} {
		if err := outreach.CheckIdentityValue(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	// Look-alikes go through the one address rule (CanonicalEmail).
	for _, bad := range []string{"Owner", "maria", "a@b.example, c@d.example", "",
		"cs@ven\u00addor.example", "Acme <cs\u200b@vendor.example>", "cs@v\u0435ndor.example", "cs@vendor\u202e.example"} {
		if err := outreach.CheckIdentityValue(bad); err == nil || !strings.Contains(err.Error(), "owner") {
			t.Errorf("%q: %v; want an error that names the choices", bad, err)
		}
	}
}

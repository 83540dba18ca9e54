package main

import (
	"context"
	"flag"
	"fmt"
	"strings"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/campaigns"
	"github.com/outreach-dev/outreach/console"
	"github.com/outreach-dev/outreach/httpapi"
	"github.com/outreach-dev/outreach/store"
)

// Limits of console sign-in requests: per client address a burst of 10
// then one a minute; per email address a burst of 3 then one every five
// minutes (each one mails a link).
const (
	consoleIPRate, consoleIPBurst     = 1.0 / 60, 10
	consoleAddrRate, consoleAddrBurst = 1.0 / 300, 3
	consoleLimitClients               = 10000
)

func (m *Main) consoleLinkCommand() *command {
	var email string
	return &command{
		Usage:   "console-link --email EMAIL",
		Summary: "print a one-time sign-in link to the console (15 minutes) for a team member with a console_role",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&email, "email", "", "the team member's email address")
		},
		Run: func(ctx context.Context, args []string) error {
			if err := wantArgs(args, 0, "console-link --email EMAIL"); err != nil {
				return err
			}
			email = strings.TrimSpace(email)
			if email == "" {
				return fmt.Errorf("--email is required: the address of a team member with a console_role")
			}
			db, err := m.openExisting(ctx)
			if err != nil {
				return err
			}
			link, err := console.IssueSignIn(ctx, db, m.Config.PublicURL, email, m.Now())
			if outreach.ErrorCode(err) == outreach.ENOTFOUND {
				return fmt.Errorf("no team member has email %s: import them with `outreach import team` (with a console_role column)", email)
			}
			if err != nil {
				return err
			}
			fmt.Fprintln(m.Stdout, link)
			fmt.Fprintf(m.Stderr, "the link works once, within %v\n", outreach.SignInTTL)
			return nil
		},
	}
}

// consoleServer builds the console over the request pool apiDB, mailing
// sign-in links through the process's sender.
func (m *Main) consoleServer(apiDB *store.DB, sender outreach.Sender, pack func() *campaigns.Loaded) (*console.Server, error) {
	from, fromName, err := splitFrom(m.Config.MailFrom)
	if err != nil {
		return nil, err
	}
	byIP, err := httpapi.NewLimiter(consoleIPRate, consoleIPBurst, consoleLimitClients, m.Now)
	if err != nil {
		return nil, err
	}
	byAddr, err := httpapi.NewLimiter(consoleAddrRate, consoleAddrBurst, consoleLimitClients, m.Now)
	if err != nil {
		return nil, err
	}
	return &console.Server{
		Store: apiDB, Sender: sender, MailFrom: from, MailFromName: fromName,
		PublicURL: m.Config.PublicURL, LimitIP: byIP, LimitAddress: byAddr,
		ClientIP: httpapi.ClientAddr, Pack: pack, PostalAddress: m.Config.PostalAddress, Now: m.Now, Logger: m.Logger,
	}, nil
}

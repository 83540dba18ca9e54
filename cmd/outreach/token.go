package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/httpapi"
)

func (m *Main) tokenCommand() *command {
	var name, scope string
	return &command{
		Usage:   "token create --name N [--scope ingest|admin] | token list | token revoke NAME",
		Summary: "manage API tokens (only their hashes are stored)",
		Flags: func(fs *flag.FlagSet) {
			fs.StringVar(&name, "name", "", "token name (create)")
			fs.StringVar(&scope, "scope", outreach.ScopeIngest, "token scope: ingest (may only POST data) or admin (create)")
		},
		Run: func(ctx context.Context, args []string) error {
			if len(args) == 0 {
				return fmt.Errorf("usage: outreach token create --name N [--scope ingest|admin] | list | revoke NAME")
			}
			switch args[0] {
			case "create":
				if err := wantArgs(args, 1, "token create --name N [--scope ingest|admin]"); err != nil {
					return err
				}
				return m.tokenCreate(ctx, name, scope)
			case "list":
				if err := wantArgs(args, 1, "token list"); err != nil {
					return err
				}
				return m.tokenList(ctx)
			case "revoke":
				if err := wantArgs(args, 2, "token revoke NAME"); err != nil {
					return err
				}
				return m.tokenRevoke(ctx, args[1])
			}
			return fmt.Errorf("unknown token command %q: use create, list or revoke", args[0])
		},
	}
}

// newTokenSecret returns a random token: "otk_" and 32 random bytes.
func newTokenSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("generate token: %w", err)
	}
	return "otk_" + base64.RawURLEncoding.EncodeToString(b), nil
}

func (m *Main) tokenCreate(ctx context.Context, name, scope string) error {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 64 || strings.ContainsAny(name, " \t\r\n") {
		return fmt.Errorf("--name is required: a short name without spaces, such as crm-sync")
	}
	if scope != outreach.ScopeIngest && scope != outreach.ScopeAdmin {
		return fmt.Errorf("--scope %q: use ingest or admin", scope)
	}
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	secret, err := newTokenSecret()
	if err != nil {
		return err
	}
	t := outreach.Token{Name: name, Scope: scope, Hash: httpapi.HashToken(secret), CreatedAt: m.Now().UTC()}
	if err := db.CreateToken(ctx, t); err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, secret)
	fmt.Fprintf(m.Stderr, "created %s token %q: copy it now, it is not shown again\n", scope, name)
	return nil
}

func (m *Main) tokenList(ctx context.Context) error {
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	toks, err := db.Tokens(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tSCOPE\tCREATED\tLAST USED\tREVOKED")
	stampOrDash := func(t *time.Time) string {
		if t == nil {
			return "-"
		}
		return t.UTC().Format(time.RFC3339)
	}
	for _, t := range toks {
		lastUsed := stampOrDash(t.LastUsedAt)
		if t.LastUsedAt == nil {
			lastUsed = "never"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Scope, t.CreatedAt.UTC().Format(time.RFC3339), lastUsed, stampOrDash(t.RevokedAt))
	}
	return w.Flush()
}

func (m *Main) tokenRevoke(ctx context.Context, name string) error {
	db, err := m.openStore(ctx)
	if err != nil {
		return err
	}
	if err := db.RevokeToken(ctx, name); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "revoked token %q\n", name)
	return nil
}

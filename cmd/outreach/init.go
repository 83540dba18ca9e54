package main

import (
	"context"
	"fmt"

	"github.com/outreach-dev/outreach/campaigns"
)

func (m *Main) initCommand() *command {
	return &command{
		NoDatabase: true,
		Usage:      "init DIR",
		Summary:    "write the built-in campaign pack (campaigns.yaml + templates/) into DIR to edit it",
		Run:        m.runInit,
	}
}

// runInit writes the embedded default pack into args[0]; it refuses to
// overwrite an existing pack.
func (m *Main) runInit(_ context.Context, args []string) error {
	if err := wantArgs(args, 1, "init DIR"); err != nil {
		return err
	}
	dir := args[0]
	if err := campaigns.WriteDefault(dir); err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "wrote the built-in campaign pack to %s\n", dir)
	fmt.Fprintf(m.Stdout, "edit %s/%s and %s/%s/, check with `outreach validate %s`, run with OUTREACH_CAMPAIGNS=%s\n",
		dir, campaigns.PackFile, dir, campaigns.TemplatesDir, dir, dir)
	return nil
}

package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/outreach-dev/outreach/campaigns"
)

func (m *Main) validateCommand() *command {
	return &command{
		NoDatabase: true,
		Usage:      "validate [DIR]",
		Summary:    "check a campaign pack (default: OUTREACH_CAMPAIGNS, else the built-in pack) and describe its campaigns",
		Run:        m.runValidate,
	}
}

// runValidate loads the pack in args[0] (or the configured one) and prints
// one line per campaign; an invalid pack prints every problem as
// FILE:LINE:COL: message on stderr and fails.
func (m *Main) runValidate(_ context.Context, args []string) error {
	if len(args) > 1 {
		return errors.New("usage: outreach validate [DIR]")
	}
	dir := m.Config.Campaigns
	if len(args) == 1 {
		dir = args[0]
	}
	loaded, err := loadPack(dir)
	if err != nil {
		var perr *campaigns.Errors
		if errors.As(err, &perr) {
			fmt.Fprintln(m.Stderr, perr.Error())
			return fmt.Errorf("campaign pack %s is invalid: %d problem(s), listed above", packName(dir), len(perr.List))
		}
		return err
	}
	for _, c := range loaded.Pack.Campaigns {
		fmt.Fprintln(m.Stdout, campaigns.Describe(c))
	}
	fmt.Fprintf(m.Stderr, "campaign pack %s is valid: %d campaign(s), hash %.12s\n", packName(dir), len(loaded.Pack.Campaigns), loaded.Pack.Hash)
	return nil
}

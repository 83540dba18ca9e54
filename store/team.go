package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/outreach-dev/outreach"
)

// TeamMember returns the team member with email (canonical form), or an
// ENOTFOUND error. preview uses it to show an owner's name as the sender.
func (db *DB) TeamMember(ctx context.Context, email string) (*outreach.TeamMember, error) {
	var m outreach.TeamMember
	err := db.db.QueryRowxContext(ctx, db.rebind(`SELECT email, name, timezone, digest_schedule, console_role, locale FROM team_members WHERE email = ?`), email).
		Scan(&m.Email, &m.Name, &m.Timezone, &m.DigestSchedule, &m.ConsoleRole, &m.Locale)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, outreach.Errorf(outreach.ENOTFOUND, "no team member has email %s", email)
	}
	if err != nil {
		return nil, fmt.Errorf("team member: %w", err)
	}
	return &m, nil
}

package simulate

import (
	"context"
	"time"

	"github.com/outreach-dev/outreach/store"
)

// reports is what a simulation reads back from its store to write its
// decision log and summary and to answer surveys: read-only queries that
// live, like all SQL, in the store.
type reports interface {
	EachDecision(ctx context.Context, fn func(*store.DecisionLogRow) error) error
	DeliveryStates(ctx context.Context) ([]store.DeliveryStateCount, error)
	AccountsOwned(ctx context.Context) (map[string]int, error)
	DigestsInState(ctx context.Context, state string) ([]store.DigestSentRow, error)
	DigestStates(ctx context.Context) ([]store.DigestStateCount, error)
	SurveysSent(ctx context.Context, category string, from, to time.Time) ([]store.SentSurvey, error)
}

var _ reports = (*store.DB)(nil)

package httpapi

import (
	"context"
	"time"

	"github.com/outreach-dev/outreach"
)

// Fakes: structs of function fields, each method calling its field.

var _ outreach.IngestStore = (*fakeIngest)(nil)

type fakeIngest struct {
	UpsertAccountsFn  func(ctx context.Context, items []outreach.Account) (outreach.BatchResult, error)
	UpsertContactsFn  func(ctx context.Context, items []outreach.Contact) (outreach.BatchResult, error)
	InsertEventsFn    func(ctx context.Context, items []outreach.Event) (outreach.BatchResult, error)
	UpsertTeamFn      func(ctx context.Context, items []outreach.TeamMember) (outreach.BatchResult, error)
	AddSuppressionsFn func(ctx context.Context, items []outreach.Suppression) (outreach.BatchResult, error)
	LookupRefsFn      func(ctx context.Context, accounts, contacts []string) (outreach.Refs, error)
}

func (f *fakeIngest) UpsertAccounts(ctx context.Context, items []outreach.Account) (outreach.BatchResult, error) {
	return f.UpsertAccountsFn(ctx, items)
}

func (f *fakeIngest) UpsertContacts(ctx context.Context, items []outreach.Contact) (outreach.BatchResult, error) {
	return f.UpsertContactsFn(ctx, items)
}

func (f *fakeIngest) InsertEvents(ctx context.Context, items []outreach.Event) (outreach.BatchResult, error) {
	return f.InsertEventsFn(ctx, items)
}

func (f *fakeIngest) UpsertTeam(ctx context.Context, items []outreach.TeamMember) (outreach.BatchResult, error) {
	return f.UpsertTeamFn(ctx, items)
}

func (f *fakeIngest) AddSuppressions(ctx context.Context, items []outreach.Suppression) (outreach.BatchResult, error) {
	return f.AddSuppressionsFn(ctx, items)
}

func (f *fakeIngest) LookupRefs(ctx context.Context, accounts, contacts []string) (outreach.Refs, error) {
	return f.LookupRefsFn(ctx, accounts, contacts)
}

var _ outreach.ContactStore = (*fakeContacts)(nil)

type fakeContacts struct {
	TimelineFn     func(ctx context.Context, email string) (*outreach.Timeline, error)
	EraseContactFn func(ctx context.Context, email string) error
}

func (f *fakeContacts) Timeline(ctx context.Context, email string) (*outreach.Timeline, error) {
	return f.TimelineFn(ctx, email)
}

func (f *fakeContacts) EraseContact(ctx context.Context, email string) error {
	return f.EraseContactFn(ctx, email)
}

var _ outreach.TokenStore = (*fakeTokens)(nil)

type fakeTokens struct {
	CreateTokenFn func(ctx context.Context, t outreach.Token) error
	TokensFn      func(ctx context.Context) ([]outreach.Token, error)
	RevokeTokenFn func(ctx context.Context, name string) error
	TokenByHashFn func(ctx context.Context, hash string) (*outreach.Token, error)
	TouchTokenFn  func(ctx context.Context, name string, at time.Time) error
}

func (f *fakeTokens) CreateToken(ctx context.Context, t outreach.Token) error {
	return f.CreateTokenFn(ctx, t)
}

func (f *fakeTokens) Tokens(ctx context.Context) ([]outreach.Token, error) { return f.TokensFn(ctx) }

func (f *fakeTokens) RevokeToken(ctx context.Context, name string) error {
	return f.RevokeTokenFn(ctx, name)
}

func (f *fakeTokens) TokenByHash(ctx context.Context, hash string) (*outreach.Token, error) {
	return f.TokenByHashFn(ctx, hash)
}

func (f *fakeTokens) TouchToken(ctx context.Context, name string, at time.Time) error {
	if f.TouchTokenFn == nil {
		return nil
	}
	return f.TouchTokenFn(ctx, name, at)
}

var _ Pinger = (*fakePinger)(nil)

type fakePinger struct {
	PingFn func(ctx context.Context) error
}

func (f *fakePinger) Ping(ctx context.Context) error { return f.PingFn(ctx) }

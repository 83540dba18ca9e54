package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/internal/storetest"
)

func TestTokens(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if err := db.CreateToken(ctx, outreach.Token{Name: "ci", Scope: outreach.ScopeIngest, Hash: "h1"}); err != nil {
			t.Fatal(err)
		}
		if err := db.CreateToken(ctx, outreach.Token{Name: "ci", Scope: outreach.ScopeAdmin, Hash: "h2"}); outreach.ErrorCode(err) != outreach.ECONFLICT {
			t.Errorf("taken name: %v, want ECONFLICT", err)
		}
		tok, err := db.TokenByHash(ctx, "h1")
		if err != nil || tok.Name != "ci" || tok.Scope != outreach.ScopeIngest || !tok.CreatedAt.Equal(t0) {
			t.Fatalf("TokenByHash = %+v, %v", tok, err)
		}
		if err := db.RevokeToken(ctx, "nope"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("revoke unknown: %v, want ENOTFOUND", err)
		}
		if err := db.RevokeToken(ctx, "ci"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.TokenByHash(ctx, "h1"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("revoked token: %v, want ENOTFOUND", err)
		}
		list, err := db.Tokens(ctx)
		if err != nil || len(list) != 1 || list[0].RevokedAt == nil || !list[0].RevokedAt.Equal(t0) {
			t.Errorf("Tokens = %+v, %v", list, err)
		}
	})
}

// TestTokenNamesAreNeverReused checks that a revoked token's name stays
// taken and that the error says it was revoked, and when, instead of
// claiming that the token still exists.
func TestTokenNamesAreNeverReused(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if err := db.CreateToken(ctx, outreach.Token{Name: "crm", Scope: outreach.ScopeIngest, Hash: "h1"}); err != nil {
			t.Fatal(err)
		}
		err := db.CreateToken(ctx, outreach.Token{Name: "crm", Scope: outreach.ScopeIngest, Hash: "h2"})
		if msg := outreach.ErrorMessage(err); outreach.ErrorCode(err) != outreach.ECONFLICT ||
			!strings.Contains(msg, `an ingest token named "crm" already exists`) {
			t.Errorf("live name: %v, want ECONFLICT saying it exists", err)
		}
		if err := db.RevokeToken(ctx, "crm"); err != nil {
			t.Fatal(err)
		}
		err = db.CreateToken(ctx, outreach.Token{Name: "crm", Scope: outreach.ScopeAdmin, Hash: "h3"})
		msg := outreach.ErrorMessage(err)
		if outreach.ErrorCode(err) != outreach.ECONFLICT ||
			!strings.Contains(msg, `a token named "crm" existed and was revoked on `+t0.Format(time.RFC3339)) ||
			!strings.Contains(msg, "choose another name") || strings.Contains(msg, "already exists") {
			t.Errorf("revoked name: %v, want ECONFLICT saying it was revoked on %s", err, t0.Format(time.RFC3339))
		}
		if _, err := db.TokenByHash(ctx, "h3"); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("refused token was stored: %v", err)
		}
	})
}

func TestPacks(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, err := db.ActivePack(ctx); outreach.ErrorCode(err) != outreach.ENOTFOUND {
			t.Errorf("no pack: %v, want ENOTFOUND", err)
		}
		files := map[string]string{"campaigns.yaml": "campaigns: []\n"}
		for i, step := range []struct {
			hash        string
			wantVersion int
			wantChanged bool
		}{{"h1", 1, true}, {"h1", 1, false}, {"h2", 2, true}, {"h1", 3, true}} {
			v, changed, err := db.ActivatePack(ctx, step.hash, files)
			if err != nil || v != step.wantVersion || changed != step.wantChanged {
				t.Errorf("step %d: ActivatePack(%s) = %d, %v, %v; want %d, %v", i, step.hash, v, changed, err, step.wantVersion, step.wantChanged)
			}
		}
		p, err := db.ActivePack(ctx)
		if err != nil || p.Version != 3 || p.Hash != "h1" || p.Files["campaigns.yaml"] != files["campaigns.yaml"] || !p.ActivatedAt.Equal(t0) {
			t.Errorf("ActivePack = %+v, %v", p, err)
		}
	})
}

func TestSettings(t *testing.T) {
	storetest.EachDialect(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		db := open(t, dialect)
		if _, ok, err := db.Setting(ctx, "secret"); ok || err != nil {
			t.Errorf("unset setting: ok=%v err=%v", ok, err)
		}
		if v, err := db.SetSettingIfAbsent(ctx, "secret", "first"); err != nil || v != "first" {
			t.Errorf("first set = %q, %v", v, err)
		}
		if v, err := db.SetSettingIfAbsent(ctx, "secret", "second"); err != nil || v != "first" {
			t.Errorf("second set = %q, %v; want the value in force, first", v, err)
		}
		if v, ok, err := db.Setting(ctx, "secret"); v != "first" || !ok || err != nil {
			t.Errorf("Setting = %q, %v, %v", v, ok, err)
		}
	})
}

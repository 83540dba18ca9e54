package console_test

import (
	"context"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/store"
)

// TestCustomerSuccessPagesInTheMembersLanguage signs in a cs member whose
// team locale is French (her browser asks for English) on both dialects:
// the accounts list, the cases list and the NPS page speak French — the
// page title, the navigation, column headings, the risk reasons with
// their numbers and dates, a case's age — and none of their English
// headings is left.
func TestCustomerSuccessPagesInTheMembersLanguage(t *testing.T) {
	for _, dialect := range []string{store.SQLite, store.Postgres} {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			seedCS(t, e)
			if _, err := e.db.UpsertTeam(context.Background(), []outreach.TeamMember{
				{Email: "cy@vendor.example", Name: "Cy Success", ConsoleRole: outreach.RoleCS, Locale: "fr"},
			}); err != nil {
				t.Fatal(err)
			}
			now := e.clock.Now()
			exec(t, e, `INSERT INTO cases (account_id, alert, state, due_at, created_at, updated_at) VALUES (?, 'detractor', 'open', ?, ?, ?)`,
				accountIDs(t, e)["acme"], now.Add(-day).UnixMilli(), now.Add(-3*day).UnixMilli(), now.Add(-3*day).UnixMilli())
			cy := e.signIn(t, "cy@vendor.example")
			for _, page := range []struct {
				path          string
				french, notEN []string
			}{
				{"/console/accounts", []string{
					"<h1>Comptes par risque</h1>", "Pourquoi s’en occuper", "Renouvellement",
					"renouvellement le 2026-03-22 (sous 60 jours)",
					"NPS de -100 sur les 90 derniers jours (2 réponses, 2 détracteurs)",
					"NPS passé de 100 à -100",
					"envois en pause jusqu’au 2026-03-12 09:00 UTC",
					"rien à signaler",
				}, []string{"Accounts by risk", "Why it needs attention", "renews on", "nothing flagged", "paused until"}},
				{"/console/cases", []string{
					"<h1>Suivis clients</h1>", "Listes de suivis", "Ouverts", "En retard", "Suivi et alerte", "Ancienneté", "Échéance (UTC)", "3 jours",
				}, []string{"Follow-up cases", "Lists of cases", "Case and alert", "3 days", ">overdue<", ">Overdue "}},
				{"/console/nps", []string{
					"<h1>NPS et commentaires</h1>", "Période et affichage", "Répartir par", "Promoteurs", "Détracteurs",
					"Passifs", "marge d’erreur à 95\u00a0%", "Commentaires",
				}, []string{"NPS and comments", "Period and view", "Break down by", "Promoters", "Detractors", "margin of error"}},
			} {
				req, _ := http.NewRequest("GET", e.srv.URL+page.path, nil)
				req.Header.Set("Accept-Language", "en")
				res, err := cy.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				b, err := io.ReadAll(res.Body)
				res.Body.Close()
				if err != nil {
					t.Fatal(err)
				}
				body := html.UnescapeString(string(b))
				if res.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d", page.path, res.StatusCode)
				}
				for _, w := range append([]string{`<html lang="fr"`, ">Comptes<", ">Suivis<", ">Blocages<", "Se déconnecter"}, page.french...) {
					if !strings.Contains(body, w) {
						t.Errorf("%s: the French page lacks %q", page.path, w)
					}
				}
				for _, w := range append([]string{">Accounts<", ">Cases<", ">Suppressions<", "Sign out"}, page.notEN...) {
					if strings.Contains(body, w) {
						t.Errorf("%s: the French page still says %q", page.path, w)
					}
				}
			}
		})
	}
}

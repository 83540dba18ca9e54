package sample

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	_ "time/tzdata" // the sample's timezones must load on any machine
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/outreach-dev/outreach"
)

// DefaultFrom is the start of the event window when Options.From is zero:
// a fixed Monday, so that a seed alone decides the data.
var DefaultFrom = time.Date(2026, time.March, 2, 0, 0, 0, 0, time.UTC)

// Options says how much data to generate. Zero values take the defaults.
type Options struct {
	Accounts int       // number of accounts; default 300
	From     time.Time // start of the event window; default DefaultFrom
	Days     int       // length of the event window; default 90

	// Contacts, when > 0, is the exact total number of contacts, spread
	// evenly over the accounts (benchmarks); 0 = 3-8 per account by plan.
	Contacts int
	// Events, when > 0, is the exact number of events: the lifecycle events
	// are generated as usual and contact.active events make up the rest
	// (benchmarks); 0 = a realistic rate.
	Events int
}

func (o *Options) defaults() {
	if o.Accounts <= 0 {
		o.Accounts = 300
	}
	if o.From.IsZero() {
		o.From = DefaultFrom
	}
	o.From = o.From.UTC()
	if o.Days <= 0 {
		o.Days = 90
	}
}

// Data is a generated customer base, in the domain types that ingestion
// produces, ordered as it should be loaded (events by occurred_at).
type Data struct {
	From     time.Time // the event window [From, From+Days)
	Days     int
	Team     []outreach.TeamMember
	Accounts []outreach.Account
	Contacts []outreach.Contact
	Events   []outreach.Event
}

// gen holds the state of one generation.
type gen struct {
	r       *rand.Rand
	opts    Options
	end     time.Time
	d       *Data
	domains map[string]bool
	acctReg map[string]*region // account external id -> region
	profile map[string]activity
	zoneOf  map[string]*time.Location // contact external id -> zone of its working hours
}

// activity is how engaged a contact is over the window.
type activity int

const (
	active  activity = iota // seen every few days
	fading                  // stops being seen part-way through the window
	dormant                 // not seen for weeks before the window
)

// Generate returns a realistic customer base: a team of eight CSMs, opts.Accounts
// companies around the world with their people, and opts.Days of lifecycle
// events starting at opts.From. The same seed and options always give the
// same data.
func Generate(seed int64, opts Options) *Data {
	opts.defaults()
	g := &gen{
		r:       rand.New(rand.NewPCG(uint64(seed), 0x6f7574726561636b)),
		opts:    opts,
		end:     opts.From.AddDate(0, 0, opts.Days),
		d:       &Data{From: opts.From, Days: opts.Days},
		domains: map[string]bool{},
		acctReg: map[string]*region{},
		profile: map[string]activity{},
		zoneOf:  map[string]*time.Location{},
	}
	g.team()
	for i := range opts.Accounts {
		g.account(i)
	}
	g.contacts()
	g.events()
	return g.d
}

func (g *gen) team() {
	for _, m := range teamMembers {
		g.d.Team = append(g.d.Team, outreach.TeamMember{Email: m.Email, Name: m.Name, Timezone: m.Timezone, DigestSchedule: m.Digest, ConsoleRole: m.Role})
	}
}

// pickRegion draws a region by weight.
func (g *gen) pickRegion() *region {
	total := 0
	for _, r := range regions {
		total += r.Weight
	}
	n := g.r.IntN(total)
	for i := range regions {
		if n < regions[i].Weight {
			return &regions[i]
		}
		n -= regions[i].Weight
	}
	return &regions[0]
}

// owner returns the CSM who owns accounts of region: one of those who
// cover it.
func (g *gen) owner(reg *region) string {
	var cands []string
	for _, m := range teamMembers {
		for _, c := range m.Regions {
			if c == reg.Code {
				cands = append(cands, m.Email)
			}
		}
	}
	return cands[g.r.IntN(len(cands))]
}

func (g *gen) account(i int) {
	reg := g.pickRegion()
	stem := reg.Stems[g.r.IntN(len(reg.Stems))]
	sector := reg.Sectors[g.r.IntN(len(reg.Sectors))]
	name := fmt.Sprintf(reg.Format, stem.Word, sector.Word)
	slug := stem.Slug + "-" + sector.Slug
	domain := slug + "." + reg.Country + ".example"
	for n := 2; g.domains[domain]; n++ {
		domain = fmt.Sprintf("%s%d.%s.example", slug, n, reg.Country)
		name = fmt.Sprintf(reg.Format, stem.Word, fmt.Sprintf("%s %d", sector.Word, n))
	}
	g.domains[domain] = true

	plan := "starter"
	switch p := g.r.IntN(100); {
	case p >= 85:
		plan = "enterprise"
	case p >= 50:
		plan = "growth"
	}
	// Started 1-5 years before the window, at a local working hour.
	started := g.opts.From.AddDate(-1, 0, 0).Add(-time.Duration(g.r.IntN(4*365)) * 24 * time.Hour)
	started = time.Date(started.Year(), started.Month(), started.Day(), 0, 0, 0, 0, time.UTC)
	renewal := g.opts.From.Add(time.Duration(1+g.r.IntN(365)) * 24 * time.Hour)
	ext := fmt.Sprintf("acc-%04d", i+1)
	g.acctReg[ext] = reg
	g.d.Accounts = append(g.d.Accounts, outreach.Account{
		ExternalID:  ext,
		Name:        name,
		OwnerEmail:  g.owner(reg),
		Plan:        plan,
		Timezone:    reg.Zones[0],
		StartedAt:   &started,
		RenewalDate: renewal.Format(time.DateOnly),
		Attributes:  map[string]any{"domain": domain},
	})
}

// contactCounts returns how many contacts each account gets.
func (g *gen) contactCounts() []int {
	n := make([]int, len(g.d.Accounts))
	for i, a := range g.d.Accounts {
		switch {
		case g.opts.Contacts > 0:
			n[i] = g.opts.Contacts / len(n)
			if i < g.opts.Contacts%len(n) {
				n[i]++
			}
		case a.Plan == "enterprise":
			n[i] = 6 + g.r.IntN(3)
		case a.Plan == "growth":
			n[i] = 4 + g.r.IntN(3)
		default:
			n[i] = 3 + g.r.IntN(2)
		}
	}
	return n
}

func (g *gen) contacts() {
	counts := g.contactCounts()
	seq := 0
	for i, a := range g.d.Accounts {
		reg := g.acctReg[a.ExternalID]
		used := map[string]bool{}
		for j := range counts[i] {
			seq++
			g.contact(a, reg, j, fmt.Sprintf("con-%05d", seq), used)
		}
	}
}

// role is the role of the j-th contact of an account: every account has an
// admin and a champion; most have someone in billing; the rest are users.
func (g *gen) role(j int) string {
	switch {
	case j == 0:
		return "admin"
	case j == 1:
		return "champion"
	case j == 2 && g.r.IntN(4) > 0:
		return "billing"
	}
	return "user"
}

func (g *gen) contact(a outreach.Account, reg *region, j int, ext string, used map[string]bool) {
	locale, names := reg.Locale, reg.Names
	if reg.Locale != "en" && g.r.IntN(100) < 15 {
		locale, names = "en", "en" // an expatriate or an English-speaking team
	}
	set := nameSets[names]
	p := set.people[g.r.IntN(len(set.people))]
	display := p.First + " " + p.Last
	if set.familyFirst {
		display = p.Last + " " + p.First
	}
	local := emailLocal(p)
	domain := a.Attributes["domain"].(string)
	for n := 2; used[local]; n++ {
		local = fmt.Sprintf("%s%d", emailLocal(p), n)
	}
	used[local] = true

	tz := a.Timezone
	switch x := g.r.IntN(100); {
	case x < 15:
		tz = "" // unknown: the account's timezone applies
	case x < 25:
		tz = remoteZones[g.r.IntN(len(remoteZones))]
	case x < 35 && len(reg.Zones) > 1:
		tz = reg.Zones[1+g.r.IntN(len(reg.Zones)-1)]
	}
	zone := tz
	if zone == "" {
		zone = a.Timezone
	}
	g.zoneOf[ext] = outreach.LoadLocation(zone)

	prof, seen := g.lastSeen()
	g.profile[ext] = prof
	g.d.Contacts = append(g.d.Contacts, outreach.Contact{
		ExternalID:        ext,
		AccountExternalID: a.ExternalID,
		Email:             local + "@" + domain,
		Name:              display,
		Role:              g.role(j),
		Locale:            locale,
		Timezone:          tz,
		LastSeenAt:        &seen,
		Status:            outreach.ContactActive,
	})
}

// lastSeen draws an activity profile and the last_seen_at that goes with it.
func (g *gen) lastSeen() (activity, time.Time) {
	day := 24 * time.Hour
	switch x := g.r.IntN(100); {
	case x < 70:
		return active, g.opts.From.Add(-time.Duration(3600+g.r.IntN(7*24*3600)) * time.Second)
	case x < 88:
		return fading, g.opts.From.Add(-day*time.Duration(8+g.r.IntN(15)) - time.Duration(g.r.IntN(24*3600))*time.Second)
	default:
		return dormant, g.opts.From.Add(-day*time.Duration(31+g.r.IntN(90)) - time.Duration(g.r.IntN(24*3600))*time.Second)
	}
}

// emailLocal is "first.last" in lower-case ASCII.
func emailLocal(p person) string {
	first, last := p.FirstASCII, p.LastASCII
	if first == "" {
		first = asciiFold(p.First)
	}
	if last == "" {
		last = asciiFold(p.Last)
	}
	return first + "." + last
}

// asciiFold lower-cases s and strips its diacritics and anything that is
// not a letter or a digit ("Lefèvre" -> "lefevre", "O'Connor" -> "oconnor").
func asciiFold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

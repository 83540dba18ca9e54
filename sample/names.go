package sample

import "github.com/outreach-dev/outreach"

// The word lists below are small on purpose: enough variety for a demo that
// looks like a real customer base, few enough to read.

// person is a first and a last name in the script people write them in,
// with an ASCII form for email addresses when the script is not Latin.
type person struct {
	First, Last           string
	FirstASCII, LastASCII string // "" = derive from First/Last
}

// nameSet is the names of one culture.
type nameSet struct {
	people      []person
	familyFirst bool // Hungarian order: "Nagy Katalin"
}

var nameSets = map[string]nameSet{
	"en": {people: []person{
		{First: "Emily", Last: "Carter"}, {First: "James", Last: "Whitaker"}, {First: "Olivia", Last: "Bennett"},
		{First: "Michael", Last: "Reyes"}, {First: "Sarah", Last: "Mitchell"}, {First: "Daniel", Last: "Foster"},
		{First: "Hannah", Last: "Brooks"}, {First: "Ethan", Last: "Walsh"}, {First: "Grace", Last: "Sullivan"},
		{First: "Noah", Last: "Patterson"}, {First: "Chloe", Last: "Hughes"}, {First: "Liam", Last: "O'Connor"},
		{First: "Ava", Last: "Thompson"}, {First: "Lucas", Last: "Morgan"}, {First: "Megan", Last: "Price"},
		{First: "Ryan", Last: "Campbell"}, {First: "Jessica", Last: "Turner"}, {First: "Samuel", Last: "Hayes"},
	}},
	"en-IN": {people: []person{
		{First: "Priya", Last: "Sharma"}, {First: "Arjun", Last: "Mehta"}, {First: "Ananya", Last: "Iyer"},
		{First: "Rohan", Last: "Gupta"}, {First: "Kavya", Last: "Nair"}, {First: "Vikram", Last: "Reddy"},
		{First: "Sneha", Last: "Patel"}, {First: "Aditya", Last: "Rao"}, {First: "Meera", Last: "Krishnan"},
		{First: "Karan", Last: "Malhotra"},
	}},
	"en-NZ": {people: []person{
		{First: "Aroha", Last: "Ngata"}, {First: "Tama", Last: "Walker"}, {First: "Sophie", Last: "McLeod"},
		{First: "Nikau", Last: "Parata"}, {First: "Isla", Last: "Fraser"}, {First: "Hemi", Last: "Tipene"},
		{First: "Ruby", Last: "Anderson"}, {First: "Jack", Last: "Robertson"},
	}},
	"pt-BR": {people: []person{
		{First: "Ana", Last: "Souza"}, {First: "João", Last: "Oliveira"}, {First: "Mariana", Last: "Santos"},
		{First: "Lucas", Last: "Pereira"}, {First: "Beatriz", Last: "Lima"}, {First: "Gabriel", Last: "Carvalho"},
		{First: "Larissa", Last: "Ferreira"}, {First: "Rafael", Last: "Almeida"}, {First: "Camila", Last: "Ribeiro"},
		{First: "Thiago", Last: "Gonçalves"}, {First: "Fernanda", Last: "Rocha"}, {First: "Pedro", Last: "Araújo"},
		{First: "Juliana", Last: "Barbosa"}, {First: "Matheus", Last: "Cardoso"},
	}},
	"pt": {people: []person{
		{First: "Inês", Last: "Ferreira"}, {First: "Tiago", Last: "Martins"}, {First: "Beatriz", Last: "Costa"},
		{First: "Duarte", Last: "Sousa"}, {First: "Leonor", Last: "Pinto"}, {First: "Rodrigo", Last: "Lopes"},
		{First: "Matilde", Last: "Mendes"}, {First: "Gonçalo", Last: "Nunes"}, {First: "Carolina", Last: "Marques"},
	}},
	"fr": {people: []person{
		{First: "Camille", Last: "Dubois"}, {First: "Julien", Last: "Lefèvre"}, {First: "Chloé", Last: "Moreau"},
		{First: "Antoine", Last: "Girard"}, {First: "Léa", Last: "Fournier"}, {First: "Mathieu", Last: "Lambert"},
		{First: "Manon", Last: "Rousseau"}, {First: "Hugo", Last: "Bonnet"}, {First: "Élodie", Last: "Mercier"},
		{First: "Thomas", Last: "Garnier"}, {First: "Sophie", Last: "Faure"}, {First: "Nicolas", Last: "Chevalier"},
	}},
	"ru": {people: []person{
		{First: "Анна", Last: "Иванова", FirstASCII: "anna", LastASCII: "ivanova"},
		{First: "Дмитрий", Last: "Смирнов", FirstASCII: "dmitry", LastASCII: "smirnov"},
		{First: "Екатерина", Last: "Кузнецова", FirstASCII: "ekaterina", LastASCII: "kuznetsova"},
		{First: "Алексей", Last: "Попов", FirstASCII: "alexey", LastASCII: "popov"},
		{First: "Мария", Last: "Соколова", FirstASCII: "maria", LastASCII: "sokolova"},
		{First: "Сергей", Last: "Лебедев", FirstASCII: "sergey", LastASCII: "lebedev"},
		{First: "Ольга", Last: "Новикова", FirstASCII: "olga", LastASCII: "novikova"},
		{First: "Игорь", Last: "Морозов", FirstASCII: "igor", LastASCII: "morozov"},
		{First: "Наталья", Last: "Волкова", FirstASCII: "natalya", LastASCII: "volkova"},
		{First: "Павел", Last: "Фёдоров", FirstASCII: "pavel", LastASCII: "fedorov"},
	}},
	"hu": {familyFirst: true, people: []person{
		{First: "Katalin", Last: "Nagy"}, {First: "László", Last: "Kovács"}, {First: "Eszter", Last: "Tóth"},
		{First: "Gábor", Last: "Szabó"}, {First: "Zsófia", Last: "Horváth"}, {First: "Péter", Last: "Varga"},
		{First: "Anna", Last: "Kiss"}, {First: "Balázs", Last: "Molnár"}, {First: "Réka", Last: "Németh"},
		{First: "Tamás", Last: "Farkas"},
	}},
	"id": {people: []person{
		{First: "Budi", Last: "Santoso"}, {First: "Siti", Last: "Rahayu"}, {First: "Agus", Last: "Wijaya"},
		{First: "Dewi", Last: "Lestari"}, {First: "Rizky", Last: "Pratama"}, {First: "Putri", Last: "Anggraini"},
		{First: "Andi", Last: "Setiawan"}, {First: "Nur", Last: "Hidayati"}, {First: "Fajar", Last: "Nugroho"},
		{First: "Ayu", Last: "Kusuma"},
	}},
}

// company is a word for a company name, with its ASCII slug for domains.
type company struct {
	Word, Slug string
}

// region is where an account is based: its language, timezones, how its
// companies are named and the country code of their (reserved .example)
// domains.
type region struct {
	Code    string
	Locale  string   // main locale of its people
	Names   string   // key of nameSets
	Zones   []string // IANA timezones, the first most common
	Weight  int      // share of accounts
	Stems   []company
	Sectors []company
	Format  string // fmt pattern: stem, sector
	Country string // second-level label of domains: acme.<country>.example
}

var regions = []region{
	{Code: "us", Locale: "en", Names: "en", Weight: 22, Country: "us",
		Zones:   []string{"America/Los_Angeles", "America/New_York", "America/Chicago", "America/Denver"},
		Stems:   []company{{"Northwind", "northwind"}, {"Bluefin", "bluefin"}, {"Redwood", "redwood"}, {"Summit", "summit"}, {"Harbor", "harbor"}, {"Granite", "granite"}, {"Lakeside", "lakeside"}, {"Copperline", "copperline"}},
		Sectors: []company{{"Logistics", "logistics"}, {"Analytics", "analytics"}, {"Health", "health"}, {"Foods", "foods"}, {"Robotics", "robotics"}, {"Outfitters", "outfitters"}},
		Format:  "%s %s Inc."},
	{Code: "uk", Locale: "en", Names: "en", Weight: 6, Country: "uk",
		Zones:   []string{"Europe/London"},
		Stems:   []company{{"Thistle", "thistle"}, {"Kingsbridge", "kingsbridge"}, {"Ashford", "ashford"}, {"Marlow", "marlow"}},
		Sectors: []company{{"Lettings", "lettings"}, {"Engineering", "engineering"}, {"Publishing", "publishing"}, {"Brewing", "brewing"}},
		Format:  "%s %s Ltd"},
	{Code: "nz", Locale: "en", Names: "en-NZ", Weight: 5, Country: "nz",
		Zones:   []string{"Pacific/Auckland"},
		Stems:   []company{{"Kōwhai", "kowhai"}, {"Tasman", "tasman"}, {"Kauri", "kauri"}, {"Aoraki", "aoraki"}},
		Sectors: []company{{"Dairy", "dairy"}, {"Tours", "tours"}, {"Software", "software"}, {"Freight", "freight"}},
		Format:  "%s %s Ltd"},
	{Code: "in", Locale: "en", Names: "en-IN", Weight: 9, Country: "in",
		Zones:   []string{"Asia/Kolkata"},
		Stems:   []company{{"Sahyadri", "sahyadri"}, {"Kaveri", "kaveri"}, {"Indus", "indus"}, {"Nilgiri", "nilgiri"}, {"Ganga", "ganga"}},
		Sectors: []company{{"Fintech", "fintech"}, {"Textiles", "textiles"}, {"Pharma", "pharma"}, {"Infotech", "infotech"}},
		Format:  "%s %s Pvt Ltd"},
	{Code: "br", Locale: "pt-BR", Names: "pt-BR", Weight: 18, Country: "br",
		Zones:   []string{"America/Sao_Paulo", "America/Manaus", "America/Recife"},
		Stems:   []company{{"Aurora", "aurora"}, {"Horizonte", "horizonte"}, {"Ipê", "ipe"}, {"Cerrado", "cerrado"}, {"Maré Alta", "mare-alta"}, {"Jacarandá", "jacaranda"}, {"Pampa", "pampa"}},
		Sectors: []company{{"Logística", "logistica"}, {"Tecnologia", "tecnologia"}, {"Alimentos", "alimentos"}, {"Saúde", "saude"}, {"Educação", "educacao"}},
		Format:  "%s %s Ltda"},
	{Code: "pt", Locale: "pt", Names: "pt", Weight: 5, Country: "pt",
		Zones:   []string{"Europe/Lisbon"},
		Stems:   []company{{"Tejo", "tejo"}, {"Alfama", "alfama"}, {"Douro", "douro"}, {"Atlântico", "atlantico"}},
		Sectors: []company{{"Vinhos", "vinhos"}, {"Software", "software"}, {"Turismo", "turismo"}, {"Cerâmicas", "ceramicas"}},
		Format:  "%s %s Lda"},
	{Code: "fr", Locale: "fr", Names: "fr", Weight: 12, Country: "fr",
		Zones:   []string{"Europe/Paris"},
		Stems:   []company{{"Lumière", "lumiere"}, {"Mistral", "mistral"}, {"Garonne", "garonne"}, {"Vercors", "vercors"}, {"Belle Île", "belle-ile"}},
		Sectors: []company{{"Conseil", "conseil"}, {"Logistique", "logistique"}, {"Énergie", "energie"}, {"Éditions", "editions"}, {"Santé", "sante"}},
		Format:  "%s %s SAS"},
	{Code: "ru", Locale: "ru", Names: "ru", Weight: 7, Country: "ru",
		Zones:   []string{"Europe/Moscow", "Asia/Yekaterinburg", "Asia/Novosibirsk"},
		Stems:   []company{{"Северный", "severny"}, {"Волга", "volga"}, {"Кедр", "kedr"}, {"Заря", "zarya"}},
		Sectors: []company{{"Логистика", "logistika"}, {"Софт", "soft"}, {"Трейд", "trade"}, {"Агро", "agro"}},
		Format:  "ООО «%s %s»"},
	{Code: "hu", Locale: "hu", Names: "hu", Weight: 6, Country: "hu",
		Zones:   []string{"Europe/Budapest"},
		Stems:   []company{{"Duna", "duna"}, {"Balaton", "balaton"}, {"Tisza", "tisza"}, {"Mátra", "matra"}},
		Sectors: []company{{"Informatika", "informatika"}, {"Logisztika", "logisztika"}, {"Építő", "epito"}, {"Pékség", "pekseg"}},
		Format:  "%s %s Kft."},
	{Code: "id", Locale: "id", Names: "id", Weight: 10, Country: "id",
		Zones:   []string{"Asia/Jakarta", "Asia/Makassar"},
		Stems:   []company{{"Nusantara", "nusantara"}, {"Garuda", "garuda"}, {"Merapi", "merapi"}, {"Samudra", "samudra"}, {"Cendana", "cendana"}},
		Sectors: []company{{"Digital", "digital"}, {"Logistik", "logistik"}, {"Pangan", "pangan"}, {"Teknologi", "teknologi"}},
		Format:  "PT %s %s"},
}

// remoteZones are where a contact who does not live near the account's
// office may be.
var remoteZones = []string{
	"America/Los_Angeles", "America/New_York", "America/Sao_Paulo", "Europe/London", "Europe/Paris",
	"Europe/Moscow", "Europe/Budapest", "Asia/Kolkata", "Asia/Jakarta", "Asia/Singapore", "Pacific/Auckland",
}

// teamMembers are the vendor's CSMs: name, timezone, weekly digest
// schedule, and the regions they own (by code).
var teamMembers = []struct {
	Name, Email, Timezone, Digest string
	Regions                       []string
	Role                          string // console_role: one admin, one marketing, the CSMs cs
}{
	{"Maya Goldberg", "maya.goldberg@cs.outreach.example", "America/Los_Angeles", "0 8 * * MON", []string{"us"}, outreach.RoleAdmin},
	{"Jordan Ellis", "jordan.ellis@cs.outreach.example", "America/New_York", "30 8 * * MON", []string{"us", "uk"}, outreach.RoleMarketing},
	{"Carolina Mendes", "carolina.mendes@cs.outreach.example", "America/Sao_Paulo", "0 8 * * MON", []string{"br"}, outreach.RoleCS},
	{"Rui Teixeira", "rui.teixeira@cs.outreach.example", "Europe/Lisbon", "0 9 * * MON", []string{"pt", "br"}, outreach.RoleCS},
	{"Claire Martin", "claire.martin@cs.outreach.example", "Europe/Paris", "0 8 * * MON", []string{"fr"}, outreach.RoleCS},
	{"Dóra Balogh", "dora.balogh@cs.outreach.example", "Europe/Budapest", "0 8 * * TUE", []string{"hu", "ru"}, outreach.RoleCS},
	{"Intan Permata", "intan.permata@cs.outreach.example", "Asia/Jakarta", "0 8 * * MON", []string{"id", "in"}, outreach.RoleCS},
	{"Liam Tūhoe", "liam.tuhoe@cs.outreach.example", "Pacific/Auckland", "0 7 * * MON", []string{"nz"}, outreach.RoleCS},
}

// Milestones an account or a person may reach (the milestone property).
var accountMilestones = []string{"1000-invoices", "100-users", "10000-orders", "1-year-no-downtime", "50-integrations"}
var contactMilestones = []string{"first-dashboard", "first-automation", "100-reports", "power-user"}

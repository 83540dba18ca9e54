package console

import (
	"net/http"

	"github.com/outreach-dev/outreach"
)

// Langs are the console's languages, the same as the public pages'.
var Langs = []string{"en", "pt", "fr", "ru", "hu", "id"}

// requestLang picks the page language from Accept-Language, with the rule
// the public pages use (outreach.AcceptLocale).
func requestLang(r *http.Request) string {
	return outreach.AcceptLocale(r.Header.Get("Accept-Language"), Langs, "en")
}

// translate returns message id in lang, else in English, else the id (a
// test holds every id the templates use to the English catalogue).
func translate(lang, id string) string {
	if s, ok := catalogue[lang][id]; ok {
		return s
	}
	if s, ok := catalogue["en"][id]; ok {
		return s
	}
	return id
}

// catalogue holds the console's messages by language and id. English is
// complete; the other languages fall back to it for ids they lack.
var catalogue = map[string]map[string]string{
	"en": {
		"app.name":                "outreach console",
		"skip":                    "Skip to content",
		"nav.label":               "Sections",
		"nav.home":                "Home",
		"nav.campaigns":           "Campaigns",
		"nav.audit":               "Audit log",
		"signed_in_as":            "Signed in as",
		"sign_out":                "Sign out",
		"role.admin":              "admin",
		"role.marketing":          "marketing",
		"role.cs":                 "customer success",
		"login.title":             "Sign in",
		"login.intro":             "Enter the address you use as a team member. We will email you a sign-in link, valid for 15 minutes.",
		"login.email":             "Email address",
		"login.submit":            "Email me a sign-in link",
		"login.sent":              "If this address belongs to a team member with console access, a sign-in link is on its way. It is valid for 15 minutes and works once.",
		"login.invalid":           "This is not an email address: check it and try again.",
		"auth.title":              "Sign in to the outreach console",
		"auth.intro":              "Press the button to sign in. The link works once.",
		"auth.submit":             "Sign in",
		"auth.expired":            "This sign-in link has expired",
		"auth.used":               "This sign-in link was already used",
		"auth.unknown":            "This sign-in link is not valid",
		"auth.again":              "Ask for a new link",
		"mail.subject":            "Your sign-in link to the outreach console",
		"mail.intro":              "Open this link to sign in to the outreach console:",
		"mail.button":             "Sign in",
		"mail.expiry":             "The link is valid for 15 minutes and works once. If you did not ask for it, ignore this email.",
		"home.title":              "Home",
		"home.intro":              "Choose a section.",
		"error.not_found":         "Page not found",
		"error.forbidden":         "Your role does not give access to this page",
		"error.csrf":              "This form has expired or came from another site: reload the page and try again",
		"error.signed_out":        "You are signed out: sign in again",
		"error.invalid":           "This could not be done",
		"error.conflict":          "Someone changed this at the same time",
		"error.internal":          "Something went wrong on our side",
		"error.rate_limited":      "Too many sign-in requests: wait a minute and try again",
		"error.busy":              "The server is busy with other campaign pack work: try again in a moment",
		"error.back":              "Back to the console",
		"audit.title":             "Audit log",
		"audit.filter":            "Filter",
		"audit.actor":             "Who",
		"audit.action":            "Action",
		"audit.target":            "Target",
		"audit.at":                "When (UTC)",
		"audit.detail":            "Detail",
		"audit.apply":             "Apply",
		"audit.none":              "No entries.",
		"audit.older":             "Older entries",
		"campaigns.title":         "Campaigns",
		"campaigns.period":        "Period",
		"campaigns.days":          "days",
		"campaigns.show":          "Show",
		"campaigns.period_note":   "Counts from",
		"campaigns.campaign":      "Campaign",
		"campaigns.planned":       "Planned",
		"campaigns.sent":          "Sent",
		"campaigns.deferred":      "Deferred",
		"campaigns.dropped":       "Dropped",
		"campaigns.suppressed":    "Suppressed",
		"campaigns.failed":        "Failed",
		"campaigns.response_rate": "Response rate",
		"campaigns.nps":           "NPS",
		"campaigns.trend":         "Sent per day",
		"campaigns.trend_title":   "Sent per day, campaign %s",
		"campaigns.trend_desc":    "%d sent in %d days; the busiest day had %d (%s).",
		"campaigns.removed":       "removed",
		"campaigns.paused":        "paused",
		"campaigns.deferred_note": "Deferred counts deliveries held back at least once in the period (quiet hours, caps, a pause…); each decision's reason is on the campaign's page.",
		"campaign.title":          "Campaign",
		"campaign.active":         "active",
		"campaign.paused_by":      "Paused by",
		"campaign.paused_note":    "Its due deliveries are deferred, not dropped, and decided again when it resumes.",
		"campaign.pause":          "Pause this campaign",
		"campaign.resume":         "Resume this campaign",
		"campaign.definition":     "Definition",
		"campaign.name":           "Name",
		"campaign.category":       "Category",
		"campaign.trigger":        "Trigger",
		"campaign.filter":         "Filter",
		"campaign.everyone":       "everyone",
		"campaign.priority":       "Priority",
		"campaign.ttl":            "Time to live",
		"campaign.cooldown":       "Cooldown",
		"campaign.dedupe":         "Dedupe by",
		"campaign.from":           "From",
		"campaign.default_from":   "the default sender (OUTREACH_MAIL_FROM)",
		"campaign.reply_to":       "Reply-To",
		"campaign.no_reply_to":    "none (replies go to From)",
		"campaign.template":       "Template and its languages",
		"campaign.counts":         "Counts",
		"campaign.trend_table":    "Sent per day as a table",
		"campaign.day":            "Day (UTC)",
		"campaign.decisions":      "Recent decisions",
		"campaign.contact":        "Contact",
		"campaign.decision":       "Decision",
		"campaign.reason":         "Reason",
		"campaign.erased":         "erased",
		"campaign.no_decisions":   "No decisions yet.",
		"preview.title":           "Template preview",
		"preview.sample":          "Rendered for a sample person (Alex Example, admin at Example Corp) in this language, with placeholder links; the pack editor previews for real contacts.",
		"preview.subject":         "Subject",
		"preview.locale_used":     "Template language used",
		"preview.html":            "HTML part",
		"preview.text":            "Text part",
		"table.scroll":            "The table scrolls sideways on narrow screens.",
	},
	"pt": {
		"skip": "Ir para o conteúdo", "nav.home": "Início", "nav.campaigns": "Campanhas", "nav.audit": "Registo de auditoria",
		"signed_in_as": "Sessão de", "sign_out": "Terminar sessão", "login.title": "Entrar",
		"login.intro": "Indique o endereço que usa como membro da equipa. Enviamos-lhe um link de acesso, válido por 15 minutos.",
		"login.email": "Endereço de email", "login.submit": "Enviar-me um link de acesso",
		"login.sent": "Se este endereço pertencer a um membro da equipa com acesso à consola, o link de acesso está a caminho. É válido por 15 minutos e funciona uma vez.",
		"auth.title": "Entrar na consola outreach", "auth.intro": "Prima o botão para entrar. O link funciona uma vez.", "auth.submit": "Entrar",
		"auth.expired": "Este link de acesso expirou", "auth.used": "Este link de acesso já foi usado", "auth.again": "Pedir um novo link",
		"mail.subject": "O seu link de acesso à consola outreach",
	},
	"fr": {
		"skip": "Aller au contenu", "nav.home": "Accueil", "nav.campaigns": "Campagnes", "nav.audit": "Journal d’audit",
		"signed_in_as": "Connecté en tant que", "sign_out": "Se déconnecter", "login.title": "Connexion",
		"login.intro": "Saisissez l’adresse que vous utilisez dans l’équipe. Nous vous envoyons un lien de connexion, valable 15 minutes.",
		"login.email": "Adresse e-mail", "login.submit": "M’envoyer un lien de connexion",
		"login.sent": "Si cette adresse appartient à un membre de l’équipe ayant accès à la console, un lien de connexion est en route. Il est valable 15 minutes et ne sert qu’une fois.",
		"auth.title": "Connexion à la console outreach", "auth.intro": "Appuyez sur le bouton pour vous connecter. Le lien ne sert qu’une fois.", "auth.submit": "Se connecter",
		"auth.expired": "Ce lien de connexion a expiré", "auth.used": "Ce lien de connexion a déjà servi", "auth.again": "Demander un nouveau lien",
		"mail.subject": "Votre lien de connexion à la console outreach",
	},
	"ru": {
		"skip": "К содержимому", "nav.home": "Главная", "nav.campaigns": "Кампании", "nav.audit": "Журнал аудита",
		"signed_in_as": "Вы вошли как", "sign_out": "Выйти", "login.title": "Вход",
		"login.intro": "Введите адрес, который вы используете в команде. Мы отправим ссылку для входа, действующую 15 минут.",
		"login.email": "Адрес электронной почты", "login.submit": "Прислать ссылку для входа",
		"login.sent": "Если адрес принадлежит участнику команды с доступом к консоли, ссылка для входа уже отправлена. Она действует 15 минут и работает один раз.",
		"auth.title": "Вход в консоль outreach", "auth.intro": "Нажмите кнопку, чтобы войти. Ссылка работает один раз.", "auth.submit": "Войти",
		"auth.expired": "Срок действия ссылки истёк", "auth.used": "Эта ссылка уже использована", "auth.again": "Запросить новую ссылку",
		"mail.subject": "Ваша ссылка для входа в консоль outreach",
	},
	"hu": {
		"skip": "Ugrás a tartalomra", "nav.home": "Kezdőlap", "nav.campaigns": "Kampányok", "nav.audit": "Naplózás",
		"signed_in_as": "Bejelentkezve:", "sign_out": "Kijelentkezés", "login.title": "Bejelentkezés",
		"login.intro": "Adja meg a csapatban használt címét. Küldünk egy 15 percig érvényes bejelentkezési linket.",
		"login.email": "E-mail-cím", "login.submit": "Bejelentkezési link kérése",
		"login.sent": "Ha a cím a konzolhoz hozzáféréssel rendelkező csapattagé, a bejelentkezési link úton van. 15 percig érvényes, és egyszer használható.",
		"auth.title": "Bejelentkezés az outreach konzolba", "auth.intro": "A bejelentkezéshez nyomja meg a gombot. A link egyszer használható.", "auth.submit": "Bejelentkezés",
		"auth.expired": "Ez a bejelentkezési link lejárt", "auth.used": "Ezt a bejelentkezési linket már felhasználták", "auth.again": "Új link kérése",
		"mail.subject": "Bejelentkezési link az outreach konzolhoz",
	},
	"id": {
		"skip": "Langsung ke konten", "nav.home": "Beranda", "nav.campaigns": "Kampanye", "nav.audit": "Log audit",
		"signed_in_as": "Masuk sebagai", "sign_out": "Keluar", "login.title": "Masuk",
		"login.intro": "Masukkan alamat yang Anda gunakan sebagai anggota tim. Kami akan mengirim tautan masuk yang berlaku 15 menit.",
		"login.email": "Alamat email", "login.submit": "Kirimi saya tautan masuk",
		"login.sent": "Jika alamat ini milik anggota tim dengan akses konsol, tautan masuk sedang dikirim. Berlaku 15 menit dan hanya sekali pakai.",
		"auth.title": "Masuk ke konsol outreach", "auth.intro": "Tekan tombol untuk masuk. Tautan hanya sekali pakai.", "auth.submit": "Masuk",
		"auth.expired": "Tautan masuk ini sudah kedaluwarsa", "auth.used": "Tautan masuk ini sudah digunakan", "auth.again": "Minta tautan baru",
		"mail.subject": "Tautan masuk Anda ke konsol outreach",
	},
}

package sample

import "strings"

// Comment is a realistic NPS comment with the score a customer who writes
// it typically gives.
type Comment struct {
	Score int    // 0-10
	Text  string // in the comment's language
}

var comments = map[string][]Comment{
	"en": {
		{10, "The renewal reminders saved us from a lapse last year. Our CSM is fantastic."},
		{9, "Reporting is fast and the new dashboard is exactly what our finance team needed."},
		{8, "Solid product. Would love an API for bulk exports."},
		{7, "Works well, but onboarding new users still takes too long."},
		{5, "Support took three days to answer a P2 ticket. That is not acceptable."},
		{3, "Too many emails from your side and the invoices module keeps timing out."},
	},
	"pt-BR": {
		{10, "Atendimento excelente, a equipe de sucesso do cliente sempre responde rápido."},
		{9, "A integração com o nosso ERP funcionou de primeira. Recomendo!"},
		{7, "Bom produto, mas os relatórios poderiam ser mais flexíveis."},
		{6, "Falta suporte em português no fim de semana."},
		{2, "O sistema ficou fora do ar no fechamento do mês. Muito frustrante."},
	},
	"pt": {
		{10, "Excelente acompanhamento por parte da equipa. Obrigado!"},
		{8, "A plataforma é estável; gostaríamos de mais opções de exportação."},
		{6, "A faturação ainda tem alguns erros de arredondamento."},
		{3, "Demoraram demasiado tempo a resolver o nosso pedido de suporte."},
	},
	"fr": {
		{10, "Un outil indispensable pour notre équipe, et un accompagnement au top."},
		{9, "Très satisfaits de la dernière mise à jour, bravo à l'équipe."},
		{7, "Bon produit, mais la traduction de l'interface est parfois approximative."},
		{4, "Le support met trop de temps à répondre, surtout pour les tickets urgents."},
		{1, "Facturation incompréhensible et aucun retour de notre interlocuteur."},
	},
	"ru": {
		{10, "Отличный сервис, менеджер всегда на связи."},
		{9, "Удобные отчёты, экономим несколько часов в неделю."},
		{7, "В целом хорошо, но мобильное приложение работает медленно."},
		{5, "Хотелось бы поддержку на русском языке в рабочее время Москвы."},
		{2, "Дважды за месяц не могли выгрузить счета. Очень неудобно."},
	},
	"hu": {
		{10, "Nagyon elégedettek vagyunk, az ügyfélmenedzserünk mindig segítőkész."},
		{8, "Jól használható rendszer, de a számlázási modul lehetne gyorsabb."},
		{6, "Hiányzik a magyar nyelvű súgó néhány funkcióhoz."},
		{3, "A hibajegyünkre egy hétig nem kaptunk választ."},
	},
	"id": {
		{10, "Layanannya sangat membantu, tim CS selalu responsif."},
		{9, "Integrasi dengan sistem kami berjalan lancar. Mantap!"},
		{7, "Produknya bagus, tapi laporan bulanan masih agak lambat."},
		{4, "Tiket support kami baru dijawab setelah tiga hari."},
		{2, "Aplikasi sering error saat jam sibuk, sangat mengganggu."},
	},
}

// Comments returns a few realistic NPS comments in locale, falling back
// like the templates do (pt-BR → pt → en): "pt-PT" gets the Portuguese
// ones, an unknown language the English ones. The slice is shared: do not
// modify it.
func Comments(locale string) []Comment {
	for l := locale; l != ""; {
		if c, ok := comments[l]; ok {
			return c
		}
		i := strings.LastIndexByte(l, '-')
		if i < 0 {
			break
		}
		l = l[:i]
	}
	return comments["en"]
}

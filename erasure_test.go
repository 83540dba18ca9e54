package outreach_test

import (
	"strings"
	"testing"

	"github.com/outreach-dev/outreach"
)

func TestErasedPersonRedact(t *testing.T) {
	p := outreach.ErasedPerson{Email: "ana@example.com", Name: "Ana", Comments: []string{"ok", "Too <slow>\nreally"}}
	text := "  - [3] Ana <ana@example.com>, Acme\n" + outreach.PlainQuote("Too <slow>\nreally") + "\n" +
		"  - [9] Anabel <anabel@example.com>, Acme\n" + outreach.PlainQuote("ok") + "\n" +
		"  - bounce: Ana <ana@example.com> (550 <ana@example.com> unknown)\n" +
		"  - Hana <hana@example.com>, ana@example.com.br, ana@example.com.\n"
	want := "  - [3] [erased contact], Acme\n    > [erased comment]\n" +
		"  - [9] Anabel <anabel@example.com>, Acme\n    > ok\n" +
		"  - bounce: [erased contact] (550 <[erased contact]> unknown)\n" +
		"  - Hana <hana@example.com>, ana@example.com.br, [erased contact].\n"
	if got := p.Redact(text); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
	}
	htmlBody := `<li><strong>3</strong> · Ana &lt;ana@example.com&gt; · Acme<br><em style="color:#57606a;">“Too &lt;slow&gt;` + "\n" +
		`really”</em></li><li>Anabel &lt;anabel@example.com&gt; · “ok”</li>`
	got := p.Redact(htmlBody)
	if strings.Contains(got, "ana@example.com") || strings.Contains(got, "slow") || !strings.Contains(got, "Anabel &lt;anabel@example.com&gt; · “ok”") {
		t.Errorf("html: %s", got)
	}
	if (outreach.ErasedPerson{}).Redact(text) != text {
		t.Error("an empty person changed the body")
	}
}

package campaigns

import (
	"fmt"
	"strings"

	"github.com/goccy/go-yaml/ast"

	outreach "github.com/outreach-dev/outreach"
)

// Keys of the alerts section.
var (
	alertKeys     = []string{"key", "when", "notify", "follow_up"}
	alertWhenKeys = []string{"survey", "score_min", "score_max", "class", "campaigns"}
)

// parseAlerts reads the alerts list:
//
//	alerts:
//	  - key: detractor
//	    when: {survey: nps, score_max: 6}   # also score_min, class, campaigns
//	    notify: owner                       # or a list of addresses (owner may be one)
//	    follow_up: 48h                      # opens a follow-up case due in 48 h
//
// campaigns names campaigns of the pack (parsed holds them).
func (w *walker) parseAlerts(n ast.Node, parsed []parsedCampaign) []outreach.AlertRule {
	seq, ok := n.(*ast.SequenceNode)
	if !ok {
		w.errorf(n, "alerts: must be a list of alerts (each starting with \"- key: ...\"), not %s", kind(n))
		return nil
	}
	known := map[string]bool{}
	for _, pc := range parsed {
		known[pc.Key] = true
	}
	var rules []outreach.AlertRule
	seen := map[string]int{}
	for i, item := range seq.Values {
		item = w.resolve(item)
		what := fmt.Sprintf("alert #%d", i+1)
		if w.isNull(item) {
			w.errorf(seq.Values[i], "%s: is empty: give it at least key, when and notify", what)
			continue
		}
		r, keyNode, ok := w.parseAlert(item, what, known)
		if keyNode == nil {
			continue
		}
		if line, dup := seen[r.Key]; dup {
			w.errorf(keyNode, "alert key %q is used twice (first at line %d): keys must be unique", r.Key, line)
			continue
		}
		seen[r.Key], _ = position(keyNode)
		if ok {
			rules = append(rules, r)
		}
	}
	return rules
}

// parseAlert reads one alert; ok is false when it is unusable.
func (w *walker) parseAlert(n ast.Node, what string, known map[string]bool) (outreach.AlertRule, ast.Node, bool) {
	var r outreach.AlertRule
	f, ok := w.mapping(n, what, alertKeys)
	if !ok {
		return r, nil, false
	}
	key, keyNode, keyOK := w.required(f, "key", what)
	if keyOK && !keyPattern.MatchString(key) {
		w.errorf(keyNode, "%s: key %q: use 1 to 64 lower-case letters, digits, - and _ (e.g. detractor)", what, key)
		keyOK = false
	}
	if keyOK {
		what = fmt.Sprintf("alert %q", key)
	} else {
		keyNode = nil
	}
	r.Key = key
	good := keyOK
	if fl, exists := f.m["when"]; !exists || w.isNull(fl.value) {
		w.errorf(f.node, "%s: needs when: the answers it matches (e.g. when: {survey: nps, score_max: 6})", what)
		good = false
	} else {
		good = w.parseWhen(fl.value, join(what, "when"), &r, known) && good
	}
	good = w.parseNotify(f, what, &r) && good
	if d, _, ok := w.duration(f, "follow_up", what, true); ok {
		r.FollowUp = d
	}
	return r, keyNode, good
}

// parseWhen reads the conditions of an alert.
func (w *walker) parseWhen(n ast.Node, what string, r *outreach.AlertRule, known map[string]bool) bool {
	f, ok := w.mapping(n, what, alertWhenKeys)
	if !ok {
		return false
	}
	good := true
	if kindStr, node, ok := w.str(f, "survey", what); ok {
		if contains(outreach.SurveyKinds, kindStr) {
			r.Survey = kindStr
		} else {
			w.errorf(node, "%s: unknown survey kind %q; use one of %s", join(what, "survey"), kindStr, strings.Join(outreach.SurveyKinds, ", "))
			good = false
		}
	}
	for _, k := range []struct {
		key string
		dst **int
	}{{"score_min", &r.ScoreMin}, {"score_max", &r.ScoreMax}} {
		v, node, ok := w.integer(f, k.key, what)
		if !ok {
			continue
		}
		if v < 0 || v > 10 {
			w.errorf(node, "%s: %d is not a score: use 0 to 10", join(what, k.key), v)
			good = false
			continue
		}
		*k.dst = &v
	}
	if r.ScoreMin != nil && r.ScoreMax != nil && *r.ScoreMin > *r.ScoreMax {
		w.errorf(f.m["score_min"].value, "%s: score_min %d is above score_max %d: no answer would match", what, *r.ScoreMin, *r.ScoreMax)
		good = false
	}
	classes, nodes, _ := w.stringList(f, "class", what)
	for i, c := range classes {
		if !contains(outreach.ScoreClasses, c) {
			w.errorf(nodes[i], "%s: unknown class %q; use %s", join(what, "class"), c, strings.Join(outreach.ScoreClasses, ", "))
			good = false
			continue
		}
		r.Classes = append(r.Classes, c)
	}
	keys, nodes, _ := w.stringList(f, "campaigns", what)
	for i, k := range keys {
		if !known[k] {
			w.errorf(nodes[i], "%s: unknown campaign %q: name a campaign of this pack", join(what, "campaigns"), k)
			good = false
			continue
		}
		r.Campaigns = append(r.Campaigns, k)
	}
	return good
}

// parseNotify reads notify: owner, or a list of addresses (which may
// include owner).
func (w *walker) parseNotify(f fields, what string, r *outreach.AlertRule) bool {
	if fl, exists := f.m["notify"]; !exists || w.isNull(fl.value) {
		w.errorf(f.node, "%s: needs notify: owner (the account's owner), or a list of addresses", what)
		return false
	}
	list, nodes, ok := w.stringList(f, "notify", what)
	if !ok {
		return false
	}
	good := true
	for i, s := range list {
		s = strings.TrimSpace(s)
		if s == "owner" {
			r.NotifyOwner = true
			continue
		}
		addr, err := outreach.CanonicalEmail(s)
		if err != nil {
			w.errorf(nodes[i], "%s: %q is neither owner nor an email address", join(what, "notify"), s)
			good = false
			continue
		}
		r.Addresses = append(r.Addresses, strings.ToLower(addr))
	}
	return good
}

package throttle

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	day  = 24 * time.Hour
	week = 7 * day
)

// history is a list of slots sorted by At, ascending. Slots reserved during
// a Decide call are inserted in order, so every rule sees them.
type history []Slot

// newHistory copies slots, keeping those that keep(s) accepts, sorted by At
// (then DeliveryID, so that reasons are deterministic). When several lists
// are merged, slots with the same non-empty DeliveryID are counted once.
func newHistory(keep func(Slot) bool, lists ...[]Slot) history {
	n := 0
	for _, list := range lists {
		n += len(list)
	}
	h := make(history, 0, n)
	var seen map[string]bool
	if len(lists) > 1 {
		seen = make(map[string]bool, n)
	}
	for _, list := range lists {
		for _, s := range list {
			if !keep(s) {
				continue
			}
			if seen != nil && s.DeliveryID != "" {
				if seen[s.DeliveryID] {
					continue
				}
				seen[s.DeliveryID] = true
			}
			h = append(h, s)
		}
	}
	cmp := func(a, b Slot) int {
		if c := a.At.Compare(b.At); c != 0 {
			return c
		}
		return strings.Compare(a.DeliveryID, b.DeliveryID)
	}
	if !slices.IsSortedFunc(h, cmp) {
		slices.SortFunc(h, cmp)
	}
	return h
}

// add inserts s keeping the order.
func (h *history) add(s Slot) {
	i, _ := slices.BinarySearchFunc(*h, s.At, func(e Slot, t time.Time) int {
		if e.At.After(t) {
			return 1
		}
		return -1 // equal times go after existing ones
	})
	*h = slices.Insert(*h, i, s)
}

// since returns the slots with At > t, the ones a window ending at t+W
// counts when it starts at t. Slots later than the candidate instant (clock
// skew between replicas) are counted too: that errs on the side of sending
// less.
func (h history) since(t time.Time) []Slot {
	i, _ := slices.BinarySearchFunc(h, t, func(e Slot, t time.Time) int {
		if e.At.After(t) {
			return 1
		}
		return -1
	})
	return h[i:]
}

// rule is one monotone or periodic constraint on the instant a delivery may
// be sent: next maps a candidate t to the earliest t' >= t that the rule
// allows, with a sentence when t' > t. A zero t' means "never" (only for
// policies that ValidatePolicy rejects).
type rule struct {
	name  string
	next  func(t time.Time) (time.Time, string)
	allow func(t time.Time) bool
	// key is the rule's name in a decision (outreach.RuleMaxPerDay, ...);
	// keyFrom, when set, names it instead from the candidate it moved
	// (the send window says which of its parts bound the delivery).
	key     string
	keyFrom func(from time.Time) string
}

// keyOf names r as the binding rule of a move that started at from.
func (r rule) keyOf(from time.Time) string {
	if r.keyFrom != nil {
		return r.keyFrom(from)
	}
	return r.key
}

// slotList says how a cap's reason introduces the slots that fill it.
type slotList struct {
	intro      string // "sent to this contact"
	recipients bool   // name each slot's recipient
}

var (
	// contactSlots: the per-contact caps count the contact's own mail.
	contactSlots = slotList{intro: "sent to this contact"}
	// accountSlots: the account cap counts the surveys of every contact of
	// the account, so each slot names who received it.
	accountSlots = slotList{intro: "surveys to the account's contacts", recipients: true}
)

// capRule allows t when fewer than limit slots of h lie in the window
// (t-window, t]. As t grows slots only leave the window, so the allowed set
// is [threshold, ∞) with threshold = (limit-th most recent slot) + window.
func capRule(key, name string, limit int, window time.Duration, h *history, list slotList, loc *time.Location) rule {
	return rule{
		name: name, key: key,
		allow: func(t time.Time) bool {
			return len(h.since(t.Add(-window))) < limit
		},
		next: func(t time.Time) (time.Time, string) {
			in := h.since(t.Add(-window))
			if len(in) < limit {
				return t, ""
			}
			free := in[len(in)-limit].At.Add(window)
			return free, fmt.Sprintf("%s %d reached: %s %s; frees at %s",
				name, limit, list.intro, fmtSlots(in, loc, list.recipients), fmtInstant(free, loc))
		},
	}
}

// gapRule allows t when no slot of h lies in (t-gap, t]: after the latest
// slot nothing for gap. what names the slot in the reason ("sent to this
// contact", "survey to this contact").
func gapRule(key, name string, gap time.Duration, h *history, what string, loc *time.Location) rule {
	return rule{
		name: name, key: key,
		allow: func(t time.Time) bool {
			return len(h.since(t.Add(-gap))) == 0
		},
		next: func(t time.Time) (time.Time, string) {
			in := h.since(t.Add(-gap))
			if len(in) == 0 {
				return t, ""
			}
			last := in[len(in)-1]
			free := last.At.Add(gap)
			return free, fmt.Sprintf("%s %s: last %s %s; next allowed %s",
				name, fmtDuration(gap), what, fmtSlots([]Slot{last}, loc, false), fmtInstant(free, loc))
		},
	}
}

// windowRule adapts the recipient's send window to a rule.
func windowRule(r *localRule) rule {
	return rule{name: "send window", next: r.next, allow: r.allowed, keyFrom: r.binding}
}

// earliest computes the earliest instant >= start that every rule allows,
// as a fixpoint: each rule moves the candidate forward to the first instant
// it allows, until a full pass moves nothing. It returns the sentences of
// the rules that moved it, in order, and ok=false when a rule can never be
// satisfied or the iteration did not settle (neither happens for a policy
// that passes ValidatePolicy; see doc.go for why two passes suffice).
//
// binding names the rule that moved the candidate last ("" when none
// moved it): the candidate only grows, so that rule's earliest allowed
// instant is the latest of all, and the result is it. When a rule can never
// be satisfied, binding names that rule.
func earliest(start time.Time, rules []rule) (t time.Time, why []string, binding string, ok bool) {
	t = start
	for range len(rules) + 2 {
		moved := false
		for _, r := range rules {
			t2, because := r.next(t)
			if t2.IsZero() {
				return t, append(why, because), r.keyOf(t), false
			}
			if t2.After(t) {
				why = append(why, because)
				binding = r.keyOf(t)
				t, moved = t2, true
			}
		}
		if !moved {
			return t, why, binding, true
		}
	}
	return t, append(why, "the rules did not settle on an instant"), binding, false
}

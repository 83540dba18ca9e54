package digest

import "math"

// Answer classes of a 0-10 score.
const (
	Detractor = "detractor" // 0-6
	Passive   = "passive"   // 7-8
	Promoter  = "promoter"  // 9-10
)

// Classify returns the class of a 0-10 score.
func Classify(score int) string {
	switch {
	case score <= 6:
		return Detractor
	case score <= 8:
		return Passive
	}
	return Promoter
}

// NPS counts answers by class. Its Score is % promoters - % detractors.
type NPS struct {
	Promoters, Passives, Detractors int
}

// Add counts one 0-10 answer.
func (n *NPS) Add(score int) {
	switch Classify(score) {
	case Detractor:
		n.Detractors++
	case Passive:
		n.Passives++
	default:
		n.Promoters++
	}
}

// Responses is the number of answers counted.
func (n NPS) Responses() int { return n.Promoters + n.Passives + n.Detractors }

// Score is the net promoter score, -100 to +100, rounded half away from
// zero; 0 without answers (check Responses).
func (n NPS) Score() int {
	total := n.Responses()
	if total == 0 {
		return 0
	}
	return int(math.Round(100 * float64(n.Promoters-n.Detractors) / float64(total)))
}

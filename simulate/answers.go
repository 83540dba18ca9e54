package simulate

import (
	"context"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"time"

	"github.com/outreach-dev/outreach"
	"github.com/outreach-dev/outreach/sample"
)

// Answers makes simulated customers answer their surveys, so that digests
// and the NPS API have something to show. At the start of each simulated
// day, a share of the survey emails sent the previous day are answered at a
// random time between the send and that day start, with a score drawn from
// the account's mood (most accounts are happy, a few are not) and, more
// often for detractors, a comment from sample.Comments in the contact's
// language. Every draw derives from Seed and the delivery or account id,
// so the same run gives the same answers.
type Answers struct {
	// Share is the fraction of survey deliveries answered, in (0, 1];
	// about 0.3 is realistic for B2B NPS.
	Share float64
	Seed  int64
}

// AnswerCounts says what customers answered during a simulation. Answers
// to CSAT campaigns (outreach.Pack.IsCSAT, the rule of the NPS API and the
// digests) count in no NPS figure: they are counted apart.
type AnswerCounts struct {
	Answers  int // survey responses recorded, NPS and CSAT
	Comments int // of which with a comment

	// Answers to NPS campaigns.
	NPSAnswers int
	Promoters  int // 9-10
	Passives   int // 7-8
	Detractors int // 0-6

	// Answers to CSAT campaigns.
	CSATAnswers   int
	CSATScoreSum  int // sum of their scores, for the average
	CSATSatisfied int // scored 9-10
}

// NPS returns % promoters - % detractors among the NPS answers, rounded,
// or 0 without NPS answers.
func (c AnswerCounts) NPS() int {
	if c.NPSAnswers == 0 {
		return 0
	}
	return int(math.Round(100 * float64(c.Promoters-c.Detractors) / float64(c.NPSAnswers)))
}

// CSATAverage returns the mean score of the CSAT answers (0-10), or 0
// without CSAT answers.
func (c AnswerCounts) CSATAverage() float64 {
	if c.CSATAnswers == 0 {
		return 0
	}
	return float64(c.CSATScoreSum) / float64(c.CSATAnswers)
}

// CSATSatisfiedShare returns the percentage of CSAT answers scored 9-10,
// rounded, or 0 without CSAT answers.
func (c AnswerCounts) CSATSatisfiedShare() int {
	if c.CSATAnswers == 0 {
		return 0
	}
	return int(math.Round(100 * float64(c.CSATSatisfied) / float64(c.CSATAnswers)))
}

func (a *Answers) validate() error {
	if a != nil && (a.Share <= 0 || a.Share > 1) {
		return fmt.Errorf("simulate: Answers.Share is %v: give the fraction of surveys answered, more than 0 and at most 1 (e.g. 0.3)", a.Share)
	}
	return nil
}

// mood is how an account feels about the vendor: the odds of promoter,
// passive and detractor answers, in percent.
type mood [3]int

var moods = []struct {
	weight int // percent of accounts
	odds   mood
}{
	{50, mood{65, 25, 10}}, // happy
	{35, mood{35, 40, 25}}, // so-so
	{15, mood{10, 30, 60}}, // unhappy
}

// commentOdds is the percent of answers with a comment, by group: unhappy
// customers say why more often.
var commentOdds = [3]int{45, 40, 70}

// detractorWeights draws detractor scores 0-6, mostly 4-6.
var detractorWeights = [7]int{1, 1, 2, 3, 4, 5, 6}

// surveysSentQuery lists the survey deliveries sent in [?, ?).
const surveysSentQuery = `SELECT l.id, l.campaign, l.sent_at, c.locale, a.external_id
	FROM deliveries l
	JOIN contacts c ON c.id = l.contact_id
	JOIN accounts a ON a.id = l.account_id
	WHERE l.state = 'sent' AND l.category = ? AND l.sent_at >= ? AND l.sent_at < ?
	ORDER BY l.sent_at, l.id`

// answerSurveys answers a share of the surveys sent in [dayStart - 1 day,
// dayStart).
func (s *sim) answerSurveys(ctx context.Context, dayStart time.Time) error {
	type sent struct {
		id, campaign, locale, account string
		at                            int64
	}
	x := s.db.SQLX()
	rows, err := x.QueryContext(ctx, x.Rebind(surveysSentQuery), outreach.CategorySurvey,
		dayStart.Add(-day).UnixMilli(), dayStart.UnixMilli())
	if err != nil {
		return fmt.Errorf("read surveys sent: %w", err)
	}
	var list []sent
	for rows.Next() {
		var r sent
		if err := rows.Scan(&r.id, &r.campaign, &r.at, &r.locale, &r.account); err != nil {
			rows.Close()
			return fmt.Errorf("read surveys sent: %w", err)
		}
		list = append(list, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read surveys sent: %w", err)
	}
	for _, d := range list {
		resp, ok := s.opts.Answers.draw(d.id, d.account, d.locale, time.UnixMilli(d.at).UTC(), dayStart)
		if !ok {
			continue
		}
		resp.Survey = s.pack.Pack.SurveyKind(d.campaign)
		if err := s.db.RecordSurveyResponse(ctx, resp); err != nil {
			return fmt.Errorf("answer survey %s: %w", d.id, err)
		}
		s.res.Answers.add(resp, s.pack.Pack.IsCSAT(d.campaign))
	}
	return nil
}

// add counts r, an answer to a CSAT campaign when csat is set.
func (c *AnswerCounts) add(r outreach.SurveyResponse, csat bool) {
	c.Answers++
	if r.Comment != "" {
		c.Comments++
	}
	if csat {
		c.CSATAnswers++
		c.CSATScoreSum += r.Score
		if r.Score >= 9 {
			c.CSATSatisfied++
		}
		return
	}
	c.NPSAnswers++
	switch group(r.Score) {
	case 0:
		c.Promoters++
	case 1:
		c.Passives++
	default:
		c.Detractors++
	}
}

// group is 0 for promoters, 1 for passives, 2 for detractors.
func group(score int) int {
	switch {
	case score >= 9:
		return 0
	case score >= 7:
		return 1
	}
	return 2
}

// draw decides whether the survey delivery id, sent at sentAt to a contact
// of account speaking locale, is answered and how, by dayStart.
func (a *Answers) draw(id, account, locale string, sentAt, dayStart time.Time) (outreach.SurveyResponse, bool) {
	r := rand.New(rand.NewPCG(uint64(a.Seed), hash(id)))
	if r.Float64() >= a.Share {
		return outreach.SurveyResponse{}, false
	}
	odds := a.mood(account)
	g := pick(r, odds[:])
	var score int
	switch g {
	case 0:
		score = 9 + r.IntN(2)
	case 1:
		score = 7 + r.IntN(2)
	default:
		score = pick(r, detractorWeights[:])
	}
	resp := outreach.SurveyResponse{DeliveryID: id, Score: score}
	if r.IntN(100) < commentOdds[g] {
		resp.Comment = comment(r, locale, score)
	}
	// Answered some time between the email and the day start, at least a
	// minute after it.
	window := dayStart.Sub(sentAt) - time.Minute
	resp.At = sentAt.Add(time.Minute)
	if window > 0 {
		resp.At = resp.At.Add(time.Duration(r.Int64N(int64(window))))
	}
	resp.At = resp.At.Truncate(time.Second)
	return resp, true
}

// mood returns the answer odds of account: the same for every answer of
// the account in a run.
func (a *Answers) mood(account string) mood {
	r := rand.New(rand.NewPCG(uint64(a.Seed), hash("account:"+account)))
	weights := make([]int, len(moods))
	for i, m := range moods {
		weights[i] = m.weight
	}
	return moods[pick(r, weights)].odds
}

// comment picks a comment in locale from the score's group, else the one
// whose typical score is nearest.
func comment(r *rand.Rand, locale string, score int) string {
	all := sample.Comments(locale)
	var same []string
	best, bestDist := "", 11
	for _, c := range all {
		if group(c.Score) == group(score) {
			same = append(same, c.Text)
		}
		if d := abs(c.Score - score); d < bestDist {
			best, bestDist = c.Text, d
		}
	}
	if len(same) > 0 {
		return same[r.IntN(len(same))]
	}
	return best
}

// pick returns an index drawn with the given weights.
func pick(r *rand.Rand, weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	n := r.IntN(total)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func hash(s string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(s))
	return h.Sum64()
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

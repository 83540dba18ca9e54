package simulate_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/outreach-dev/outreach/sample"
	"github.com/outreach-dev/outreach/simulate"
)

// goldenDecisions is the fingerprint of the decision log of goldenRun,
// taken before the forecast was made faster: every change to the speed of
// the simulation (statement cache, pragmas, indexes, batched clock steps,
// cached digest schedules) must leave what it decides unchanged.
const goldenDecisions = "463673af576bba4ec325cd4717c74bf93d55f3974c3629e5a5f9b32423cda469"

// goldenRun simulates a fixed sample: 2,000 contacts in 200 accounts,
// 12,000 events over 30 days, a team with digests, and customers who
// answer a third of their surveys.
func goldenRun(t *testing.T) []byte {
	t.Helper()
	d := sample.Generate(7, sample.Options{Accounts: 200, Contacts: 2000, Events: 12000, Days: 30})
	var log bytes.Buffer
	_, err := simulate.Run(context.Background(), simulate.Options{Accounts: d.Accounts, Contacts: d.Contacts,
		Events: d.Events, Team: d.Team, From: d.From, Days: 30, Out: &log,
		Answers: &simulate.Answers{Share: 0.3, Seed: 5}})
	if err != nil {
		t.Fatal(err)
	}
	return log.Bytes()
}

// decisionFingerprint hashes the fields of every log line that say what
// was decided (not how a line is worded: fields added to the log later do
// not change it), and counts the lines by campaign and decision.
func decisionFingerprint(t *testing.T, log []byte) (string, map[string]int) {
	t.Helper()
	keys := []string{"at", "delivery_id", "campaign", "category", "contact", "account", "decision", "reason", "until",
		"digest", "accounts", "subject"}
	h := sha256.New()
	counts := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(log))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var raw map[string]any
		if err := json.Unmarshal(sc.Bytes(), &raw); err != nil {
			t.Fatalf("log line %q: %v", sc.Text(), err)
		}
		for _, k := range keys {
			fmt.Fprintf(h, "%s=%v;", k, raw[k])
		}
		h.Write([]byte{'\n'})
		if _, ok := raw["digest"]; ok {
			counts["digest"]++
		} else {
			counts[fmt.Sprintf("%v/%v", raw["campaign"], raw["decision"])]++
		}
	}
	return hex.EncodeToString(h.Sum(nil)), counts
}

// TestGoldenDecisionLog checks that a fixed input still yields the very
// decisions it yielded before the simulation was optimised.
func TestGoldenDecisionLog(t *testing.T) {
	if testing.Short() {
		t.Skip("a 30-day simulation of 2,000 contacts")
	}
	sum, counts := decisionFingerprint(t, goldenRun(t))
	if sum != goldenDecisions {
		var lines []string
		for k, n := range counts {
			lines = append(lines, fmt.Sprintf("%s %d", k, n))
		}
		sort.Strings(lines)
		t.Fatalf("the decision log changed: fingerprint %s, want %s; counts:\n%s", sum, goldenDecisions, strings.Join(lines, "\n"))
	}
}

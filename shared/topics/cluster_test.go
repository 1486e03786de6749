package topics

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Two groups of English complaints and some unrelated one-offs.
var (
	enRefund = []string{
		"I returned the shoes two weeks ago and my refund has not arrived",
		"where is my refund? the return was accepted last week",
		"refund still not received after returning the item",
		"you promised a refund for the returned jacket, nothing yet",
		"how long does a refund take after the return is received",
		"my refund is missing, I sent the parcel back",
		"still waiting for the refund of my returned order",
		"the refund for my return never showed up on my card",
	}
	enPassword = []string{
		"I can't reset my password, the reset email never comes",
		"password reset link is not working",
		"forgot my password and the reset link expired",
		"how do I reset my password if I lost access to my email",
		"the password reset code is rejected every time",
		"reset password page shows an error",
		"my new password is not accepted after the reset",
		"locked out, need a password reset please",
	}
	enNoise = []string{
		"do you sell gift wrapping for birthdays",
		"what's the weather like in Lisbon",
		"is the shop open on public holidays",
	}
	zhHuabei = []string{
		"花呗还款日可以推迟吗",
		"花呗逾期还款会影响信用吗",
		"这个月花呗还款怎么还不了",
		"花呗还款失败了怎么办",
		"花呗提前还款有手续费吗",
		"花呗自动还款没有扣款",
		"花呗还款以后额度没有恢复",
		"用余额宝还花呗还款不成功",
	}
	zhDelivery = []string{
		"我的快递三天了还没到",
		"快递显示已签收但是我没收到",
		"快递一直不更新物流信息",
		"快递员没有送货上门",
		"快递被送错地址了",
		"物流停在中转站好几天快递不动",
		"快递丢件了谁负责",
		"催一下快递，急用",
	}
)

func messages(groups ...[]string) ([]Message, map[string]int) {
	var msgs []Message
	group := map[string]int{}
	for g, texts := range groups {
		for _, t := range texts {
			id := fmt.Sprintf("m%d", len(msgs))
			msgs = append(msgs, Message{ID: id, Text: t, At: time.Date(2026, 12, 1, 9, len(msgs), 0, 0, time.UTC)})
			group[id] = g
		}
	}
	return msgs, group
}

// checkGroups asserts that the topics are exactly the wanted groups (by
// index into groups) and returns the topic of each wanted group.
func checkGroups(t *testing.T, ts []Topic, group map[string]int, want []int, sizes map[int]int) map[int]Topic {
	t.Helper()
	if len(ts) != len(want) {
		for _, tp := range ts {
			t.Logf("topic %q size %d", tp.Name, tp.Size)
		}
		t.Fatalf("%d topics, want %d", len(ts), len(want))
	}
	byGroup := map[int]Topic{}
	for _, tp := range ts {
		g := group[tp.MessageIDs[0]]
		for _, id := range tp.MessageIDs {
			if group[id] != g {
				t.Errorf("topic %q mixes groups %d and %d (message %s)", tp.Name, g, group[id], id)
			}
		}
		if _, dup := byGroup[g]; dup {
			t.Errorf("group %d split into two topics", g)
		}
		byGroup[g] = tp
		if tp.Size != len(tp.MessageIDs) {
			t.Errorf("topic %q: size %d, %d ids", tp.Name, tp.Size, len(tp.MessageIDs))
		}
	}
	for _, g := range want {
		tp, ok := byGroup[g]
		if !ok {
			t.Errorf("no topic for group %d", g)
			continue
		}
		if tp.Size < sizes[g] {
			t.Errorf("group %d: topic %q has %d members, want at least %d", g, tp.Name, tp.Size, sizes[g])
		}
	}
	return byGroup
}

func TestClusterSeparatesEnglishGroups(t *testing.T) {
	msgs, group := messages(enRefund, enPassword, enNoise)
	ts := Cluster(msgs, Options{})
	byGroup := checkGroups(t, ts, group, []int{0, 1}, map[int]int{0: 7, 1: 7})
	if n := byGroup[0].Name; !strings.Contains(n, "refund") {
		t.Errorf("refund topic named %q", n)
	}
	if n := byGroup[1].Name; !strings.Contains(n, "password") {
		t.Errorf("password topic named %q", n)
	}
	for g, tp := range byGroup {
		if len(tp.Examples) == 0 || len(tp.Examples) > DefaultOptions().Examples {
			t.Errorf("group %d: %d examples", g, len(tp.Examples))
		}
		for _, ex := range tp.Examples {
			if !slices.Contains([][]string{enRefund, enPassword}[g], ex) {
				t.Errorf("group %d: example %q is not one of its messages", g, ex)
			}
		}
	}
}

func TestClusterSeparatesChineseGroups(t *testing.T) {
	msgs, group := messages(zhHuabei, zhDelivery)
	ts := Cluster(msgs, Options{})
	byGroup := checkGroups(t, ts, group, []int{0, 1}, map[int]int{0: 7, 1: 7})
	if p := byGroup[0].Phrases; !slices.ContainsFunc(p, func(s string) bool { return strings.Contains(s, "还款") }) {
		t.Errorf("花呗 topic phrases %q lack 还款", p)
	}
	if p := byGroup[1].Phrases; !slices.Contains(p, "快递") {
		t.Errorf("delivery topic phrases %q lack 快递", p)
	}
	for _, tp := range ts {
		for _, p := range tp.Phrases {
			if isCJKString(p) && len([]rune(p)) < 2 {
				t.Errorf("topic %q: one-character phrase %q", tp.Name, p)
			}
		}
	}
}

func TestClusterMixedLanguages(t *testing.T) {
	msgs, group := messages(enRefund, zhDelivery, enPassword, zhHuabei)
	ts := Cluster(msgs, Options{})
	checkGroups(t, ts, group, []int{0, 1, 2, 3}, map[int]int{0: 7, 1: 7, 2: 7, 3: 7})
}

func TestClusterTopicFields(t *testing.T) {
	msgs, _ := messages(enRefund, enPassword)
	ts := Cluster(msgs, Options{NamePhrases: 2, Phrases: 4, Examples: 2})
	for _, tp := range ts {
		if len(tp.Phrases) == 0 || len(tp.Phrases) > 4 {
			t.Errorf("topic %q: %d phrases", tp.Name, len(tp.Phrases))
		}
		if want := strings.Join(tp.Phrases[:min(2, len(tp.Phrases))], " / "); tp.Name != want {
			t.Errorf("name %q, want %q", tp.Name, want)
		}
		if len(tp.Examples) != 2 {
			t.Errorf("topic %q: %d examples, want 2", tp.Name, len(tp.Examples))
		}
		var norm float64
		for _, c := range tp.Centroid {
			norm += c.Weight * c.Weight
		}
		if math.Abs(norm-1) > 1e-9 || len(tp.Centroid) > DefaultOptions().CentroidTerms {
			t.Errorf("topic %q: centroid of %d terms, squared norm %v", tp.Name, len(tp.Centroid), norm)
		}
		if tp.First.IsZero() || tp.Last.Before(tp.First) {
			t.Errorf("topic %q: first %v last %v", tp.Name, tp.First, tp.Last)
		}
		if tp.ID != "" {
			t.Errorf("Cluster set id %q; ids are the tracker's", tp.ID)
		}
	}
}

func TestClusterDropsSmallClusters(t *testing.T) {
	msgs, _ := messages(enRefund, enPassword[:2], enNoise)
	ts := Cluster(msgs, Options{MinSize: 3})
	if len(ts) != 1 {
		t.Fatalf("%d topics, want the refund topic only", len(ts))
	}
	ts = Cluster(msgs, Options{MinSize: 2})
	if len(ts) != 2 {
		t.Fatalf("MinSize 2: %d topics, want 2", len(ts))
	}
}

func TestClusterEmptyAndBlank(t *testing.T) {
	if ts := Cluster(nil, Options{}); ts != nil {
		t.Fatalf("no messages: %v", ts)
	}
	msgs := []Message{{Text: ""}, {Text: "   "}, {Text: "?!"}, {Text: "的了吗"}}
	if ts := Cluster(msgs, Options{MinSize: 1}); len(ts) != 0 {
		t.Fatalf("messages without terms made topics: %+v", ts)
	}
}

// A run larger than MaxMessages clusters a sample and attaches the rest.
func TestClusterSamplesLargeRuns(t *testing.T) {
	msgs, group := messages(enRefund, enPassword)
	ts := Cluster(msgs, Options{MaxMessages: 12})
	checkGroups(t, ts, group, []int{0, 1}, map[int]int{0: 7, 1: 7})
}

func TestClusterDeterministic(t *testing.T) {
	msgs, _ := messages(enRefund, zhDelivery, enPassword, zhHuabei, enNoise)
	a := Cluster(msgs, Options{})
	b := Cluster(msgs, Options{})
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two runs over the same messages differ")
	}
}

func TestClusterContextCancelled(t *testing.T) {
	msgs, _ := messages(enRefund, enPassword)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := ClusterContext(ctx, msgs, Options{}); !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
}

// naiveAverage is textbook agglomerative average linkage: merge the closest
// pair while its mean pairwise distance is at most h.
func naiveAverage(dist [][]float64, h float64) []int {
	var clusters [][]int
	for i := range dist {
		clusters = append(clusters, []int{i})
	}
	avg := func(a, b []int) float64 {
		var s float64
		for _, i := range a {
			for _, j := range b {
				s += dist[i][j]
			}
		}
		return s / float64(len(a)*len(b))
	}
	for len(clusters) > 1 {
		bi, bj, bd := -1, -1, math.Inf(1)
		for i := range clusters {
			for j := i + 1; j < len(clusters); j++ {
				if d := avg(clusters[i], clusters[j]); d < bd {
					bi, bj, bd = i, j, d
				}
			}
		}
		if bd > h {
			break
		}
		clusters[bi] = append(clusters[bi], clusters[bj]...)
		clusters = slices.Delete(clusters, bj, bj+1)
	}
	labels := make([]int, len(dist))
	for c, members := range clusters {
		for _, i := range members {
			labels[i] = c
		}
	}
	return labels
}

// samePartition reports whether two labellings group items alike.
func samePartition(a, b []int) bool {
	ab, ba := map[int]int{}, map[int]int{}
	for i := range a {
		if x, ok := ab[a[i]]; ok && x != b[i] {
			return false
		}
		if y, ok := ba[b[i]]; ok && y != a[i] {
			return false
		}
		ab[a[i]], ba[b[i]] = b[i], a[i]
	}
	return true
}

func TestAverageLinkageMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 11))
	for trial := range 30 {
		n := 2 + r.IntN(40)
		pts := make([][2]float64, n)
		for i := range pts {
			// A few blobs, so cuts at several heights are interesting.
			c := float64(r.IntN(4))
			pts[i] = [2]float64{c*3 + r.NormFloat64(), c*2 + r.NormFloat64()}
		}
		dist := make([][]float64, n)
		sim := make([]float32, n*n)
		for i := range n {
			dist[i] = make([]float64, n)
			for j := range n {
				// Distances stored as float32 in the chain; compare on the same values.
				d := float64(float32(math.Hypot(pts[i][0]-pts[j][0], pts[i][1]-pts[j][1]) / 10))
				dist[i][j] = d
				if j > i {
					sim[i*n+j] = float32(1 - d)
				}
			}
		}
		merges, err := averageLinkage(sim, n, func() error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if len(merges) != n-1 {
			t.Fatalf("trial %d: %d merges for %d items", trial, len(merges), n)
		}
		for _, h := range []float64{0.05, 0.1, 0.2, 0.4, 1} {
			got, want := cut(merges, n, h), naiveAverage(dist, h)
			if !samePartition(got, want) {
				t.Errorf("trial %d (n %d) cut %.2f: chain %v, naive %v", trial, n, h, got, want)
			}
		}
	}
}

// A topic no phrase can name is named by its most central message.
func TestClusterNamesUnnameableTopic(t *testing.T) {
	msgs, _ := messages([]string{"12345 678", "12345 678", "12345 678 90", "12345 90"})
	ts := Cluster(msgs, Options{})
	if len(ts) != 1 {
		t.Fatalf("%d topics, want 1", len(ts))
	}
	if len(ts[0].Phrases) != 0 || ts[0].Name != ts[0].Examples[0] {
		t.Errorf("phrases %q, name %q, examples %q", ts[0].Phrases, ts[0].Name, ts[0].Examples)
	}
}

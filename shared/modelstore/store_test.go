package modelstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/lingxi/lingxi/infra/emulators"
	"github.com/lingxi/lingxi/shared/botconfig"
	"github.com/lingxi/lingxi/shared/modelstore"
	"github.com/lingxi/lingxi/shared/tenant"
)

func intents() []botconfig.Intent {
	return []botconfig.Intent{
		{ID: "card_lost", Examples: []string{"I lost my card", "my card was stolen", "can't find my bank card", "我的卡丢了", "卡被偷了"}},
		{ID: "balance", Examples: []string{"what is my balance", "how much money do I have", "check my account balance", "我的余额是多少", "查余额"}},
		{ID: "opening_hours", Examples: []string{"when are you open", "what are your opening hours", "are you open on sunday", "营业时间", "你们几点开门"}},
	}
}

func articles() []botconfig.Article {
	return []botconfig.Article{
		{ID: "fees-overseas", Questions: []string{"what are the fees for overseas payments", "境外消费手续费"}, Answer: botconfig.Text{"en": "1.5%"}},
		{ID: "pin-reset", Questions: []string{"how do I reset my PIN", "forgot my PIN"}, Answer: botconfig.Text{"en": "In the app."}},
	}
}

func newStore(t *testing.T) (*modelstore.Store, *s3.Client, string) {
	t.Helper()
	client, bucket := emulators.NewBucket(t, modelstore.NewClient)
	return modelstore.New(client, bucket), client, bucket
}

func mustTenant(t *testing.T, s string) tenant.ID {
	t.Helper()
	id, err := tenant.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func build(t *testing.T, tenantID string) *modelstore.Bundle {
	t.Helper()
	v, err := botconfig.NewModelVersion(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	b, eval, err := modelstore.Build(tenantID, v, time.Now(), intents(), articles())
	if err != nil {
		t.Fatal(err)
	}
	if eval.Examples != 19 || len(eval.Intents) != 5 || eval.Method != modelstore.EvaluationMethod {
		t.Fatalf("evaluation %+v", eval)
	}
	return b
}

// A bundle written to S3 reads back whole, and the model and index it holds answer as trained.
func TestPutGetRoundTrip(t *testing.T) {
	st, _, _ := newStore(t)
	ctx := context.Background()
	acme := mustTenant(t, "acme")
	b := build(t, "acme")
	k, err := st.Put(ctx, acme, b)
	if err != nil {
		t.Fatal(err)
	}
	if want := "models/acme/nlu/" + b.Version + ".bin"; k != want {
		t.Fatalf("key %q, want %q", k, want)
	}
	got, err := st.Get(ctx, acme, b.Version)
	if err != nil {
		t.Fatal(err)
	}
	if got.Tenant != "acme" || got.Version != b.Version || !got.CreatedAt.Equal(b.CreatedAt) {
		t.Fatalf("got %s/%s at %v", got.Tenant, got.Version, got.CreatedAt)
	}
	if got.Model.Version() != b.Model.Version() {
		t.Fatal("model changed on the way through S3")
	}
	eng := got.Engine()
	if r := eng.Understand("I lost my card yesterday"); r.Intent != "card_lost" {
		t.Fatalf("understood %+v", r)
	}
	if hits := got.Index.Search("reset PIN", 1); len(hits) != 1 || hits[0].ArticleID != "pin-reset" {
		t.Fatalf("search: %+v", hits)
	}
}

// Tenant B cannot read A's bundle through the store, and an object that holds another tenant's
// bundle (a mix-up outside the store) is refused rather than served.
func TestTenantIsolation(t *testing.T) {
	st, client, bucket := newStore(t)
	ctx := context.Background()
	a, b := mustTenant(t, "tenant-a"), mustTenant(t, "tenant-b")
	bundle := build(t, "tenant-a")
	if _, err := st.Put(ctx, a, bundle); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, b, bundle.Version); !errors.Is(err, modelstore.ErrNotFound) {
		t.Fatalf("B reading A's version: %v", err)
	}
	data, err := bundle.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	_, err = client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(botconfig.ModelKey("tenant-b", bundle.Version)), Body: bytes.NewReader(data),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, b, bundle.Version); !errors.Is(err, modelstore.ErrCorrupt) {
		t.Fatalf("A's bundle under B's key: %v", err)
	}
}

func TestGetErrors(t *testing.T) {
	st, client, bucket := newStore(t)
	ctx := context.Background()
	acme := mustTenant(t, "acme")
	v, _ := botconfig.NewModelVersion(time.Now())
	if _, err := st.Get(ctx, acme, v); !errors.Is(err, modelstore.ErrNotFound) {
		t.Fatalf("missing version: %v", err)
	}
	if _, err := st.Get(ctx, acme, "../other/nlu/x"); !errors.Is(err, modelstore.ErrNotFound) {
		t.Fatalf("malformed version: %v", err)
	}
	if _, err := st.Get(ctx, tenant.ID{}, v); !errors.Is(err, tenant.ErrInvalid) {
		t.Fatalf("zero tenant: %v", err)
	}
	_, err := client.PutObject(ctx, &s3.PutObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(botconfig.ModelKey("acme", v)), Body: bytes.NewReader([]byte("not a bundle")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, acme, v); !errors.Is(err, modelstore.ErrCorrupt) {
		t.Fatalf("garbage object: %v", err)
	}
	if err := st.Delete(ctx, acme, v); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Get(ctx, acme, v); !errors.Is(err, modelstore.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}

// A flipped byte anywhere in the bundle is caught.
func TestUnmarshalDetectsDamage(t *testing.T) {
	b := build(t, "acme")
	data, err := b.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := modelstore.Unmarshal(data); err != nil {
		t.Fatal(err)
	}
	for _, at := range []int{len(data) / 3, len(data) / 2, len(data) - 40} {
		bad := bytes.Clone(data)
		bad[at] ^= 0x55
		if _, err := modelstore.Unmarshal(bad); !errors.Is(err, modelstore.ErrCorrupt) && !errors.Is(err, modelstore.ErrFormat) {
			t.Fatalf("byte %d flipped: %v", at, err)
		}
	}
	if _, err := modelstore.Unmarshal(data[:len(data)/2]); !errors.Is(err, modelstore.ErrCorrupt) {
		t.Fatalf("truncated: %v", err)
	}
}

func TestBuildRefusesUntrainable(t *testing.T) {
	v, _ := botconfig.NewModelVersion(time.Now())
	tests := map[string]struct {
		intents []botconfig.Intent
		field   string
	}{
		"no intents":              {nil, "/intents"},
		"one intent":              {intents()[:1], "/intents"},
		"one example":             {append(intents()[:2], botconfig.Intent{ID: "thin", Examples: []string{"only one"}}), "/intents/thin/examples"},
		"only oos and one intent": {[]botconfig.Intent{intents()[0], {ID: "oos", Examples: []string{"weather", "tell a joke"}}}, "/intents"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			_, _, err := modelstore.Build("acme", v, time.Now(), tc.intents, nil)
			var ue *modelstore.UntrainableError
			if !errors.As(err, &ue) {
				t.Fatalf("err %v", err)
			}
			found := false
			for _, p := range ue.Problems {
				found = found || p.Field == tc.field
			}
			if !found {
				t.Fatalf("problems %+v do not point at %s", ue.Problems, tc.field)
			}
		})
	}
}

// Out-of-scope examples give the evaluation its out-of-scope figures.
func TestBuildOutOfScopeFigures(t *testing.T) {
	v, _ := botconfig.NewModelVersion(time.Now())
	in := append(intents(), botconfig.Intent{ID: botconfig.OutOfScopeIntent, Examples: []string{
		"what's the weather", "tell me a joke", "who won the football", "play some music", "今天天气怎么样", "讲个笑话"}})
	_, eval, err := modelstore.Build("acme", v, time.Now(), in, nil)
	if err != nil {
		t.Fatal(err)
	}
	if eval.OutOfScope == nil || eval.OutOfScope.Examples != 6 {
		t.Fatalf("out-of-scope figures %+v", eval.OutOfScope)
	}
}

// The limits that keep training inside the api function's timeout are checked before any work.
func TestCheckTrainableLimits(t *testing.T) {
	many := func(n, each int) []botconfig.Intent {
		out := make([]botconfig.Intent, n)
		for i := range out {
			out[i].ID = fmt.Sprintf("intent_%d", i)
			for j := range each {
				out[i].Examples = append(out[i].Examples, fmt.Sprintf("example %d of %d", j, i))
			}
		}
		return out
	}
	tests := map[string]struct {
		intents  []botconfig.Intent
		articles int
		want     string // a reason fragment, "" for trainable
	}{
		"fine":          {many(100, 7), 10, ""},
		"too many":      {many(201, 2), 0, "at most 200"},
		"too much work": {many(160, 30), 0, "750000"},
		"examples":      {many(100, 51), 0, "at most 5000"},
		"articles":      {many(2, 2), botconfig.MaxTrainingArticles + 1, "knowledge-base index"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			articles := make([]botconfig.Article, tc.articles)
			err := modelstore.CheckTrainable(tc.intents, articles)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a problem about %q", err, tc.want)
			}
		})
	}
}

package ingest

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hibiken/asynq"

	"github.com/tributary-lineage/tributary/graph"
)

// The vector was computed by hand:
//
//	printf '%s' '{"id":"evt_0123","type":"lineage.view.changed","timestamp":1764100000}' |
//	  openssl dgst -sha256 -hmac 'tributary-test-secret'
func TestSignKnownVector(t *testing.T) {
	body := []byte(`{"id":"evt_0123","type":"lineage.view.changed","timestamp":1764100000}`)
	const want = "sha256=5886bb5b4e2aa941ac7ca1fd3b164490e1c91012bc6910bba1ddbee6a98e12cc"
	if got := Sign("tributary-test-secret", body); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	if !VerifySignature("tributary-test-secret", body, want) {
		t.Error("VerifySignature rejects the right signature")
	}
	for name, tc := range map[string]struct {
		secret string
		body   string
		sig    string
	}{
		"other secret": {"tributary-test-secreT", string(body), want},
		"other body":   {"tributary-test-secret", string(body) + " ", want},
		"no prefix":    {"tributary-test-secret", string(body), strings.TrimPrefix(want, "sha256=")},
		"upper hex":    {"tributary-test-secret", string(body), "sha256=" + strings.ToUpper(strings.TrimPrefix(want, "sha256="))},
	} {
		if VerifySignature(tc.secret, []byte(tc.body), tc.sig) {
			t.Errorf("%s: VerifySignature accepts it", name)
		}
	}
}

func TestWebhookDelayDoublesUpToMax(t *testing.T) {
	base, max := 10*time.Second, time.Hour
	want := []time.Duration{10 * time.Second, 20 * time.Second, 40 * time.Second, 80 * time.Second}
	for n, w := range want {
		if got := webhookDelay(base, max, n); got != w {
			t.Errorf("delay(%d) = %s, want %s", n, got, w)
		}
	}
	for _, n := range []int{9, 10, 40, 1000} {
		if got := webhookDelay(base, max, n); got != max {
			t.Errorf("delay(%d) = %s, want the cap %s", n, got, max)
		}
	}
	f := RetryDelay(base, max)
	task := asynq.NewTask(TypeWebhook, nil)
	for n := range 12 {
		d, lo := f(n, nil, task), webhookDelay(base, max, n)
		if d < lo || d > lo+lo/10 {
			t.Errorf("RetryDelay(%d) = %s, want within [%s, %s]", n, d, lo, lo+lo/10)
		}
	}
	other := asynq.NewTask(TypeAnalyze, nil)
	if d := f(0, nil, other); d < 15*time.Second { // asynq's default starts at 15 s
		t.Errorf("analyze tasks should keep asynq's default delay, got %s", d)
	}
}

func TestWebhookTaskIDs(t *testing.T) {
	a := WebhookTaskID("evt_1", "https://a.example/hook")
	if a != WebhookTaskID("evt_1", "https://a.example/hook") {
		t.Error("task id is not deterministic")
	}
	if a == WebhookTaskID("evt_1", "https://b.example/hook") || a == WebhookTaskID("evt_2", "https://a.example/hook") {
		t.Error("task ids of different deliveries collide")
	}
	if _, err := NewWebhookTask(context.Background(), WebhookPayload{EventID: "evt_1", URL: "https://a"}); err == nil {
		t.Error("task without data accepted")
	}
}

func TestWebhookConfigValidate(t *testing.T) {
	ok := WebhookConfig{URLs: []string{"https://h.example/x", "http://127.0.0.1:9/y"}, Secret: "s"}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid config: %v", err)
	}
	for name, c := range map[string]WebhookConfig{
		"no urls":   {Secret: "s"},
		"no secret": {URLs: []string{"https://h.example"}},
		"relative":  {URLs: []string{"/hook"}, Secret: "s"},
		"ftp":       {URLs: []string{"ftp://h.example/x"}, Secret: "s"},
	} {
		if err := c.Validate(); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestChangeRecordKinds(t *testing.T) {
	v := graph.ObjectID{Database: "D", Schema: "S", Name: "V"}
	at := time.Date(2026, 11, 25, 20, 0, 0, 0, time.UTC)
	t1 := at.Add(-time.Hour)
	same := graph.ViewVersion{Status: "ok", SourceVersion: "v1", LastAltered: t1}
	broken := []graph.BrokenColumn{{
		ID: v.Column("X"), View: v, LostSources: []graph.ColumnID{{Database: "D", Schema: "S", Table: "U", Column: "C"}},
		Kinds: []graph.Kind{{Type: graph.EdgeDirect, Subtype: graph.SubtypeIdentity}},
	}}
	for _, tc := range []struct {
		name string
		c    graph.ViewChange
		kind string // "" when no record
	}{
		{"new", graph.ViewChange{View: v, After: same, ColumnsAdded: []string{"A"}}, ChangeAdded},
		{"dropped", graph.ViewChange{View: v, Existed: true, Deleted: true, Before: same}, ChangeDropped},
		{"new version", graph.ViewChange{View: v, Existed: true, Before: same, After: graph.ViewVersion{Status: "ok", SourceVersion: "v2", LastAltered: t1}}, ChangeModified},
		{"new LAST_ALTERED", graph.ViewChange{View: v, Existed: true, Before: same, After: graph.ViewVersion{Status: "ok", SourceVersion: "v1", LastAltered: at}}, ChangeModified},
		{"same result", graph.ViewChange{View: v, Existed: true, Before: same, After: same}, ""},
		{"other columns", graph.ViewChange{View: v, Existed: true, Before: same, After: same, ColumnsRemoved: []string{"C"}}, ChangeReanalysed},
		{"now failed", graph.ViewChange{View: v, Existed: true, Before: same, After: graph.ViewVersion{Status: "failed", SourceVersion: "v1", LastAltered: t1}}, ChangeReanalysed},
		{"broke a reader", graph.ViewChange{View: v, Existed: true, Before: same, After: same, Broken: broken}, ChangeReanalysed},
	} {
		r, ok := changeRecord(tc.c, "dir:/w", "job-1", at)
		if ok != (tc.kind != "") || r.Kind != tc.kind {
			t.Errorf("%s: record %v kind %q, want %q", tc.name, ok, r.Kind, tc.kind)
		}
	}
	r, _ := changeRecord(graph.ViewChange{View: v, Existed: true, Before: same, After: same, Broken: broken}, "dir:/w", "job-1", at)
	want := []BrokenColumn{{Column: "D.S.V.X", View: "D.S.V", LostSources: []string{"D.S.U.C"}, Kinds: []string{"DIRECT/IDENTITY"}}}
	if d := cmp.Diff(want, r.Broken); d != "" {
		t.Errorf("broken columns (-want +got):\n%s", d)
	}
	r2, _ := changeRecord(graph.ViewChange{View: v, Existed: true, Before: same, After: same, Broken: broken}, "dir:/w", "job-1", at.Add(time.Minute))
	if r.EventID() != r2.EventID() {
		t.Error("event id depends on the time")
	}
	r2.JobID = "job-2"
	if r.EventID() == r2.EventID() {
		t.Error("records of different jobs share an event id")
	}
}

package openlineage

import (
	"context"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/tributary-lineage/tributary/graph"
)

func newValidator(t *testing.T) *Validator {
	t.Helper()
	v, err := NewValidator()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func plan(t *testing.T, v *Validator, body []byte) Write {
	t.Helper()
	ev, err := v.Decode(body)
	if err != nil {
		t.Fatalf("decode: %v", err)
	}
	w, err := Plan(context.Background(), ev)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	return w
}

// edit decodes the spec example, applies f and encodes it again.
func edit(t *testing.T, f func(ev map[string]any)) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/spec_column_lineage_example.json")
	if err != nil {
		t.Fatal(err)
	}
	var ev map[string]any
	if err := json.Unmarshal(data, &ev); err != nil {
		t.Fatal(err)
	}
	f(ev)
	out, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

type edge struct{ From, To, Type, Subtype string }

func edgesOf(l Lineage) []edge {
	var out []edge
	for _, e := range l.Edges {
		out = append(out, edge{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype)})
	}
	return out
}

func TestSpecColumnLineageExample(t *testing.T) {
	w := plan(t, newValidator(t), edit(t, func(map[string]any) {}))
	if len(w.Lineage) != 1 {
		t.Fatalf("lineage of %d outputs, want 1", len(w.Lineage))
	}
	l := w.Lineage[0]
	src := `"food_delivery".EXTERNAL."public.delivery_7_days".`
	dst := `"food_delivery".EXTERNAL."public.top_delivery_times".`
	want := []edge{
		{dst + `"order_delivered_on"`, src + `"order_delivered_on"`, "DIRECT", "IDENTITY"},
		{dst + `"order_delivery_time"`, src + `"order_placed_on"`, "DIRECT", "TRANSFORMATION"},
		{dst + `"order_delivery_time"`, src + `"order_delivered_on"`, "DIRECT", "TRANSFORMATION"},
		{dst + `"order_id"`, src + `"order_id"`, "DIRECT", "IDENTITY"},
		{dst + `"order_placed_on"`, src + `"order_placed_on"`, "DIRECT", "IDENTITY"},
	}
	if d := cmp.Diff(want, edgesOf(l)); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	wantInputs := []graph.Input{
		{Column: graph.ColumnID{Database: "food_delivery", Schema: "EXTERNAL", Table: "public.delivery_7_days", Column: "order_placed_on"}, Subtype: "SORT"},
		{Column: graph.ColumnID{Database: "food_delivery", Schema: "EXTERNAL", Table: "public.delivery_7_days", Column: "order_delivered_on"}, Subtype: "SORT"},
	}
	if d := cmp.Diff(wantInputs, l.Inputs); d != "" {
		t.Errorf("inputs (-want +got):\n%s", d)
	}
	if l.Kind != KindExternal || len(w.Datasets) != 2 || w.Datasets[0].Kind != KindExternal {
		t.Errorf("kinds: lineage %q, datasets %+v", l.Kind, w.Datasets)
	}
	if w.Job.Statement() != "food_delivery/top_delivery_times.insert" || w.RunID != "3b452093-782c-4ef2-9c0c-aafe2aa6f34d" {
		t.Errorf("job %q run %q", w.Job.Statement(), w.RunID)
	}
	if len(w.Notes) != 0 {
		t.Errorf("notes: %q", w.Notes)
	}

	// As the documentation sends it (START): accepted, the run state only.
	start := plan(t, newValidator(t), edit(t, func(ev map[string]any) { ev["eventType"] = "START" }))
	if len(start.Lineage) != 0 || len(start.Notes) != 1 || !strings.Contains(start.Notes[0], "only COMPLETE") {
		t.Errorf("START: lineage %d, notes %q", len(start.Lineage), start.Notes)
	}
}

func TestSnowflakeNames(t *testing.T) {
	for _, c := range []struct{ ns, name, want, kind string }{
		{"snowflake://myorg-myaccount", "analytics.marts.orders", "ANALYTICS.MARTS.ORDERS", KindTable},
		{"snowflake://xy12345.us-east-1.aws", "RAW.SHOP.ORDERS", "RAW.SHOP.ORDERS", KindTable},
		{"snowflake://myorg-myaccount", `RAW."My Schema".t`, `RAW."My Schema".T`, KindTable},
		{"snowflake://myorg-myaccount", "RAW.SHOP.Order Lines", `RAW.SHOP."Order Lines"`, KindTable},
		{"postgres://db:5432", "shop.public.orders", `"postgres://db:5432".EXTERNAL."shop.public.orders"`, KindExternal},
		{"bigquery", "proj.ds.t", `"bigquery".EXTERNAL."proj.ds.t"`, KindExternal},
	} {
		id, kind, err := DatasetID(c.ns, c.name)
		if err != nil || id.String() != c.want || kind != c.kind {
			t.Errorf("DatasetID(%q, %q) = %s %s %v, want %s %s", c.ns, c.name, id, kind, err, c.want, c.kind)
		}
	}
	if _, _, err := DatasetID("snowflake://org-acct", "SHOP.ORDERS"); err == nil {
		t.Error("a two-part Snowflake name was accepted")
	}
}

func TestSQLFacetAnalysed(t *testing.T) {
	body := `{"eventType":"COMPLETE","eventTime":"2026-01-02T03:04:05Z","producer":"https://example.com/p",
	"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
	"run":{"runId":"0190c6f1-6b8e-7000-8000-000000000001"},
	"job":{"namespace":"airflow","name":"shop.load_totals","facets":{"sql":{"_producer":"https://example.com/p",
	  "_schemaURL":"https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet",
	  "query":"insert into marts.totals (customer_id, total) select customer_id, sum(amount) from raw.shop.orders where status = 'paid' group by customer_id"}}},
	"inputs":[{"namespace":"snowflake://org-acct","name":"RAW.SHOP.ORDERS"}],
	"outputs":[{"namespace":"snowflake://org-acct","name":"ANALYTICS.MARTS.TOTALS"}]}`
	w := plan(t, newValidator(t), []byte(body))
	if len(w.Lineage) != 1 || !w.Lineage[0].FromSQL {
		t.Fatalf("lineage %+v", w.Lineage)
	}
	want := []edge{
		{"ANALYTICS.MARTS.TOTALS.CUSTOMER_ID", "RAW.SHOP.ORDERS.CUSTOMER_ID", "DIRECT", "IDENTITY"},
		{"ANALYTICS.MARTS.TOTALS.TOTAL", "RAW.SHOP.ORDERS.AMOUNT", "DIRECT", "AGGREGATION"},
	}
	if d := cmp.Diff(want, edgesOf(w.Lineage[0])); d != "" {
		t.Errorf("edges (-want +got):\n%s", d)
	}
	var subs []string
	for _, in := range w.Lineage[0].Inputs {
		subs = append(subs, in.Column.String()+" "+string(in.Subtype))
	}
	if d := cmp.Diff([]string{"RAW.SHOP.ORDERS.CUSTOMER_ID GROUP_BY", "RAW.SHOP.ORDERS.STATUS FILTER"}, subs); d != "" {
		t.Errorf("inputs (-want +got):\n%s", d)
	}
}

func TestInvalidEvents(t *testing.T) {
	v := newValidator(t)
	for _, c := range []struct {
		name string
		body []byte
		path string
	}{
		{"wrong eventType", edit(t, func(ev map[string]any) { ev["eventType"] = "DONE" }), "$.eventType"},
		{"missing runId", edit(t, func(ev map[string]any) { ev["run"] = map[string]any{} }), "$.run.runId"},
		{"runId not a uuid", edit(t, func(ev map[string]any) { ev["run"] = map[string]any{"runId": "42"} }), "$.run.runId"},
		{"facet violating its schema", edit(t, func(ev map[string]any) {
			ds := ev["outputs"].([]any)[0].(map[string]any)
			fields := ds["facets"].(map[string]any)["columnLineage"].(map[string]any)["fields"].(map[string]any)
			delete(fields["order_id"].(map[string]any)["inputFields"].([]any)[0].(map[string]any), "field")
		}), `$.outputs[0].facets.columnLineage.fields.order_id.inputFields[0].field`},
		{"schema facet field without name", edit(t, func(ev map[string]any) {
			ev["inputs"].([]any)[0].(map[string]any)["facets"] = map[string]any{"schema": map[string]any{
				"_producer": "https://x.example", "_schemaURL": "https://x.example/s", "fields": []any{map[string]any{"type": "INT"}}}}
		}), "$.inputs[0].facets.schema.fields[0].name"},
		{"snowflake name of two parts", edit(t, func(ev map[string]any) {
			ev["inputs"] = []any{map[string]any{"namespace": "snowflake://org-acct", "name": "SHOP.ORDERS"}}
		}), "$.inputs[0].name"},
		{"nested JSON", []byte(strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)), "$"},
		{"two events", append(edit(t, func(map[string]any) {}), []byte(" {}")...), "$"},
		{"array", []byte(`[]`), "$"},
	} {
		t.Run(c.name, func(t *testing.T) {
			ev, err := v.Decode(c.body)
			if err == nil {
				_, err = Plan(context.Background(), ev)
			}
			var e *Error
			if !asError(err, &e) {
				t.Fatalf("err = %v, want *Error", err)
			}
			t.Log(e)
			if e.Path != c.path {
				t.Errorf("path %q (%s), want %q", e.Path, e.Message, c.path)
			}
		})
	}
}

func asError(err error, target **Error) bool {
	e, ok := err.(*Error)
	*target = e
	return ok
}

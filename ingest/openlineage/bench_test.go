package openlineage

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
)

// tenColumnEvent is a COMPLETE run event with a 10-column column-lineage facet and schema
// facets on its input and output: the shape of bench/openlineage's load.
func tenColumnEvent(b *testing.B) []byte {
	b.Helper()
	type m = map[string]any
	ns := "snowflake://acme-load"
	var in, out []any
	fields := m{}
	for c := range 10 {
		col := fmt.Sprintf("C%d", c)
		in = append(in, m{"name": col, "type": "NUMBER"})
		out = append(out, m{"name": col, "type": "NUMBER"})
		fields[col] = m{"inputFields": []any{m{"namespace": ns, "name": "DB.RAW.SRC", "field": col,
			"transformations": []any{m{"type": "DIRECT", "subtype": "IDENTITY", "description": "", "masking": false}}}}}
	}
	facet := func(url string, v m) m { v["_producer"], v["_schemaURL"] = "https://example.com", url; return v }
	ev := m{"eventType": "COMPLETE", "eventTime": "2026-01-02T03:04:05.000Z", "producer": "https://example.com",
		"schemaURL": "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":       m{"runId": "0190c6f1-6b8e-7000-8000-000000000001"}, "job": m{"namespace": "airflow", "name": "load"},
		"inputs": []any{m{"namespace": ns, "name": "DB.RAW.SRC", "facets": m{"schema": facet("https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json", m{"fields": in})}}},
		"outputs": []any{m{"namespace": ns, "name": "DB.MART.OUT", "facets": m{
			"schema":        facet("https://openlineage.io/spec/facets/1-2-0/SchemaDatasetFacet.json", m{"fields": out}),
			"columnLineage": facet("https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json", m{"fields": fields})}}}}
	body, err := json.Marshal(ev)
	if err != nil {
		b.Fatal(err)
	}
	return body
}

// BenchmarkDecodePlan is the CPU an event costs before the graph: decoding, validating against
// the spec schemas and mapping to graph writes.
func BenchmarkDecodePlan(b *testing.B) {
	v, err := NewValidator()
	if err != nil {
		b.Fatal(err)
	}
	body := tenColumnEvent(b)
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		ev, err := v.Decode(body)
		if err != nil {
			b.Fatal(err)
		}
		w, err := Plan(context.Background(), ev)
		if err != nil || len(w.Lineage) != 1 || len(w.Lineage[0].Edges) != 10 {
			b.Fatalf("plan: %v %+v", err, w)
		}
	}
}

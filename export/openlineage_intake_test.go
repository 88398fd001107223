package export

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/uuid"

	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/openlineage"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// TestRoundTripOfOpenLineageIntake: what OpenLineage events wrote (through the intake, as
// POST /api/v1/lineage does) survives a Tributary JSON export and an import under another
// database name: the edges of a column-lineage facet (with masking and dataset-level inputs),
// of an analysed SQL job facet and from a dataset outside Snowflake, each with origin
// openlineage, the job as statement and its run, and the columns the schema facets gave.
func TestRoundTripOfOpenLineageIntake(t *testing.T) {
	ctx := context.Background()
	s := newStore(t)
	src := testDB(t, s, "EXL_")
	dst := testDB(t, s, "EXM_")
	pg := "postgres://" + graphtest.Name(t, "EXL_PG_") + ":5432"
	graphtest.Cleanup(t, s, pg)
	jobs := graphtest.Name(t, "EXL_JOBS_")
	graphtest.CleanupJobs(t, s, jobs)
	intake, err := openlineage.NewIntake(graph.NewWriter(s, nil), nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	sf := "snowflake://acme-analytics"
	field := func(ns, name, col, typ, sub string, masking bool) string {
		return fmt.Sprintf(`{"namespace":%q,"name":%q,"field":%q,"transformations":[{"type":%q,"subtype":%q,"masking":%t}]}`, ns, name, col, typ, sub, masking)
	}
	facet := `"_producer":"https://example.com/test","_schemaURL":"https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json"`
	orders := src + ".RAW.ORDERS"
	runs := map[string]string{}
	send := func(job, io string, jobFacets string) {
		t.Helper()
		runs[job] = uuid.NewString()
		body := fmt.Sprintf(`{"eventType":"COMPLETE","eventTime":"2026-11-02T09:00:00Z","producer":"https://example.com/test",
		"schemaURL":"https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent",
		"run":{"runId":%q},"job":{"namespace":%q,"name":%q,"facets":{%s}},%s}`, runs[job], jobs, job, jobFacets, io)
		rec, err := intake.Receive(ctx, []byte(body))
		if err != nil || rec.Edges == 0 {
			t.Fatalf("event of %s: %+v %v", job, rec, err)
		}
	}
	send("load_totals", fmt.Sprintf(`"inputs":[{"namespace":%q,"name":%q,"facets":{"schema":{"_producer":"https://example.com/test","_schemaURL":"https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json","fields":[{"name":"ID","type":"NUMBER"},{"name":"AMOUNT","type":"NUMBER(12,2)"},{"name":"STATUS","type":"TEXT"}]}}}],
		"outputs":[{"namespace":%q,"name":%q,"facets":{"columnLineage":{%s,"fields":{"TOTAL":{"inputFields":[%s]}},"dataset":[%s]}}}]`,
		sf, orders, sf, src+".MART.TOTALS", facet, field(sf, orders, "AMOUNT", "DIRECT", "AGGREGATION", false), field(sf, orders, "STATUS", "INDIRECT", "FILTER", false)), "")
	send("load_paid", fmt.Sprintf(`"inputs":[{"namespace":%q,"name":%q}],"outputs":[{"namespace":%q,"name":%q}]`, sf, orders, sf, src+".MART.PAID"),
		fmt.Sprintf(`"sql":{"_producer":"https://example.com/test","_schemaURL":"https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json","query":"insert into %s.mart.paid (order_id) select id from %s.raw.orders where status = 'paid'"}`, src, src))
	send("copy_customers", fmt.Sprintf(`"inputs":[{"namespace":%q,"name":"shop.public.customers"}],
		"outputs":[{"namespace":%q,"name":%q,"facets":{"columnLineage":{%s,"fields":{"EMAIL_HASH":{"inputFields":[%s]}}}}}]`,
		pg, sf, src+".MART.CUSTOMERS", facet, field(pg, "shop.public.customers", "email", "DIRECT", "TRANSFORMATION", true)), "")

	data, _ := runExport(t, s, "database:"+src, FormatJSON)
	for job, run := range runs {
		for _, want := range []string{`"statement":"` + jobs + "/" + job + `"`, `"run":"` + run + `"`} {
			if !strings.Contains(string(data), want) {
				t.Errorf("the document lacks %s", want)
			}
		}
	}
	for _, want := range []string{`"origin":"openlineage"`, `"masking":true`, `"subtype":"FILTER"`, pg + `\".EXTERNAL.\"shop.public.customers\".\"email\"`} {
		if !strings.Contains(string(data), want) {
			t.Errorf("the document lacks %s", want)
		}
	}
	if _, err := Import(ctx, s, opener(data), ImportOptions{RenameDatabases: map[string]string{src: dst}}); err != nil {
		t.Fatalf("import: %v", err)
	}
	before, after := records(t, s, src), records(t, s, dst)
	if len(before) != 4 { // RAW.ORDERS (its columns from the schema facet), MART.TOTALS, MART.PAID, MART.CUSTOMERS
		t.Fatalf("exported %d datasets, want 4: %q", len(before), before)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("re-exported datasets differ (-exported +imported):\n%s", diff)
	}
	if diff := cmp.Diff(dump(t, s, src), dump(t, s, dst)); diff != "" {
		t.Errorf("imported graph differs (-exported +imported):\n%s", diff)
	}
}

package ingest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
	"github.com/tributary-lineage/tributary/internal/graphtest"
)

// Views stored by an engine with an older lineage version (their version has no engine part,
// their edges no chains of expressions) are re-analysed by the next ordinary refresh, and
// the job counts them; the refresh after that leaves everything alone.
func TestRefreshReanalysesViewsOfAnOlderEngine(t *testing.T) {
	ctx := context.Background()
	store := newStore(t)
	db := unique(t, "TI_E_")
	dropAfter(t, store, db)
	dir := t.TempDir()
	files := map[string]string{
		"catalog.json": `{"` + db + `.RAW.ORDERS": ["ID", "AMOUNT"]}`,
		"a.sql":        "CREATE VIEW " + db + ".MART.A AS SELECT id, amount * 2 AS doubled FROM " + db + ".RAW.ORDERS",
		"b.sql":        "CREATE VIEW " + db + ".MART.B AS SELECT id, ROUND(doubled, 1) AS r FROM " + db + ".MART.A",
		"c.sql":        "CREATE VIEW " + db + ".MART.C AS SELECT id FROM " + db + ".RAW.ORDERS",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	src, err := ingest.NewDirSource(dir, ingest.DirOptions{})
	if err != nil {
		t.Fatal(err)
	}
	jobs := ingest.NewJobStore(newRedis(t), unique(t, "tributary:test:job:"), 0)
	runner := ingest.NewRunner(store, jobs, nil)
	if _, err := runner.RunInline(ctx, src, false, "first"); err != nil {
		t.Fatal(err)
	}

	// What an engine before lineage versions stored for A and B: the version without its
	// engine part, edges without chains. C stays as this engine stored it.
	driver := graphtest.Driver(t)
	prefix := fmt.Sprintf("e%d-", lineage.Version)
	res, err := neo4j.ExecuteQuery(ctx, driver, `
		MATCH (v:View) WHERE v.id IN $ids AND v.sourceVersion STARTS WITH $prefix
		SET v.sourceVersion = substring(v.sourceVersion, size($prefix))
		WITH v
		MATCH (v)-[:HAS_COLUMN]->(:Column)-[e:DERIVES_FROM]->()
		REMOVE e.steps, e.stepRelations
		RETURN count(DISTINCT v) AS views`,
		map[string]any{"ids": []string{db + ".MART.A", db + ".MART.B"}, "prefix": prefix},
		neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(graphtest.Neo4jDatabase()))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.Records[0].Get("views"); n != int64(2) {
		t.Fatalf("rewrote %v views to the old version, want 2", n)
	}

	plan, err := runner.RunInline(ctx, src, false, "second")
	if err != nil {
		t.Fatal(err)
	}
	var analysed []string
	for _, c := range plan.Changes {
		analysed = append(analysed, c.View.Name+":"+c.Kind)
	}
	if got := strings.Join(analysed, " "); got != "A:engine B:engine" || plan.ReanalysedEngine != 2 || plan.Unchanged != 1 {
		t.Errorf("plan after the upgrade: %s, %d re-analysed for the engine, %d unchanged; want A and B (engine), 2, 1",
			got, plan.ReanalysedEngine, plan.Unchanged)
	}
	job, err := jobs.Get(ctx, "second")
	if err != nil {
		t.Fatal(err)
	}
	if job.ReanalysedEngine != 2 || job.Total != 2 || job.Done != 2 || job.Unchanged != 1 {
		t.Errorf("job %+v, want 2 of 2 done, all re-analysed for the engine, 1 unchanged", job)
	}
	d, err := store.ViewDetail(ctx, graph.ObjectID{Database: db, Schema: "MART", Name: "B"})
	if err != nil {
		t.Fatal(err)
	}
	var steps []graph.Step
	for _, c := range d.Columns {
		if c.Name == "R" && len(c.Sources) == 1 {
			steps = c.Sources[0].Steps
		}
	}
	if graph.FormatSteps(steps) != "ROUND(doubled, 1)" {
		t.Errorf("B.R's chain after the re-analysis: %+v", steps)
	}

	plan, err = runner.RunInline(ctx, src, false, "third")
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.Analyze) != 0 || plan.ReanalysedEngine != 0 || plan.Unchanged != 3 {
		t.Errorf("third refresh: %d analysed, %d for the engine, %d unchanged; want 0, 0, 3",
			len(plan.Analyze), plan.ReanalysedEngine, plan.Unchanged)
	}
}

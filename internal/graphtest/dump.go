package graphtest

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The statements of Dump; they read only, through the driver, so no production package needs them.
var (
	//go:embed dump/datasets.cypher
	dumpDatasets string
	//go:embed dump/columns.cypher
	dumpColumns string
	//go:embed dump/edges.cypher
	dumpEdges string
)

// Dump returns a canonical, sorted text rendering of everything stored under the named
// databases in Neo4jDatabase: tables and views with their properties (timestamps of writes left
// out, so two graphs built the same way at different times dump the same), columns,
// DERIVES_FROM edges and views' INDIRECT_INPUT relationships. Tests compare dumps to check that
// two ways of building a graph converge.
func Dump(ctx context.Context, driver neo4j.DriverWithContext, databases []string) ([]string, error) {
	params := map[string]any{"databases": databases}
	read := func(query string) ([]*neo4j.Record, error) {
		res, err := neo4j.ExecuteQuery(ctx, driver, query, params, neo4j.EagerResultTransformer,
			neo4j.ExecuteQueryWithDatabase(Neo4jDatabase()), neo4j.ExecuteQueryWithReadersRouting())
		if err != nil {
			return nil, err
		}
		return res.Records, nil
	}
	var lines []string
	recs, err := read(dumpDatasets)
	if err != nil {
		return nil, fmt.Errorf("dump datasets: %w", err)
	}
	for _, rec := range recs {
		o, _ := rec.Values[0].(map[string]any)
		if t, ok := o["lastAltered"].(time.Time); ok {
			o["lastAltered"] = t.UTC().Format(time.RFC3339Nano)
		}
		id, _ := o["id"].(string)
		lines = append(lines, "dataset "+id+" "+canonicalJSON(o))
	}
	if recs, err = read(dumpColumns); err != nil {
		return nil, fmt.Errorf("dump columns: %w", err)
	}
	for _, rec := range recs {
		parent, _ := rec.Values[0].(string)
		c, _ := rec.Values[1].(map[string]any)
		lines = append(lines, "column "+parent+" "+canonicalJSON(c))
	}
	if recs, err = read(dumpEdges); err != nil {
		return nil, fmt.Errorf("dump edges: %w", err)
	}
	for _, rec := range recs {
		kind, _ := rec.Values[0].(string)
		from, _ := rec.Values[1].(string)
		to, _ := rec.Values[2].(string)
		props, _ := rec.Values[3].(map[string]any)
		lines = append(lines, kind+" "+from+" -> "+to+" "+canonicalJSON(props))
	}
	slices.Sort(lines)
	return lines, nil
}

// canonicalJSON renders m with sorted keys (encoding/json sorts map keys).
func canonicalJSON(m map[string]any) string {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Sprintf("%v", m)
	}
	return string(b)
}

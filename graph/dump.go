package graph

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/tributary-lineage/tributary/cypher"
)

// Dump returns a canonical, sorted text rendering of everything stored under the named
// databases: tables and views with their properties (timestamps of writes left out, so two
// graphs built the same way at different times dump the same), columns, DERIVES_FROM edges and
// views' INDIRECT_INPUT relationships. Tests compare dumps to check that two ways of building a
// graph converge.
func (s *Store) Dump(ctx context.Context, databases []string) ([]string, error) {
	params := map[string]any{"databases": databases}
	var lines []string
	res, err := s.read(ctx, cypher.IngestDumpDatasets, params)
	if err != nil {
		return nil, fmt.Errorf("dump datasets: %w", err)
	}
	for _, rec := range res.Records {
		o, _ := rec.Values[0].(map[string]any)
		if t, ok := o["lastAltered"].(time.Time); ok {
			o["lastAltered"] = t.UTC().Format(time.RFC3339Nano)
		}
		lines = append(lines, "dataset "+str(o, "id")+" "+canonicalJSON(o))
	}
	res, err = s.read(ctx, cypher.IngestDumpColumns, params)
	if err != nil {
		return nil, fmt.Errorf("dump columns: %w", err)
	}
	for _, rec := range res.Records {
		parent, _ := rec.Values[0].(string)
		c, _ := rec.Values[1].(map[string]any)
		lines = append(lines, "column "+parent+" "+canonicalJSON(c))
	}
	res, err = s.read(ctx, cypher.IngestDumpEdges, params)
	if err != nil {
		return nil, fmt.Errorf("dump edges: %w", err)
	}
	for _, rec := range res.Records {
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

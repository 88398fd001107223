package openlineage

import (
	"context"
	"fmt"
	"strings"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest"
)

// analyzeSQL runs the engine on a Snowflake job's SQL facet and returns the lineage of every
// statement that writes a table (CTAS, INSERT, MERGE, CREATE VIEW). The catalog is what the
// event's schema facets say about its Snowflake datasets; partial names resolve against the
// database and schema of the event's first Snowflake output (or input), as a session would
// that ran the job there. What the engine could not decide becomes notes.
func (p *planner) analyzeSQL(ctx context.Context, ev Event, text string) ([]Lineage, error) {
	cat := &lineage.MapCatalog{}
	var def *graph.ObjectID
	for _, ds := range append(append([]Dataset{}, ev.Outputs...), ev.Inputs...) {
		if !IsSnowflake(ds.Namespace) {
			continue
		}
		id, _, err := DatasetID(ds.Namespace, ds.Name)
		if err != nil {
			continue // refused by dataset already
		}
		if def == nil {
			def = &id
		}
		if d := p.w.Datasets[p.seen[id]]; d.Columns != nil {
			names := make([]string, len(d.Columns))
			for i, c := range d.Columns {
				names[i] = c.Name
			}
			cat.Add(lineage.Table{Database: id.Database, Schema: id.Schema, Name: id.Name, Columns: names})
		}
	}
	opts := lineage.Options{Catalog: cat}
	if def != nil {
		opts.DefaultDatabase = lineage.QuoteIdent(def.Database)
		opts.DefaultSchema = lineage.QuoteIdent(def.Schema)
	}
	stmts := sql.ParseScript(text)
	for _, st := range stmts {
		if st.Err != nil {
			p.note("$.job.facets.sql.query: %d:%d: %s; the statement was not analysed", st.Err.Line, st.Err.Col, strings.TrimPrefix(st.Err.Error(), fmt.Sprintf("%d:%d: ", st.Err.Line, st.Err.Col)))
		}
	}
	res, err := lineage.AnalyzeContext(ctx, stmts, opts)
	if err != nil {
		return nil, fmt.Errorf("analyse the sql job facet: %w", err)
	}
	var out []Lineage
	for _, st := range res.Statements {
		for _, w := range st.Warnings {
			p.note("$.job.facets.sql.query: %d:%d: %s", w.Line, w.Col, w.Message)
		}
		if st.Target == nil {
			continue
		}
		if st.Kind == lineage.KindCreateView {
			p.note("$.job.facets.sql.query: statement %d creates view %s; a view's lineage comes from its definition when Tributary ingests it, not from a job", st.Index+1, *st.Target)
			continue
		}
		parts, err := graph.ParseIdentifiers(*st.Target)
		if err != nil || len(parts) != 3 {
			p.note("$.job.facets.sql.query: statement %d writes %s, not a DATABASE.SCHEMA.TABLE name; not stored", st.Index+1, *st.Target)
			continue
		}
		target := graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}
		l := Lineage{Target: target, Kind: KindTable, Text: text, FromSQL: true}
		if i, ok := p.seen[target]; ok {
			l.Kind = p.w.Datasets[i].Kind
		} else {
			p.seen[target] = len(p.w.Datasets)
			p.w.Datasets = append(p.w.Datasets, DatasetWrite{ID: target, Kind: KindTable})
		}
		types := map[string]string{}
		for _, c := range p.w.Datasets[p.seen[target]].Columns {
			types[c.Name] = c.DataType
		}
		g := ingest.GraphLineage(target, &st, nil, types, nil)
		l.Columns, l.Edges, l.Inputs = g.Columns, g.Edges, g.Inputs
		for _, n := range g.Notes {
			p.note("$.job.facets.sql.query: statement %d writing %s: %s", st.Index+1, target, n)
		}
		out = append(out, l)
	}
	return out, nil
}

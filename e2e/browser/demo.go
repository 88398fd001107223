// Package browser is the end-to-end test of Neo4j Browser with Tributary's style sheet, and
// the helpers `make browser` uses: a small lineage chain written through graph.Store, and an
// HTTP handler serving the style sheet and guide to Browser.
package browser

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
)

// Demo is a small warehouse written under one database name: two raw tables, a staging view
// and a mart view, with DIRECT and INDIRECT edges.
type Demo struct {
	Database string
	Tables   []graph.Table
	Views    []graph.View
	// Target is the column whose upstream the test draws.
	Target graph.ColumnID
}

// NewDemo builds the demo under database db (an unquoted upper-case name keeps ids bare).
func NewDemo(db string) Demo {
	orders := graph.ObjectID{Database: db, Schema: "RAW", Name: "ORDERS"}
	customers := graph.ObjectID{Database: db, Schema: "RAW", Name: "CUSTOMERS"}
	stg := graph.ObjectID{Database: db, Schema: "STAGING", Name: "STG_ORDERS"}
	mart := graph.ObjectID{Database: db, Schema: "MART", Name: "REVENUE_BY_REGION"}
	cols := func(names ...string) []graph.Column {
		out := make([]graph.Column, len(names))
		for i, n := range names {
			out[i] = graph.Column{Name: n, Ordinal: i + 1}
		}
		return out
	}
	edge := func(view graph.ObjectID, from string, to graph.ColumnID, t graph.EdgeType, st graph.Subtype, expr string) graph.Edge {
		return graph.Edge{From: view.Column(from), To: to, Type: t, Subtype: st, View: view, Expression: expr}
	}
	return Demo{
		Database: db,
		Tables: []graph.Table{
			{ID: orders, Columns: cols("ID", "CUSTOMER_ID", "AMOUNT", "CURRENCY", "STATUS")},
			{ID: customers, Columns: cols("ID", "NAME", "REGION")},
		},
		Views: []graph.View{
			{
				ID:         stg,
				Definition: "CREATE VIEW STAGING.STG_ORDERS AS SELECT ID AS ORDER_ID, CUSTOMER_ID, AMOUNT * 1.0 AS AMOUNT_USD FROM RAW.ORDERS WHERE STATUS <> 'cancelled'",
				Status:     graph.StatusOK,
				Columns:    cols("ORDER_ID", "CUSTOMER_ID", "AMOUNT_USD"),
				Edges: []graph.Edge{
					edge(stg, "ORDER_ID", orders.Column("ID"), graph.EdgeDirect, graph.SubtypeIdentity, "ID"),
					edge(stg, "CUSTOMER_ID", orders.Column("CUSTOMER_ID"), graph.EdgeDirect, graph.SubtypeIdentity, "CUSTOMER_ID"),
					edge(stg, "AMOUNT_USD", orders.Column("AMOUNT"), graph.EdgeDirect, graph.SubtypeTransformation, "AMOUNT * 1.0"),
					edge(stg, "AMOUNT_USD", orders.Column("STATUS"), graph.EdgeIndirect, graph.SubtypeFilter, ""),
				},
			},
			{
				ID: mart,
				Definition: "CREATE VIEW MART.REVENUE_BY_REGION AS SELECT C.REGION, SUM(O.AMOUNT_USD) AS TOTAL_REVENUE " +
					"FROM STAGING.STG_ORDERS O JOIN RAW.CUSTOMERS C ON C.ID = O.CUSTOMER_ID GROUP BY C.REGION",
				Status:  graph.StatusOK,
				Columns: cols("REGION", "TOTAL_REVENUE"),
				Edges: []graph.Edge{
					edge(mart, "REGION", customers.Column("REGION"), graph.EdgeDirect, graph.SubtypeIdentity, "C.REGION"),
					edge(mart, "TOTAL_REVENUE", stg.Column("AMOUNT_USD"), graph.EdgeDirect, graph.SubtypeAggregation, "SUM(O.AMOUNT_USD)"),
					edge(mart, "TOTAL_REVENUE", stg.Column("CUSTOMER_ID"), graph.EdgeIndirect, graph.SubtypeJoin, ""),
					edge(mart, "TOTAL_REVENUE", customers.Column("ID"), graph.EdgeIndirect, graph.SubtypeJoin, ""),
					edge(mart, "TOTAL_REVENUE", customers.Column("REGION"), graph.EdgeIndirect, graph.SubtypeGroupBy, ""),
				},
			},
		},
		Target: mart.Column("TOTAL_REVENUE"),
	}
}

// Writer is what Load needs of graph.Store.
type Writer interface {
	UpsertTables(ctx context.Context, tables []graph.Table) error
	ReplaceViewLineage(ctx context.Context, view graph.View) error
}

// Load writes the demo's tables and views.
func (d Demo) Load(ctx context.Context, w Writer) error {
	if err := w.UpsertTables(ctx, d.Tables); err != nil {
		return fmt.Errorf("load demo %s: %w", d.Database, err)
	}
	for _, v := range d.Views {
		if err := w.ReplaceViewLineage(ctx, v); err != nil {
			return fmt.Errorf("load demo view %s: %w", v.ID, err)
		}
	}
	return nil
}

// Upstream is what the upstream of a column holds, computed from the demo's own edges.
type Upstream struct {
	Columns []graph.ColumnID // the column itself and every column reachable from it
	Tables  []graph.ObjectID // tables owning those columns
	Views   []graph.ObjectID // views owning those columns
	Edges   []graph.Edge     // DERIVES_FROM edges between those columns
}

// Nodes is the number of nodes UpstreamWithOwners returns: columns, tables and views.
func (u Upstream) Nodes() int { return len(u.Columns) + len(u.Tables) + len(u.Views) }

// Upstream returns, from the demo's own edges (not from Neo4j), the columns reachable from
// col along DERIVES_FROM within depth hops, col included, the tables and views owning them,
// and the edges walked: what browser.UpstreamWithOwners draws.
func (d Demo) Upstream(col graph.ColumnID, depth int) Upstream {
	next := map[graph.ColumnID][]graph.Edge{}
	isView := map[graph.ObjectID]bool{}
	for _, v := range d.Views {
		isView[v.ID] = true
		for _, e := range v.Edges {
			next[e.From] = append(next[e.From], e)
		}
	}
	var u Upstream
	seen := map[graph.ColumnID]bool{col: true}
	frontier := []graph.ColumnID{col}
	for hop := 0; hop < depth && len(frontier) > 0; hop++ {
		var out []graph.ColumnID
		for _, c := range frontier {
			for _, e := range next[c] {
				u.Edges = append(u.Edges, e)
				if !seen[e.To] {
					seen[e.To] = true
					out = append(out, e.To)
				}
			}
		}
		frontier = out
	}
	owners := map[graph.ObjectID]bool{}
	for c := range seen {
		u.Columns = append(u.Columns, c)
		if o := c.Object(); !owners[o] {
			owners[o] = true
			if isView[o] {
				u.Views = append(u.Views, o)
			} else {
				u.Tables = append(u.Tables, o)
			}
		}
	}
	byString := func(a, b fmt.Stringer) int { return strings.Compare(a.String(), b.String()) }
	slices.SortFunc(u.Columns, func(a, b graph.ColumnID) int { return byString(a, b) })
	slices.SortFunc(u.Tables, func(a, b graph.ObjectID) int { return byString(a, b) })
	slices.SortFunc(u.Views, func(a, b graph.ObjectID) int { return byString(a, b) })
	return u
}

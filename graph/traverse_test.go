package graph

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/tributary-lineage/tributary/cypher"
)

// randomLineage writes a random lineage DAG (a base table and views reading the table and
// earlier views, with parallel DIRECT and INDIRECT edges, diamonds and shared sources) and
// returns its edges as written.
func randomLineage(t *testing.T, s *Store, db string, seed uint64) []Edge {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 7))
	tbl := obj(db, "S", "T")
	cols := []ColumnID{}
	for i := range 5 {
		cols = append(cols, tbl.Column(fmt.Sprintf("T%d", i)))
	}
	var all []Edge
	for v := range 9 {
		id := obj(db, "S", fmt.Sprintf("V%d", v))
		view := View{ID: id, Status: StatusOK, Definition: "select 1"}
		var mine []ColumnID
		for c := range 4 {
			col := id.Column(fmt.Sprintf("C%d", c))
			view.Columns = append(view.Columns, Column{Name: col.Column, Ordinal: c + 1})
			mine = append(mine, col)
			srcs := map[ColumnID]bool{}
			for range 1 + rng.IntN(3) {
				src := cols[rng.IntN(len(cols))]
				if srcs[src] {
					continue
				}
				srcs[src] = true
				view.Edges = append(view.Edges, Edge{From: col, To: src, Type: EdgeDirect, Subtype: SubtypeTransformation})
				if rng.IntN(3) == 0 { // the same source also filters: a parallel edge
					view.Edges = append(view.Edges, Edge{From: col, To: src, Type: EdgeIndirect, Subtype: SubtypeFilter})
				}
			}
		}
		if err := s.ReplaceViewLineage(context.Background(), view); err != nil {
			t.Fatal(err)
		}
		for _, e := range view.Edges {
			e.View = id
			all = append(all, e)
		}
		cols = append(cols, mine...)
	}
	return all
}

// walk is the reference: a breadth-first walk over edges from roots, hop by hop, crossing every
// edge out of (upstream) or into (downstream) a column fewer than depth hops from a root.
// It returns the edges crossed and each reached column's distance.
func walk(edges []Edge, roots []ColumnID, upstream bool, depth int) ([]Edge, map[ColumnID]int) {
	dist := map[ColumnID]int{}
	for _, r := range roots {
		dist[r] = 0
	}
	var crossed []Edge
	frontier := slices.Clone(roots)
	for hop := 1; hop <= depth && len(frontier) > 0; hop++ {
		var next []ColumnID
		for _, e := range edges {
			near, far := e.From, e.To
			if !upstream {
				near, far = e.To, e.From
			}
			if !slices.Contains(frontier, near) {
				continue
			}
			crossed = append(crossed, e)
			if _, ok := dist[far]; !ok {
				dist[far] = hop
				next = append(next, far)
			}
		}
		frontier = next
	}
	return crossed, dist
}

func edgeKeys(edges []Edge) []string {
	var out []string
	for _, e := range edges {
		out = append(out, strings.Join([]string{e.From.String(), e.To.String(), string(e.Type), string(e.Subtype), e.View.String()}, " "))
	}
	slices.Sort(out)
	return out
}

// The one-statement traversals cross exactly the edges of a hop-by-hop breadth-first walk, at
// every depth, in both directions, and Impact's distances are the walk's.
func TestTraversalsMatchBreadthFirstWalk(t *testing.T) {
	store, _ := newTestStore(t)
	ctx := context.Background()
	db := testDB(t)
	edges := randomLineage(t, store, db, 42)
	var roots []ColumnID
	for _, v := range []string{"V8", "V5", "V3"} {
		roots = append(roots, obj(db, "S", v).Column("C0"), obj(db, "S", v).Column("C3"))
	}
	roots = append(roots, obj(db, "S", "T").Column("T0"), obj(db, "S", "T").Column("T3"), obj(db, "S", "V0").Column("C1"))
	checked := 0
	for _, root := range roots {
		for depth := 1; depth <= 10; depth++ {
			for _, upstream := range []bool{true, false} {
				var sg Subgraph
				var err error
				if upstream {
					sg, err = store.Upstream(ctx, root, depth)
				} else {
					sg, err = store.Downstream(ctx, root, depth)
				}
				if err != nil {
					t.Fatal(err)
				}
				want, dist := walk(edges, []ColumnID{root}, upstream, depth)
				if diff := cmp.Diff(edgeKeys(want), edgeKeys(sg.Edges)); diff != "" {
					t.Fatalf("root %s depth %d upstream %v: edges (-walk +store):\n%s", root, depth, upstream, diff)
				}
				var wantNodes, gotNodes []string
				for id := range dist {
					wantNodes = append(wantNodes, id.String())
				}
				for _, n := range sg.Nodes {
					gotNodes = append(gotNodes, n.ID.String())
					if n.Distance != dist[n.ID] {
						t.Fatalf("root %s depth %d upstream %v: %s at distance %d, walk says %d", root, depth, upstream, n.ID, n.Distance, dist[n.ID])
					}
				}
				slices.Sort(wantNodes)
				if diff := cmp.Diff(wantNodes, gotNodes); diff != "" {
					t.Fatalf("root %s depth %d upstream %v: columns (-walk +store):\n%s", root, depth, upstream, diff)
				}
				checked += len(want)
			}
		}
		// Both reads what Upstream and Downstream read, in one transaction.
		for _, depth := range []int{1, 4} {
			up, err := store.Upstream(ctx, root, depth)
			if err != nil {
				t.Fatal(err)
			}
			down, err := store.Downstream(ctx, root, depth)
			if err != nil {
				t.Fatal(err)
			}
			gotUp, gotDown, err := store.Both(ctx, root, depth)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]Subgraph{up, down}, []Subgraph{gotUp, gotDown}); diff != "" {
				t.Fatalf("Both(%s, %d) (-Upstream,Downstream +Both):\n%s", root, depth, diff)
			}
		}
		// Impact from two roots at once: the distances of a walk from both.
		other := obj(db, "S", "T").Column("T1")
		imp, err := store.Impact(ctx, []ColumnID{root, other}, 4)
		if err != nil {
			t.Fatal(err)
		}
		_, dist := walk(edges, []ColumnID{root, other}, false, 4)
		got := map[ColumnID]int{root: 0, other: 0}
		for _, v := range imp.Views {
			for _, c := range v.Columns {
				got[c.ID] = c.Distance
				if len(c.Path) != c.Distance {
					t.Errorf("impact of %s: path to %s has %d steps, distance %d", root, c.ID, len(c.Path), c.Distance)
				}
			}
		}
		if diff := cmp.Diff(dist, got); diff != "" {
			t.Fatalf("impact of %s and %s: distances (-walk +store):\n%s", root, other, diff)
		}
	}
	if checked < 100 {
		t.Fatalf("only %d edges compared: the random graph is too sparse to test anything", checked)
	}
}

// The closure statements must keep Neo4j's breadth-first pruning expand: a path variable or a
// change that makes it enumerate paths would be correct but exponential on parallel edges.
func TestClosureStatementsUsePruningExpand(t *testing.T) {
	store, driver := newTestStore(t)
	ctx := context.Background()
	for name, stmt := range map[string]string{"upstream": cypher.UpstreamClosure, "downstream": cypher.DownstreamClosure} {
		res, err := neo4j.ExecuteQuery(ctx, driver, "EXPLAIN "+cypher.WithHops(stmt, 9), map[string]any{"ids": []any{"A.B.C.D"}},
			neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(store.database))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var ops []string
		var visit func(p neo4j.Plan)
		visit = func(p neo4j.Plan) {
			ops = append(ops, p.Operator())
			for _, c := range p.Children() {
				visit(c)
			}
		}
		visit(res.Summary.Plan())
		if !slices.ContainsFunc(ops, func(op string) bool { return strings.HasPrefix(op, "VarLengthExpand(Pruning") }) {
			t.Errorf("%s closure plan has no pruning var-length expand: %v", name, ops)
		}
	}
}

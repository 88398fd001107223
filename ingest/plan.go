package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
)

// Graph is what ingestion reads from and writes to the lineage graph (*graph.Store).
type Graph interface {
	// ReplaceViewsLineage writes a batch of views with their states in one transaction.
	ReplaceViewsLineage(ctx context.Context, views []graph.View, states []graph.ViewState) error
	DeleteView(ctx context.Context, id graph.ObjectID) error
	UpsertTables(ctx context.Context, tables []graph.Table) error
	ViewStates(ctx context.Context, source string, ids []graph.ObjectID) ([]graph.StoredView, error)
	TableStates(ctx context.Context, ids []graph.ObjectID) ([]graph.StoredTable, error)
}

// Change kinds: why a view is in a plan.
const (
	ChangeAdded      = "added"      // not in the graph yet
	ChangeModified   = "modified"   // definition or LAST_ALTERED changed
	ChangeDependency = "dependency" // an object whose columns it read changed its columns
	ChangeFull       = "full"       // full refresh
	ChangeEngine     = "engine"     // unchanged, but analysed by an engine with another lineage version
	ChangeDropped    = "dropped"    // no longer listed by the source
)

// Change is one view a refresh touches and why. The change records webhooks carry
// (ChangeRecord) are computed from the writes themselves, not from this.
type Change struct {
	View graph.ObjectID
	Kind string
}

// Plan is what a refresh does: upsert changed base tables, delete dropped views, analyse views.
type Plan struct {
	Source string
	Tables []graph.Table    // base tables whose columns differ from the graph
	Drop   []graph.ObjectID // views the source no longer lists
	// Analyze lists the views analysed, in dependency order (a view after the views it reads),
	// without their analyses: those went to the batches as they were made (planStream).
	Analyze   []ViewWork
	Unchanged int // listed views left alone
	// ReanalysedEngine counts the views in Analyze that are there only because an engine with
	// another lineage version analysed them (lineage.Version).
	ReanalysedEngine int
	Changes          []Change
	Skipped          []SkippedFile // files of the source not read
}

// ViewWork is one view to analyse with the catalog entries its analysis needs.
type ViewWork struct {
	View    ListedView     `json:"view"`
	Catalog []CatalogEntry `json:"catalog,omitempty"`
	// Cycle is a dependency cycle the view is in (the view, the one it reads, ..., the view
	// again); its message names it.
	Cycle []graph.ObjectID `json:"cycle,omitempty"`
	// Analysis is the view analysed, as it is written (cycle message included): planning
	// analyses each view once and hands the result on with its batch, so writing does not
	// analyse again. Nil only in work not made by planning (an analyze task enqueued by an
	// earlier version, which carried no analysis): the write then analyses View with Catalog.
	Analysis *Analysis `json:"analysis,omitempty"`
}

// planStream is where planning hands on what it decides, as soon as it is decided.
type planStream struct {
	// size is the number of views per batch.
	size int
	// apply is called once, when the plan's base tables and dropped views are known and
	// before any view is analysed (nil: not called).
	apply func(p *Plan) error
	// batch receives the views to analyse, size at a time (the last batch may be smaller), in
	// dependency order, each with its analysis, as soon as the batch's views are analysed.
	batch func(work []ViewWork) error
}

// buildPlan lists src and compares it with the graph. A view is analysed when it is new, its
// version (text, defaults, reported columns) or LAST_ALTERED differs, full is set, or an object
// whose column list its last analysis read (a star it expanded, names it bound) now has other
// columns or is gone. The views to analyse are analysed here once, in dependency order, to
// learn their output columns; that decides which readers must follow and gives each its
// catalog. Each batch of analysed views goes to out.batch at once with the analyses, so the
// plan holds no more than one batch of analyses, and the analyze tasks write them as planned,
// in any order and on any worker, without parsing or analysing again. The order comes from
// the names the source found when listing (DirSource scans each file for them, sql.ScanScript),
// or a scan of the text now, so a view is parsed once per refresh (by its analysis) and
// analysed once.
func buildPlan(ctx context.Context, src Source, g Graph, full bool, out planStream) (*Plan, error) {
	l, err := src.List(ctx)
	if err != nil {
		return nil, err
	}
	return planListing(ctx, src.Name(), l, g, full, out)
}

func planListing(ctx context.Context, source string, l *Listing, g Graph, full bool, out planStream) (*Plan, error) {
	p := &Plan{Source: source, Skipped: l.Skipped}
	ids := make([]graph.ObjectID, len(l.Views))
	listed := make(map[graph.ObjectID]int, len(l.Views))
	for i, v := range l.Views {
		ids[i] = v.ID
		listed[v.ID] = i
	}
	stored, err := g.ViewStates(ctx, source, ids)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", source, err)
	}
	state := make(map[graph.ObjectID]graph.StoredView, len(stored))
	for _, s := range stored {
		state[s.ID] = s
		if _, ok := listed[s.ID]; !ok && s.Source == source {
			p.Drop = append(p.Drop, s.ID)
			p.Changes = append(p.Changes, Change{View: s.ID, Kind: ChangeDropped})
		}
	}

	// Base tables: upsert those the graph lacks or holds with other columns.
	tableIDs := make([]graph.ObjectID, len(l.Tables))
	for i, t := range l.Tables {
		tableIDs[i] = t.ID
	}
	tstates, err := g.TableStates(ctx, tableIDs)
	if err != nil {
		return nil, fmt.Errorf("plan %s: %w", source, err)
	}
	tstate := make(map[graph.ObjectID]graph.StoredTable, len(tstates))
	for _, t := range tstates {
		tstate[t.ID] = t
	}
	for _, t := range l.Tables {
		if len(t.Columns) == 0 {
			continue
		}
		if st, ok := tstate[t.ID]; full || !ok || !sameTableColumns(st, t) {
			p.Tables = append(p.Tables, t)
		}
	}

	// The catalog as the graph and the source know it before this refresh.
	cat := &Catalog{}
	for _, t := range l.Tables {
		cat.Put(t.ID, columnNames(t.Columns))
	}
	oldCols := map[graph.ObjectID][]string{}
	for _, v := range l.Views {
		if s, ok := state[v.ID]; ok && len(s.Columns) > 0 {
			oldCols[v.ID] = s.Columns
			cat.PutView(v.ID, s.Columns)
		} else if len(v.Columns) > 0 {
			cat.PutView(v.ID, columnNames(v.Columns))
		}
	}

	// Why each view is analysed, before dependencies are followed.
	reason := map[graph.ObjectID]string{}
	for _, v := range l.Views {
		s, ok := state[v.ID]
		switch {
		case !ok || s.Version == "":
			reason[v.ID] = ChangeAdded
		case s.Version != v.Version() && v.engineChanged(s.Version) && s.LastAltered.Equal(v.LastAltered.UTC()) && !full:
			reason[v.ID] = ChangeEngine
		case s.Version != v.Version() || !s.LastAltered.Equal(v.LastAltered.UTC()):
			reason[v.ID] = ChangeModified
		case full:
			reason[v.ID] = ChangeFull
		}
	}

	// Dependencies: parsed references for views to analyse, recorded ones for the others.
	deps := make(map[graph.ObjectID][]graph.ObjectID, len(l.Views))
	for _, v := range l.Views {
		if _, ok := reason[v.ID]; ok {
			deps[v.ID] = references(v)
		} else {
			deps[v.ID] = state[v.ID].ColumnDeps
		}
	}
	order := topoOrder(l.Views, deps)
	cycle := cycles(l.Views, deps)
	if out.apply != nil {
		if err := out.apply(p); err != nil {
			return nil, err
		}
	}

	// Objects whose column lists change in this refresh.
	changedCols := map[graph.ObjectID]bool{}
	for _, id := range p.Drop {
		changedCols[id] = true
	}
	for _, t := range p.Tables {
		changedCols[t.ID] = true
	}
	size := max(1, out.size)
	batch := make([]ViewWork, 0, size)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := out.batch(batch); err != nil {
			return fmt.Errorf("plan %s: %w", source, err)
		}
		batch = make([]ViewWork, 0, size) // the receiver keeps the batch it got
		return nil
	}
	for _, i := range order {
		v := l.Views[i]
		why, ok := reason[v.ID]
		if !ok {
			for _, d := range state[v.ID].ColumnDeps {
				if changedCols[d] {
					why, ok = ChangeDependency, true
					break
				}
			}
		}
		if !ok {
			p.Unchanged++
			continue
		}
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("plan %s: %w", source, err)
		}
		a := AnalyzeView(v, source, cat)
		if !slices.Equal(a.Columns, oldCols[v.ID]) {
			changedCols[v.ID] = true
		}
		if len(a.Columns) > 0 {
			cat.PutView(v.ID, a.Columns)
		}
		if why == ChangeEngine {
			p.ReanalysedEngine++
		}
		if len(cycle[v.ID]) > 0 {
			a.View.Message = joinNotes(a.View.Message, cycleMessage(cycle[v.ID]))
		}
		w := ViewWork{View: v, Catalog: a.Catalog, Cycle: cycle[v.ID]}
		p.Analyze = append(p.Analyze, w)
		p.Changes = append(p.Changes, Change{View: v.ID, Kind: why})
		w.Analysis = &a
		if batch = append(batch, w); len(batch) == size {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return p, nil
}

// sameTableColumns reports whether the graph holds every listed column of t as listed. Extra
// columns in the graph (kept because views still derive from them) do not count.
func sameTableColumns(st graph.StoredTable, t graph.Table) bool {
	if st.Placeholder {
		return false
	}
	have := make(map[string]graph.Column, len(st.Columns))
	for _, c := range st.Columns {
		have[c.Name] = c
	}
	for _, c := range t.Columns {
		if h, ok := have[c.Name]; !ok || h != c {
			return false
		}
	}
	return true
}

func columnNames(cols []graph.Column) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

// references returns the tables and views a view's text names in FROM clauses, completed with
// the view's defaults: the names its source found when listing, or those of a scan now
// (sql.ScanScript; it over-approximates: CTE names and the like are harmless for ordering).
func references(v ListedView) []graph.ObjectID {
	if v.Hidden {
		return nil
	}
	names := v.names
	if !v.named {
		for _, st := range sql.ScanScript(v.Text) {
			names = append(names, st.References...)
		}
	}
	var out []graph.ObjectID
	for _, n := range names {
		if id, err := resolveObject(n, v.DefaultDatabase, v.DefaultSchema); err == nil && id != v.ID {
			out = append(out, id)
		}
	}
	slices.SortFunc(out, compareIDs)
	return slices.Compact(out)
}

// tableNames returns the relation names a parsed statement reads (FROM clauses), unresolved.
func tableNames(st sql.StatementResult) []sql.ObjectName {
	if st.Stmt == nil {
		return nil
	}
	var out []sql.ObjectName
	sql.Inspect(st.Stmt, func(n sql.Node) bool {
		if t, ok := n.(*sql.TableName); ok && len(t.Name.Parts) > 0 {
			out = append(out, t.Name)
		}
		return true
	})
	return out
}

// topoOrder returns indexes of views so that a view comes after the listed views it depends
// on; views in a cycle keep their listing order after the others.
func topoOrder(views []ListedView, deps map[graph.ObjectID][]graph.ObjectID) []int {
	index := make(map[graph.ObjectID]int, len(views))
	for i, v := range views {
		index[v.ID] = i
	}
	return dependencyOrder(len(views), func(i int, after func(j int)) {
		for _, d := range deps[views[i].ID] {
			if j, ok := index[d]; ok {
				after(j)
			}
		}
	})
}

// dependencyOrder returns the indexes 0..n-1 so that each comes after those deps names for it
// (deps(i, after) calls after(j) for each j that i must follow; i itself is ignored), in
// index order where nothing decides; the indexes in a cycle keep their index order after the
// others.
func dependencyOrder(n int, deps func(i int, after func(j int))) []int {
	indeg := make([]int, n)
	readers := make([][]int, n)
	for i := range n {
		deps(i, func(j int) {
			if j != i {
				indeg[i]++
				readers[j] = append(readers[j], i)
			}
		})
	}
	order := make([]int, 0, n)
	for i := range n {
		if indeg[i] == 0 {
			order = append(order, i)
		}
	}
	for k := 0; k < len(order); k++ {
		for _, r := range readers[order[k]] {
			if indeg[r]--; indeg[r] == 0 {
				order = append(order, r)
			}
		}
	}
	if len(order) < n {
		placed := make([]bool, n)
		for _, i := range order {
			placed[i] = true
		}
		for i := range n {
			if !placed[i] {
				order = append(order, i)
			}
		}
	}
	return order
}

// cycles returns, for each listed view in a dependency cycle, a shortest cycle through it:
// the view, the listed view it reads, ..., the view again.
func cycles(views []ListedView, deps map[graph.ObjectID][]graph.ObjectID) map[graph.ObjectID][]graph.ObjectID {
	comp := components(views, deps)
	out := map[graph.ObjectID][]graph.ObjectID{}
	for _, v := range views {
		c, ok := comp[v.ID]
		if !ok {
			continue
		}
		// Breadth-first from v through the views of its component, back to v.
		prev := map[graph.ObjectID]graph.ObjectID{}
		queue := []graph.ObjectID{v.ID}
	search:
		for len(queue) > 0 {
			cur := queue[0]
			queue = queue[1:]
			for _, d := range deps[cur] {
				if dc, ok := comp[d]; !ok || dc != c {
					continue
				}
				if d == v.ID {
					path := []graph.ObjectID{v.ID}
					for at := cur; at != v.ID; at = prev[at] {
						path = append(path, at)
					}
					slices.Reverse(path[1:])
					out[v.ID] = append(path, v.ID)
					break search
				}
				if _, seen := prev[d]; !seen {
					prev[d] = cur
					queue = append(queue, d)
				}
			}
		}
	}
	return out
}

// components numbers the strongly connected components of more than one listed view
// (Tarjan's algorithm); views in none are left out.
func components(views []ListedView, deps map[graph.ObjectID][]graph.ObjectID) map[graph.ObjectID]int {
	listed := make(map[graph.ObjectID]bool, len(views))
	for _, v := range views {
		listed[v.ID] = true
	}
	index, low := map[graph.ObjectID]int{}, map[graph.ObjectID]int{}
	onStack := map[graph.ObjectID]bool{}
	var stack []graph.ObjectID
	out := map[graph.ObjectID]int{}
	n, comps := 0, 0
	var visit func(id graph.ObjectID)
	visit = func(id graph.ObjectID) {
		index[id], low[id] = n, n
		n++
		stack = append(stack, id)
		onStack[id] = true
		for _, d := range deps[id] {
			if !listed[d] || d == id {
				continue
			}
			if _, seen := index[d]; !seen {
				visit(d)
				low[id] = min(low[id], low[d])
			} else if onStack[d] {
				low[id] = min(low[id], index[d])
			}
		}
		if low[id] != index[id] {
			return
		}
		var members []graph.ObjectID
		for {
			top := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			onStack[top] = false
			members = append(members, top)
			if top == id {
				break
			}
		}
		if len(members) > 1 {
			for _, m := range members {
				out[m] = comps
			}
			comps++
		}
	}
	for _, v := range views {
		if _, seen := index[v.ID]; !seen {
			visit(v.ID)
		}
	}
	return out
}

// cycleMessage describes a dependency cycle for a view's message.
func cycleMessage(cycle []graph.ObjectID) string {
	names := make([]string, len(cycle))
	for i, id := range cycle {
		names[i] = id.String()
	}
	return "dependency cycle: " + strings.Join(names, " reads ") +
		"; the views of a cycle cannot all see each other's columns"
}

// joinNotes joins two parts of a view message.
func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// now is time.Now in UTC; a variable of the Runner so tests can fix it.
func utcNow() time.Time { return time.Now().UTC() }

package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/engine/sql"
	"github.com/tributary-lineage/tributary/graph"
	"github.com/tributary-lineage/tributary/ingest/querylog"
)

// DefaultQueryLineageRetention is how long lineage from query history stays without its
// statement being seen again (TRIBUTARY_QUERY_LINEAGE_RETENTION).
const DefaultQueryLineageRetention = 30 * 24 * time.Hour

// ParseRetention reads a retention: whole days ("30d") or a Go duration ("720h"), positive.
func ParseRetention(s string) (time.Duration, error) {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n <= 0 || n > 100*365 {
			return 0, fmt.Errorf("not a number of days: %q", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("not a positive duration: %q", s)
	}
	return d, nil
}

// FormatRetention prints a retention as days when it is whole days.
func FormatRetention(d time.Duration) string {
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.Itoa(int(d/(24*time.Hour))) + "d"
	}
	return d.String()
}

// HistoryOverlap is how far before its watermark a refresh of query history reads again:
// SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY shows a query up to 45 minutes after it ended, so a
// row can land behind rows already read. The watermark itself never passes the refresh's
// start minus HistoryOverlap, so a query that ran across that instant is read by the next
// refresh.
const HistoryOverlap = 45 * time.Minute

// StatementGraph is what a refresh of query history reads and writes (*graph.Writer).
type StatementGraph interface {
	WriteStatements(ctx context.Context, batch []graph.StatementLineage, events graph.EventsFunc) ([]graph.ViewChange, error)
	SeenStatements(ctx context.Context, keys []string) (map[string]time.Time, error)
	TouchStatementsAt(ctx context.Context, seen map[string]time.Time) (int, error)
	ExpireStatements(ctx context.Context, o graph.Origin, source string, before time.Time) (int, error)
	QueryWatermark(ctx context.Context, source string) (time.Time, error)
	SetQueryWatermark(ctx context.Context, source string, startTime time.Time) error
	ViewStates(ctx context.Context, source string, ids []graph.ObjectID) ([]graph.StoredView, error)
	TableStates(ctx context.Context, ids []graph.ObjectID) ([]graph.StoredTable, error)
}

// StatementRun is what one refresh of query history did.
type StatementRun struct {
	Source string
	// Since is the START_TIME after which records were read: the stored watermark less
	// HistoryOverlap, or the retention's cut-off when that is later.
	Since time.Time
	Log   *querylog.Log
	// Analysed statements were new (Failed of them did not parse or name no table);
	// Unchanged ones were recorded before (Touched of them ran again since).
	Analysed, Failed, Unchanged, Touched int
	Expired                              int // statements removed by the retention
	Skipped                              []string
	Watermark                            time.Time // stored after the run
}

// statementWork is one new statement of a refresh, parsed.
type statementWork struct {
	st     querylog.Statement
	parsed []sql.StatementResult
	target graph.ObjectID // zero when the statement does not parse or names no table
	reads  []graph.ObjectID
	fail   string // why it cannot be analysed (position included): written as failed
	skip   string // why it carries no lineage (COPY, INSERT ALL): reported, not written
	// ordinals is false for statements whose output positions are not the target's (INSERT
	// with a column list, MERGE).
	ordinals bool
	kind     string
}

// RefreshStatements refreshes the graph from a query-history source, recording progress in
// job jobID: it removes the statements not seen within the retention, reads the records that
// started after the stored watermark less HistoryOverlap, touches the statements recorded
// before (identical statements are analysed once), analyses the new ones in dependency order
// (a statement reading a table another one writes comes after it) with the session's
// database and schema as defaults and the columns the graph and earlier statements know as
// the catalog, writes them with their change events, and stores the new watermark. A
// statement that does not parse is recorded as failed with its position, and the others land.
func (r *Runner) RefreshStatements(ctx context.Context, src StatementSource, jobID string) (*StatementRun, error) {
	g, ok := r.graph.(StatementGraph)
	if !ok {
		return nil, fmt.Errorf("refresh %s: the graph %T cannot record statements", src.Name(), r.graph)
	}
	source := src.Name()
	now := utcNow()
	retention := r.Retention
	if retention <= 0 {
		retention = DefaultQueryLineageRetention
	}
	cutoff := now.Add(-retention)
	run := &StatementRun{Source: source}
	var err error
	if run.Expired, err = g.ExpireStatements(ctx, graph.OriginQueryHistory, source, cutoff); err != nil {
		return nil, fmt.Errorf("refresh %s: retention: %w", source, err)
	}
	wm, err := g.QueryWatermark(ctx, source)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: %w", source, err)
	}
	run.Since = cutoff
	if !wm.IsZero() && wm.Add(-HistoryOverlap).After(cutoff) {
		run.Since = wm.Add(-HistoryOverlap)
	}
	run.Log = querylog.NewLog()
	run.Log.Since = run.Since
	began := time.Now()
	if err := src.Read(ctx, run.Log); err != nil {
		return nil, err
	}
	read := time.Since(began)
	var analysing, writing time.Duration
	l := run.Log

	keys := make([]string, len(l.Statements))
	for i, st := range l.Statements {
		keys[i] = graph.StatementKey(graph.OriginQueryHistory, st.Hash)
	}
	seen, err := g.SeenStatements(ctx, keys)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: %w", source, err)
	}
	touch := map[string]time.Time{}
	var fresh []querylog.Statement
	for i, st := range l.Statements {
		last, ok := seen[keys[i]]
		if !ok {
			fresh = append(fresh, st)
			continue
		}
		run.Unchanged++
		if st.LastSeen.After(last) {
			touch[keys[i]] = st.LastSeen
		}
	}
	if len(touch) > 0 {
		if run.Touched, err = g.TouchStatementsAt(ctx, touch); err != nil {
			return nil, fmt.Errorf("refresh %s: %w", source, err)
		}
	}

	work := prepareStatements(fresh)
	for _, reason := range l.DroppedReasons() {
		run.Skipped = append(run.Skipped, "records dropped, "+reason)
	}
	if l.Before > 0 {
		run.Skipped = append(run.Skipped, fmt.Sprintf("records started at or before %s (read by an earlier refresh, or older than the retention): %d",
			run.Since.Format(time.RFC3339), l.Before))
	}
	var todo []*statementWork
	for _, w := range work {
		if w.skip != "" {
			run.Skipped = append(run.Skipped, fmt.Sprintf("statement %s (query %s): %s", w.st.Hash, w.st.QueryID, w.skip))
			continue
		}
		todo = append(todo, w)
	}
	if r.jobs != nil {
		report := run.Skipped
		if len(report) > MaxJobErrors {
			report = append(slices.Clone(report[:MaxJobErrors]), fmt.Sprintf("... and %d more", len(report)-MaxJobErrors))
		}
		if err := r.jobs.statementsPlanned(ctx, jobID, len(todo), run.Unchanged, report, utcNow()); err != nil {
			return nil, err
		}
	}
	cat, err := statementCatalog(ctx, g, todo)
	if err != nil {
		return nil, fmt.Errorf("refresh %s: %w", source, err)
	}
	n := r.batchSize()
	batch := make([]graph.StatementLineage, 0, n)
	outcomes := make([]Outcome, 0, n)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		var events graph.EventsFunc
		var wr write
		if r.publish != nil {
			events = r.eventsFunc(source, jobID, &wr)
		}
		t0 := time.Now()
		if _, err := g.WriteStatements(ctx, batch, events); err != nil {
			return fmt.Errorf("refresh %s: %w", source, err)
		}
		writing += time.Since(t0)
		if r.publish != nil {
			r.publishEvents(ctx, source, jobID, &wr)
		}
		if r.jobs != nil {
			if err := r.jobs.ViewsDone(ctx, jobID, outcomes, utcNow()); err != nil {
				return err
			}
		}
		batch, outcomes = batch[:0], outcomes[:0]
		return nil
	}
	for _, w := range orderStatements(todo) {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t0 := time.Now()
		s := analyzeStatement(w, source, cat)
		analysing += time.Since(t0)
		o := Outcome{View: "statement " + w.st.Hash + " (query " + w.st.QueryID + ")"}
		if s.Target != (graph.ObjectID{}) {
			o.View = s.Target.String() + " by " + o.View
		}
		run.Analysed++
		if s.Status == graph.StatusFailed {
			run.Failed++
			o.Failed, o.Message = true, s.Message
		}
		batch = append(batch, s)
		outcomes = append(outcomes, o)
		if len(batch) >= n {
			if err := flush(); err != nil {
				return nil, err
			}
		}
	}
	if err := flush(); err != nil {
		return nil, err
	}
	if !l.Watermark.IsZero() {
		run.Watermark = l.Watermark
		if limit := now.Add(-HistoryOverlap); run.Watermark.After(limit) {
			run.Watermark = limit
		}
		if err := g.SetQueryWatermark(ctx, source, run.Watermark); err != nil {
			return nil, fmt.Errorf("refresh %s: %w", source, err)
		}
	}
	r.log.InfoContext(ctx, "query history refreshed", "source", source, "job", jobID, "since", run.Since,
		"records", l.Records, "statements", len(l.Statements), "analysed", run.Analysed, "failed", run.Failed,
		"unchanged", run.Unchanged, "touched", run.Touched, "expired", run.Expired, "watermark", run.Watermark,
		"read_ms", read.Milliseconds(), "analyse_ms", analysing.Milliseconds(), "write_ms", writing.Milliseconds(),
		"total_ms", time.Since(began).Milliseconds())
	return run, nil
}

// prepareStatements parses the statements and finds what each writes and reads.
func prepareStatements(stmts []querylog.Statement) []*statementWork {
	out := make([]*statementWork, 0, len(stmts))
	for _, st := range stmts {
		w := &statementWork{st: st, parsed: sql.ParseScript(st.Text), ordinals: true}
		out = append(out, w)
		origin := ListedView{Origin: "query " + st.QueryID}
		for _, p := range w.parsed {
			if p.Err != nil {
				w.fail = positionMessage(origin, p.Err.Line, p.Err.Col, p.Err.Error())
				break
			}
		}
		if w.fail != "" {
			continue
		}
		var name sql.ObjectName
		var stmt sql.StatementResult
		for _, p := range w.parsed {
			switch s := p.Stmt.(type) {
			case *sql.CreateTableAs:
				name = s.Name
				if s.Kind == "DYNAMIC" {
					w.kind = graph.KindDynamicTable
				}
			case *sql.Insert:
				name, w.ordinals = s.Table, s.Columns == nil
			case *sql.Merge:
				name, w.ordinals = s.Target, false
			case *sql.Unsupported:
				if w.skip == "" {
					note := s.Note
					if note == "" {
						note = "not a statement with column lineage"
					}
					w.skip = s.Keyword + ": " + note + ", skipped"
				}
				continue
			default:
				continue
			}
			stmt = p
			break
		}
		if len(name.Parts) == 0 {
			if w.skip == "" {
				w.skip = "writes no table, skipped"
			}
			continue
		}
		w.skip = ""
		target, err := resolveObject(name, st.DatabaseName, st.SchemaName)
		if err != nil {
			w.fail = positionMessage(origin, name.Line, name.Col, fmt.Sprintf("target %s: %v (the query ran without a current database or schema)", name.Normalized(), err))
			continue
		}
		w.target = target
		for _, n := range tableNames(stmt) {
			if id, err := resolveObject(n, st.DatabaseName, st.SchemaName); err == nil && id != target {
				w.reads = append(w.reads, id)
			}
		}
		slices.SortFunc(w.reads, compareIDs)
		w.reads = slices.Compact(w.reads)
	}
	return out
}

// orderStatements orders statements so that one reading a table comes after the statements
// writing it; statements in a cycle keep their order of first appearance after the others.
func orderStatements(work []*statementWork) []*statementWork {
	writers := map[graph.ObjectID][]int{}
	for i, w := range work {
		if w.target != (graph.ObjectID{}) {
			writers[w.target] = append(writers[w.target], i)
		}
	}
	order := dependencyOrder(len(work), func(i int, after func(j int)) {
		for _, id := range work[i].reads {
			for _, j := range writers[id] {
				after(j)
			}
		}
	})
	out := make([]*statementWork, len(order))
	for k, i := range order {
		out[k] = work[i]
	}
	return out
}

// statementCatalog holds the columns the graph stores for the tables and views the statements
// read and write (placeholders, which hold only the columns some edge named, left out).
func statementCatalog(ctx context.Context, g StatementGraph, work []*statementWork) (*Catalog, error) {
	var ids []graph.ObjectID
	for _, w := range work {
		ids = append(ids, w.reads...)
		if w.target != (graph.ObjectID{}) {
			ids = append(ids, w.target)
		}
	}
	slices.SortFunc(ids, compareIDs)
	ids = slices.Compact(ids)
	cat := &Catalog{}
	if len(ids) == 0 {
		return cat, nil
	}
	tables, err := g.TableStates(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, t := range tables {
		if !t.Placeholder && len(t.Columns) > 0 {
			cat.Put(t.ID, columnNames(t.Columns))
		}
	}
	views, err := g.ViewStates(ctx, "", ids)
	if err != nil {
		return nil, err
	}
	for _, v := range views {
		if len(v.Columns) > 0 {
			cat.PutView(v.ID, v.Columns)
		}
	}
	return cat, nil
}

// analyzeStatement analyses one statement with cat and returns what to write; the target's
// columns it writes join cat for the statements after it.
func analyzeStatement(w *statementWork, source string, cat *Catalog) graph.StatementLineage {
	s := graph.StatementLineage{Origin: graph.OriginQueryHistory, Source: source, Statement: w.st.Hash,
		Text: w.st.Text, Seen: w.st.LastSeen, Status: graph.StatusOK}
	if w.fail != "" {
		s.Status, s.Message = graph.StatusFailed, w.fail
		return s
	}
	res := lineage.Analyze(w.parsed, lineage.Options{Catalog: &cat.m,
		DefaultDatabase: lineage.QuoteIdent(w.st.DatabaseName), DefaultSchema: lineage.QuoteIdent(w.st.SchemaName)})
	var stmt *lineage.Statement
	for i := range res.Statements {
		if k := res.Statements[i].Kind; res.Statements[i].Target != nil && (k == lineage.KindCTAS || k == lineage.KindInsert || k == lineage.KindMerge) {
			stmt = &res.Statements[i]
			break
		}
	}
	if stmt == nil {
		s.Status, s.Message = graph.StatusFailed, "no CREATE TABLE AS, INSERT or MERGE statement with a target"
		return s
	}
	s.Target, s.Kind = w.target, w.kind
	if parts, err := graph.ParseIdentifiers(*stmt.Target); err == nil && len(parts) == 3 {
		s.Target = graph.ObjectID{Database: parts[0], Schema: parts[1], Name: parts[2]}
	}
	origin := ListedView{Origin: "query " + w.st.QueryID}
	var notes []string
	for _, warn := range stmt.Warnings {
		notes = append(notes, positionMessage(origin, warn.Line, warn.Col, warn.Message))
	}
	parts := GraphLineage(s.Target, stmt, queryExpressions(w.st.Text, w.parsed), nil, cat)
	s.Columns, s.Edges, s.Inputs = parts.Columns, parts.Edges, parts.Inputs
	if !w.ordinals {
		for i := range s.Columns {
			s.Columns[i].Ordinal = 0
		}
	}
	s.Message = strings.Join(append(notes, parts.Notes...), "; ")

	// Later statements see the target with the columns it had and those written now (a
	// CREATE TABLE AS replaces them).
	cols := parts.Names
	if stmt.Kind != lineage.KindCTAS {
		if t, ok := cat.m.Table(s.Target.Database, s.Target.Schema, s.Target.Name); ok {
			cols = slices.Clone(t.Columns)
			for _, c := range parts.Names {
				if !slices.Contains(cols, c) {
					cols = append(cols, c)
				}
			}
		}
	}
	if len(cols) > 0 && !cat.views[s.Target] {
		cat.Put(s.Target, cols)
	}
	return s
}

// statementsPlanned records the size of a refresh of query history: the new statements to
// analyse (total), those recorded before (unchanged) and what was not analysed and why; the
// job is done at once when there is nothing to analyse.
func (s *JobStore) statementsPlanned(ctx context.Context, id string, total, unchanged int, skipped []string, at time.Time) error {
	h, _, _ := s.keys(id)
	_, sk, _ := s.moreKeys(id)
	state, finished := JobRunning, ""
	if total == 0 {
		state, finished = JobDone, at.Format(time.RFC3339Nano)
	}
	tx := s.rdb.TxPipeline()
	tx.Del(ctx, sk)
	for _, msg := range skipped {
		tx.RPush(ctx, sk, msg)
	}
	tx.Expire(ctx, sk, s.ttl)
	tx.HSet(ctx, h, "total", total, "unchanged", unchanged, "state", state, "finished", finished)
	if _, err := tx.Exec(ctx); err != nil {
		return fmt.Errorf("record plan of job %s: %w", id, err)
	}
	return nil
}

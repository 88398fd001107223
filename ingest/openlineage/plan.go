package openlineage

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tributary-lineage/tributary/graph"
)

// Write is what one event asks to store.
type Write struct {
	Kind      string // KindRun, KindDataset or KindJob
	EventType string // a RunEvent's eventType (EventOther when it has none)
	EventTime time.Time
	Job       JobKey // zero for a DatasetEvent
	RunID     string // a RunEvent's run id
	// Error is the errorMessage run facet's message of a FAIL or ABORT.
	Error string
	// Datasets are every dataset the event names, with the columns its schema facet lists.
	Datasets []DatasetWrite
	// Lineage is the lineage of each output (a COMPLETE RunEvent's or a JobEvent's; other
	// events carry none), keyed in the graph by the job.
	Lineage []Lineage
	// Notes say what the event held that was not stored, and why.
	Notes []string
}

// DatasetWrite is one dataset an event names.
type DatasetWrite struct {
	ID        graph.ObjectID
	Kind      string // KindTable or KindExternal
	Namespace string
	Name      string
	// Columns come from the schema facet; nil when the event has none for the dataset.
	Columns []graph.Column
}

// Lineage is the lineage a job wrote into one output: the shape of graph.StatementLineage
// without the statement's identity, which the job gives.
type Lineage struct {
	Target  graph.ObjectID
	Kind    string         // KindTable or KindExternal
	Columns []graph.Column // the output's columns the job writes
	Edges   []graph.Edge   // every From is a column of Target
	Inputs  []graph.Input  // dataset-level inputs
	Text    string         // the SQL, when the job facet has it
	// FromSQL is set when the lineage is the engine's analysis of the SQL job facet.
	FromSQL bool
}

// maxExpression bounds a transformation description stored as an edge's expression.
const maxExpression = 500

// Plan turns an event into what to store; ctx bounds the analysis of a SQL job facet. It fails (an *Error naming the JSON path) on a
// Snowflake dataset whose name is not DATABASE.SCHEMA.TABLE; lineage it cannot type (an
// unknown transformation) is left out with a note.
func Plan(ctx context.Context, ev Event) (Write, error) {
	w := Write{Kind: ev.Kind, EventType: ev.EventType, EventTime: ev.EventTime}
	if w.Kind == KindRun && w.EventType == "" {
		w.EventType = EventOther
	}
	if ev.Job != nil {
		w.Job = JobKey{Namespace: ev.Job.Namespace, Name: ev.Job.Name}
	}
	if ev.Run != nil {
		w.RunID = strings.ToLower(ev.Run.RunID)
		if em := ev.Run.Facets.ErrorMessage; em != nil {
			w.Error = em.Message
		}
	}
	p := planner{w: &w, seen: map[graph.ObjectID]int{}}
	for i, ds := range ev.Inputs {
		if _, err := p.dataset(ds, fmt.Sprintf("$.inputs[%d]", i)); err != nil {
			return Write{}, err
		}
	}
	for i, ds := range ev.Outputs {
		if _, err := p.dataset(ds, fmt.Sprintf("$.outputs[%d]", i)); err != nil {
			return Write{}, err
		}
	}
	if ev.Dataset != nil {
		if _, err := p.dataset(*ev.Dataset, "$.dataset"); err != nil {
			return Write{}, err
		}
		if cl := ev.Dataset.Facets.ColumnLineage; cl != nil && !cl.Deleted {
			w.Notes = append(w.Notes, "$.dataset.facets.columnLineage: a DatasetEvent has no job to attribute lineage to; not stored")
		}
	}
	writes := w.Kind == KindJob || w.EventType == EventComplete
	if !writes {
		if hasLineage(ev) {
			w.Notes = append(w.Notes, fmt.Sprintf("lineage of a %s event is not stored: only COMPLETE runs (and JobEvents) write lineage", w.EventType))
		}
		return w, nil
	}
	var sqlText string
	if ev.Job != nil && ev.Job.Facets.SQL != nil && !ev.Job.Facets.SQL.Deleted {
		sqlText = ev.Job.Facets.SQL.Query
	}
	covered := map[graph.ObjectID]bool{}
	for i, ds := range ev.Outputs {
		cl := ds.Facets.ColumnLineage
		if cl == nil || cl.Deleted {
			continue
		}
		l, err := p.lineage(ds, cl, fmt.Sprintf("$.outputs[%d]", i))
		if err != nil {
			return Write{}, err
		}
		l.Text = sqlText
		covered[l.Target] = true
		w.Lineage = append(w.Lineage, l)
	}
	if sqlText != "" && snowflakeJob(ev) {
		found, err := p.analyzeSQL(ctx, ev, sqlText)
		if err != nil {
			return Write{}, err
		}
		for _, l := range found {
			if covered[l.Target] {
				continue // the producer's column-lineage facet says more than a re-analysis
			}
			w.Lineage = append(w.Lineage, l)
		}
	} else if sqlText != "" && len(covered) < len(ev.Outputs) {
		w.Notes = append(w.Notes, "$.job.facets.sql: not a Snowflake job (dialect and outputs); the SQL was not analysed")
	}
	return w, nil
}

func hasLineage(ev Event) bool {
	for _, ds := range ev.Outputs {
		if ds.Facets.ColumnLineage != nil {
			return true
		}
	}
	return ev.Job != nil && ev.Job.Facets.SQL != nil && len(ev.Outputs) > 0
}

// snowflakeJob: the SQL facet says dialect snowflake, or says no dialect and an output (or,
// without outputs, an input) is in a Snowflake namespace.
func snowflakeJob(ev Event) bool {
	if d := ev.Job.Facets.SQL.Dialect; d != "" {
		return strings.EqualFold(d, "snowflake")
	}
	for _, ds := range append(slices.Clone(ev.Outputs), ev.Inputs...) {
		if IsSnowflake(ds.Namespace) {
			return true
		}
	}
	return false
}

type planner struct {
	w    *Write
	seen map[graph.ObjectID]int // index in w.Datasets
}

func (p *planner) note(format string, args ...any) {
	p.w.Notes = append(p.w.Notes, fmt.Sprintf(format, args...))
}

// dataset records ds (once per id; a later schema facet fills columns an earlier mention
// lacked) and returns its id.
func (p *planner) dataset(ds Dataset, path string) (graph.ObjectID, error) {
	id, kind, err := DatasetID(ds.Namespace, ds.Name)
	if err != nil {
		return graph.ObjectID{}, errorf(path+".name", "%v", err)
	}
	cols := p.columns(ds, path)
	if i, ok := p.seen[id]; ok {
		if p.w.Datasets[i].Columns == nil {
			p.w.Datasets[i].Columns = cols
		}
		return id, nil
	}
	p.seen[id] = len(p.w.Datasets)
	p.w.Datasets = append(p.w.Datasets, DatasetWrite{ID: id, Kind: kind, Namespace: ds.Namespace, Name: ds.Name, Columns: cols})
	return id, nil
}

// columns reads the schema facet (top-level fields; nested struct fields are noted).
func (p *planner) columns(ds Dataset, path string) []graph.Column {
	s := ds.Facets.Schema
	if s == nil || s.Deleted {
		return nil
	}
	cols := []graph.Column{}
	seen := map[string]bool{}
	for i, f := range s.Fields {
		name := columnName(ds.Namespace, f.Name)
		if name == "" || seen[name] {
			p.note("%s.facets.schema.fields[%d]: empty or repeated name %q; skipped", path, i, f.Name)
			continue
		}
		seen[name] = true
		ord := i + 1
		if f.OrdinalPosition != nil && *f.OrdinalPosition > 0 {
			ord = *f.OrdinalPosition
		}
		cols = append(cols, graph.Column{Name: name, Ordinal: ord, DataType: f.Type})
		if len(f.Fields) > 0 {
			p.note("%s.facets.schema.fields[%d]: the nested fields of %s are not stored as columns", path, i, f.Name)
		}
	}
	return cols
}

// lineage reads an output's column-lineage facet.
func (p *planner) lineage(ds Dataset, cl *ColumnLineageFacet, path string) (Lineage, error) {
	id, kind, _ := DatasetID(ds.Namespace, ds.Name) // checked by dataset
	l := Lineage{Target: id, Kind: kind}
	known := map[string]bool{}
	if cols := p.w.Datasets[p.seen[id]].Columns; cols != nil {
		l.Columns = slices.Clone(cols)
		for _, c := range cols {
			known[c.Name] = true
		}
	}
	fields := make([]string, 0, len(cl.Fields))
	for f := range cl.Fields {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		fpath := path + ".facets.columnLineage.fields" + jsonPath(nil, []string{f})[1:]
		name := columnName(ds.Namespace, f)
		if !known[name] {
			known[name] = true
			l.Columns = append(l.Columns, graph.Column{Name: name, Ordinal: len(l.Columns) + 1})
		}
		from := id.Column(name)
		fl := cl.Fields[f]
		for i, in := range fl.InputFields {
			ipath := fmt.Sprintf("%s.inputFields[%d]", fpath, i)
			to, err := p.inputColumn(in, ipath)
			if err != nil {
				return Lineage{}, err
			}
			ts := in.Transformations
			if len(ts) == 0 {
				ts = []Transformation{legacy(fl)}
			}
			for j, t := range ts {
				typ, sub, ok := edgeKind(t)
				if !ok {
					p.note("%s.transformations[%d]: type %q subtype %q is not one Tributary types; edge %s -> %s not stored", ipath, j, t.Type, t.Subtype, from, to)
					continue
				}
				l.Edges = append(l.Edges, graph.Edge{From: from, To: to, Type: typ, Subtype: sub, View: id,
					Expression: truncate(t.Description), Masking: t.Masking})
			}
		}
	}
	for i, in := range cl.Dataset {
		ipath := fmt.Sprintf("%s.facets.columnLineage.dataset[%d]", path, i)
		col, err := p.inputColumn(in, ipath)
		if err != nil {
			return Lineage{}, err
		}
		if len(in.Transformations) == 0 {
			p.note("%s: no transformations; input %s not stored", ipath, col)
		}
		for j, t := range in.Transformations {
			typ, sub, ok := edgeKind(t)
			if !ok || typ != graph.EdgeIndirect {
				p.note("%s.transformations[%d]: a dataset-level input must be INDIRECT with a known subtype, not %q/%q; not stored", ipath, j, t.Type, t.Subtype)
				continue
			}
			l.Inputs = append(l.Inputs, graph.Input{Column: col, Subtype: sub})
		}
	}
	slices.SortStableFunc(l.Columns, func(a, b graph.Column) int { return a.Ordinal - b.Ordinal })
	return l, nil
}

// inputColumn is the graph id of an input field; its dataset is recorded when the event did
// not list it among its inputs.
func (p *planner) inputColumn(in InputField, path string) (graph.ColumnID, error) {
	id, err := p.dataset(Dataset{Namespace: in.Namespace, Name: in.Name}, path)
	if err != nil {
		return graph.ColumnID{}, err
	}
	if in.Field == "" {
		return graph.ColumnID{}, errorf(path+".field", "empty field name")
	}
	return id.Column(columnName(in.Namespace, in.Field)), nil
}

// edgeKind maps a transformation to an edge type and subtype. A DIRECT transformation
// without subtype is a TRANSFORMATION (the spec's most general direct use); an INDIRECT one
// without subtype cannot be typed.
func edgeKind(t Transformation) (graph.EdgeType, graph.Subtype, bool) {
	typ := graph.EdgeType(strings.ToUpper(t.Type))
	sub := graph.Subtype(strings.ToUpper(t.Subtype))
	if typ == graph.EdgeDirect && sub == "" {
		sub = graph.SubtypeTransformation
	}
	if !typ.Valid() || !sub.Valid() {
		return "", "", false
	}
	direct := sub == graph.SubtypeIdentity || sub == graph.SubtypeTransformation || sub == graph.SubtypeAggregation
	if direct != (typ == graph.EdgeDirect) {
		return "", "", false
	}
	return typ, sub, true
}

// legacy maps the deprecated transformationType of a field (IDENTITY, MASKED) to a
// transformation.
func legacy(f FieldLineage) Transformation {
	t := Transformation{Type: string(graph.EdgeDirect), Subtype: string(graph.SubtypeTransformation), Description: f.TransformationDescription}
	switch strings.ToUpper(f.TransformationType) {
	case "IDENTITY":
		t.Subtype = string(graph.SubtypeIdentity)
	case "MASKED":
		t.Masking = true
	}
	return t
}

func truncate(s string) string {
	if len(s) <= maxExpression {
		return s
	}
	cut := maxExpression
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "..."
}

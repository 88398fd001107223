package export

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

// The Tributary lineage document (format json). docs/exports.md describes it field by field.
const (
	DocumentFormat  = "tributary-lineage"
	DocumentVersion = 1
)

// DocumentHeader is the document's top level, apart from "datasets" (streamed) and "summary".
type DocumentHeader struct {
	Format     string    `json:"format"`
	Version    int       `json:"version"`
	ExportedAt time.Time `json:"exportedAt,omitzero"`
	Scope      *Scope    `json:"scope,omitempty"`
}

// DatasetRecord is one table or view of the document.
type DatasetRecord struct {
	ID          string `json:"id"`   // DB.SCHEMA.NAME
	Kind        string `json:"kind"` // table, view, dynamic_table, materialized_view, external
	Placeholder bool   `json:"placeholder,omitempty"`
	// DefinedBy is the origin of a defined dataset's definition: view (views, materialized
	// views), dbt (dbt models), dynamic_table; absent on tables.
	DefinedBy string     `json:"definedBy,omitempty"`
	Meta      graph.Meta `json:"meta,omitzero"` // dbt metadata, dynamic table options
	// Defined datasets only.
	Status        string         `json:"status,omitempty"` // ok, failed, hidden
	Definition    string         `json:"definition,omitempty"`
	Message       string         `json:"message,omitempty"`
	LastAltered   time.Time      `json:"lastAltered,omitzero"`
	Source        string         `json:"source,omitempty"`
	SourceVersion string         `json:"sourceVersion,omitempty"`
	ColumnDeps    []string       `json:"columnDeps,omitzero"` // [] when recorded as none
	Origin        string         `json:"origin,omitempty"`
	Columns       []ColumnRecord `json:"columns"`
	Lineage       []EdgeRecord   `json:"lineage,omitempty"`
	Inputs        []InputRecord  `json:"inputs,omitempty"`
}

// ColumnRecord is a column of a table or view.
type ColumnRecord struct {
	Name     string `json:"name"`
	Ordinal  *int   `json:"ordinal,omitempty"`
	DataType string `json:"dataType,omitempty"`
}

// EdgeRecord says that output column Column of the view derives from Source.
type EdgeRecord struct {
	Column     string `json:"column"` // a column name of this view
	Source     string `json:"source"` // DB.SCHEMA.TABLE.COLUMN
	Type       string `json:"type"`   // DIRECT or INDIRECT
	Subtype    string `json:"subtype"`
	Expression string `json:"expression,omitempty"`
	Masking    bool   `json:"masking,omitempty"`
	// Verified is false (present) only on an unverified edge: the catalog the analysis used
	// did not list the source column.
	Verified *bool `json:"verified,omitempty"`
	// Expressions is the chain of expressions from the source, source first.
	Expressions []graph.Step `json:"expressions,omitempty"`
	// Where the edge came from: origin (view, dbt, dynamic_table, query_history, openlineage),
	// the statement (the dataset id of a view or dynamic table definition, a dbt unique_id, a
	// query hash, an OpenLineage job), the OpenLineage run and when a statement was last seen.
	// A document without origin is read as the dataset's definition's.
	Origin    string    `json:"origin,omitempty"`
	Statement string    `json:"statement,omitempty"`
	Run       string    `json:"run,omitempty"`
	LastSeen  time.Time `json:"lastSeen,omitzero"`
}

// InputRecord is a column that affects the whole view (JOIN, FILTER, GROUP_BY, SORT): the
// definition's when Origin is absent, else a statement's that writes the dataset.
type InputRecord struct {
	Column    string    `json:"column"`
	Subtype   string    `json:"subtype"`
	Origin    string    `json:"origin,omitempty"`
	Statement string    `json:"statement,omitempty"`
	LastSeen  time.Time `json:"lastSeen,omitzero"`
}

// Record converts a dataset to its document form.
func Record(d graph.ExportDataset) DatasetRecord {
	r := DatasetRecord{ID: d.ID.String(), Kind: d.Kind, Placeholder: d.Placeholder, DefinedBy: string(d.DefinedBy), Meta: d.Meta, Status: d.Status,
		Definition: d.Definition, Message: d.Message, LastAltered: d.LastAltered, Source: d.Source,
		SourceVersion: d.SourceVersion, Origin: d.Origin, Columns: make([]ColumnRecord, 0, len(d.Columns))}
	if d.ColumnDeps != nil {
		r.ColumnDeps = make([]string, 0, len(d.ColumnDeps))
	}
	for _, dep := range d.ColumnDeps {
		r.ColumnDeps = append(r.ColumnDeps, dep.String())
	}
	for _, c := range d.Columns {
		r.Columns = append(r.Columns, ColumnRecord{Name: c.Name, Ordinal: c.Ordinal, DataType: c.DataType})
	}
	for _, e := range d.Edges {
		er := EdgeRecord{Column: e.From.Column, Source: e.To.String(), Type: string(e.Type),
			Subtype: string(e.Subtype), Expression: e.Expression, Masking: e.Masking, Expressions: e.Steps,
			Origin: string(e.Origin), Statement: e.Statement, Run: e.Run, LastSeen: e.LastSeen}
		if e.Unverified {
			er.Verified = new(bool)
		}
		r.Lineage = append(r.Lineage, er)
	}
	for _, in := range d.Inputs {
		r.Inputs = append(r.Inputs, InputRecord{Column: in.Column.String(), Subtype: string(in.Subtype)})
	}
	for _, in := range d.StatementInputs {
		r.Inputs = append(r.Inputs, InputRecord{Column: in.Column.String(), Subtype: string(in.Subtype),
			Origin: string(in.Origin), Statement: in.Statement, LastSeen: in.LastSeen})
	}
	return r
}

// Dataset converts a record to a dataset, reporting every problem found in it.
func (r DatasetRecord) Dataset() (graph.ExportDataset, []issue) {
	var problems []issue
	bad := func(field, format string, args ...any) {
		problems = append(problems, issue{field: field, msg: fmt.Sprintf(format, args...)})
	}
	id, err := graph.ParseObjectID(r.ID)
	if err != nil {
		bad("id", "id %q: %v", r.ID, err)
	}
	d := graph.ExportDataset{ID: id, Kind: r.Kind, Placeholder: r.Placeholder, DefinedBy: graph.Origin(r.DefinedBy),
		Meta: r.Meta, Definition: r.Definition, Status: r.Status, Message: r.Message, LastAltered: r.LastAltered,
		Source: r.Source, SourceVersion: r.SourceVersion, Origin: r.Origin}
	switch {
	case !graph.ValidKind(r.Kind):
		bad("kind", "kind %q, want table, view, dynamic_table, materialized_view or external", r.Kind)
	case r.DefinedBy != "" && !graph.Origin(r.DefinedBy).Definition():
		bad("definedBy", "definedBy %q, want view, dbt or dynamic_table", r.DefinedBy)
	case d.Defined():
		switch r.Status {
		case graph.StatusOK, graph.StatusFailed, graph.StatusHidden:
		default:
			bad("status", "status %q, want ok, failed or hidden", r.Status)
		}
		if r.Placeholder {
			bad("placeholder", "a view cannot be a placeholder")
		}
	default:
		if r.Status != "" || r.Definition != "" {
			bad("kind", "a table has no status or definition")
		}
		for i, e := range r.Lineage {
			if o := graph.Origin(e.Origin); !o.Valid() || o.Definition() {
				bad(fmt.Sprintf("lineage[%d].origin", i), "lineage[%d]: origin %q: a table's lineage comes from statements (query_history, openlineage)", i, e.Origin)
			}
		}
		for i, in := range r.Inputs {
			if o := graph.Origin(in.Origin); !o.Valid() || o.Definition() {
				bad(fmt.Sprintf("inputs[%d].origin", i), "inputs[%d]: origin %q: a table's inputs come from statements (query_history, openlineage)", i, in.Origin)
			}
		}
	}
	names := make(map[string]bool, len(r.Columns))
	for i, c := range r.Columns {
		switch {
		case c.Name == "":
			bad(fmt.Sprintf("columns[%d].name", i), "columns[%d]: empty name", i)
		case names[c.Name]:
			bad(fmt.Sprintf("columns[%d].name", i), "columns[%d]: column %s listed twice", i, graph.QuoteIdentifier(c.Name))
		}
		names[c.Name] = true
		d.Columns = append(d.Columns, graph.ExportColumn{Name: c.Name, Ordinal: c.Ordinal, DataType: c.DataType})
	}
	if r.ColumnDeps != nil {
		d.ColumnDeps = make([]graph.ObjectID, 0, len(r.ColumnDeps))
	}
	for _, dep := range r.ColumnDeps {
		o, err := graph.ParseObjectID(dep)
		if err != nil {
			bad("columnDeps", "columnDeps %q: %v", dep, err)
		}
		d.ColumnDeps = append(d.ColumnDeps, o)
	}
	for i, e := range r.Lineage {
		if !names[e.Column] {
			bad(fmt.Sprintf("lineage[%d].column", i), "lineage[%d]: unknown column %q (not in the view's columns)", i, e.Column)
		}
		src, err := graph.ParseColumnID(e.Source)
		if err != nil {
			bad(fmt.Sprintf("lineage[%d].source", i), "lineage[%d]: source %q: %v", i, e.Source, err)
		}
		if !graph.EdgeType(e.Type).Valid() {
			bad(fmt.Sprintf("lineage[%d].type", i), "lineage[%d]: type %q, want DIRECT or INDIRECT", i, e.Type)
		}
		if !graph.Subtype(e.Subtype).Valid() {
			bad(fmt.Sprintf("lineage[%d].subtype", i), "lineage[%d]: subtype %q", i, e.Subtype)
		}
		d.Edges = append(d.Edges, graph.Edge{From: id.Column(e.Column), To: src, Type: graph.EdgeType(e.Type),
			Subtype: graph.Subtype(e.Subtype), View: id, Expression: e.Expression, Masking: e.Masking,
			Unverified: e.Verified != nil && !*e.Verified, Steps: e.Expressions,
			Provenance: graph.Provenance{Origin: graph.Origin(e.Origin), Statement: e.Statement, Run: e.Run, LastSeen: e.LastSeen}})
	}
	for i, in := range r.Inputs {
		c, err := graph.ParseColumnID(in.Column)
		if err != nil {
			bad(fmt.Sprintf("inputs[%d].column", i), "inputs[%d]: column %q: %v", i, in.Column, err)
		}
		if !graph.Subtype(in.Subtype).Valid() {
			bad(fmt.Sprintf("inputs[%d].subtype", i), "inputs[%d]: subtype %q", i, in.Subtype)
		}
		input := graph.Input{Column: c, Subtype: graph.Subtype(in.Subtype)}
		if in.Origin != "" {
			d.StatementInputs = append(d.StatementInputs, graph.StatementInput{Input: input,
				Provenance: graph.Provenance{Origin: graph.Origin(in.Origin), Statement: in.Statement, LastSeen: in.LastSeen}})
			continue
		}
		d.Inputs = append(d.Inputs, input)
	}
	if len(problems) == 0 {
		if err := graph.ValidateImport(d); err != nil {
			bad("record", "%v", err)
		}
	}
	return d, problems
}

// jsonSink writes the document: header, one dataset per line, summary.
type jsonSink struct {
	w     *bufio.Writer
	dst   io.Writer
	first bool
	buf   bytes.Buffer
	enc   *json.Encoder
}

func newJSONSink(w io.Writer, sum Summary) (*jsonSink, error) {
	s := &jsonSink{w: bufio.NewWriterSize(w, 64<<10), dst: w, first: true}
	s.enc = json.NewEncoder(&s.buf)
	s.enc.SetEscapeHTML(false)
	scope := sum.Scope
	if err := s.enc.Encode(DocumentHeader{Format: DocumentFormat, Version: DocumentVersion, ExportedAt: sum.ExportedAt, Scope: &scope}); err != nil {
		return nil, err
	}
	head := bytes.TrimSuffix(bytes.TrimSpace(s.buf.Bytes()), []byte("}"))
	s.w.Write(head)
	s.w.WriteString(`,"datasets":[`)
	return s, nil
}

func (s *jsonSink) dataset(d graph.ExportDataset, _ map[graph.ColumnID]int) error {
	s.buf.Reset()
	if err := s.enc.Encode(Record(d)); err != nil {
		return fmt.Errorf("dataset %s: %w", d.ID, err)
	}
	if !s.first {
		s.w.WriteString(",")
	}
	s.first = false
	s.w.WriteString("\n")
	_, err := s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
	return err
}

func (s *jsonSink) finish(sum Summary) error {
	s.buf.Reset()
	if err := s.enc.Encode(sum); err != nil {
		return err
	}
	s.w.WriteString("\n],\"summary\":")
	s.w.Write(bytes.TrimSuffix(s.buf.Bytes(), []byte("\n")))
	s.w.WriteString("}\n")
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

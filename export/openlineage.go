package export

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/tributary-lineage/tributary/graph"
)

// olUnverified ends the description of an unverified edge's transformation (OpenLineage has
// no field for it): the edge is kept, and says it is unsure.
const olUnverified = " [unverified: the catalog the analysis used does not list this source column]"

// olDescription is a transformation's description: the edge's expression, and the marker of
// an unverified edge.
func olDescription(e graph.Edge) string {
	if e.Unverified {
		return e.Expression + olUnverified
	}
	return e.Expression
}

// OpenLineage identifiers written into exported events.
const (
	DefaultNamespace   = "snowflake://tributary"
	DefaultProducer    = "https://github.com/tributary-lineage/tributary"
	olRunEventSchema   = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"
	olColumnLineageURL = "https://openlineage.io/spec/facets/1-2-0/ColumnLineageDatasetFacet.json#/$defs/ColumnLineageDatasetFacet"
	olSchemaURL        = "https://openlineage.io/spec/facets/1-1-1/SchemaDatasetFacet.json#/$defs/SchemaDatasetFacet"
	olSQLURL           = "https://openlineage.io/spec/facets/1-1-0/SQLJobFacet.json#/$defs/SQLJobFacet"
	// olTributaryURL names the schema of Tributary's own dataset facet (a custom facet, as
	// the spec allows): the dataset's kind, the origin of its definition and its metadata.
	olTributaryURL = "https://github.com/tributary-lineage/tributary/blob/main/docs/exports.md#openlineage"
	olOrigin       = "openlineage"
)

// OpenLineage JSON, the parts Tributary writes and reads.
type (
	olRunEvent struct {
		EventType string      `json:"eventType,omitempty"`
		EventTime string      `json:"eventTime,omitempty"`
		Producer  string      `json:"producer,omitempty"`
		SchemaURL string      `json:"schemaURL,omitempty"`
		Run       *olRun      `json:"run,omitempty"`
		Job       *olJob      `json:"job,omitempty"`
		Inputs    []olDataset `json:"inputs,omitempty"`
		Outputs   []olDataset `json:"outputs,omitempty"`
		// Name and Facets are set when the value is a dataset rather than an event.
		Namespace string          `json:"namespace,omitempty"`
		Name      string          `json:"name,omitempty"`
		Facets    *olDatasetFacet `json:"facets,omitempty"`
	}
	olRun struct {
		RunID string `json:"runId"`
	}
	olJob struct {
		Namespace string      `json:"namespace"`
		Name      string      `json:"name"`
		Facets    *olJobFacet `json:"facets,omitempty"`
	}
	olJobFacet struct {
		SQL *olSQLFacet `json:"sql,omitempty"`
	}
	olSQLFacet struct {
		Producer  string `json:"_producer,omitempty"`
		SchemaURL string `json:"_schemaURL,omitempty"`
		Query     string `json:"query"`
	}
	olDataset struct {
		Namespace string          `json:"namespace"`
		Name      string          `json:"name"`
		Facets    *olDatasetFacet `json:"facets,omitempty"`
	}
	olDatasetFacet struct {
		Schema        *olSchemaFacet        `json:"schema,omitempty"`
		ColumnLineage *olColumnLineageFacet `json:"columnLineage,omitempty"`
		Tributary     *olTributaryFacet     `json:"tributary,omitempty"`
	}
	// olTributaryFacet is Tributary's custom dataset facet.
	olTributaryFacet struct {
		Producer  string     `json:"_producer,omitempty"`
		SchemaURL string     `json:"_schemaURL,omitempty"`
		Kind      string     `json:"kind"`
		DefinedBy string     `json:"definedBy,omitempty"`
		Meta      graph.Meta `json:"meta,omitzero"`
	}
	olSchemaFacet struct {
		Producer  string          `json:"_producer,omitempty"`
		SchemaURL string          `json:"_schemaURL,omitempty"`
		Fields    []olSchemaField `json:"fields"`
	}
	olSchemaField struct {
		Name string `json:"name"`
		Type string `json:"type,omitempty"`
	}
	olColumnLineageFacet struct {
		Producer  string                   `json:"_producer,omitempty"`
		SchemaURL string                   `json:"_schemaURL,omitempty"`
		Fields    map[string]olFieldSource `json:"fields"`
		Dataset   []olInputField           `json:"dataset,omitempty"`
	}
	olFieldSource struct {
		InputFields []olInputField `json:"inputFields"`
		// Deprecated in the spec, read for older producers.
		TransformationDescription string `json:"transformationDescription,omitempty"`
		TransformationType        string `json:"transformationType,omitempty"`
	}
	olInputField struct {
		Namespace       string             `json:"namespace"`
		Name            string             `json:"name"`
		Field           string             `json:"field"`
		Transformations []olTransformation `json:"transformations,omitempty"`
	}
	olTransformation struct {
		Type        string `json:"type"`
		Subtype     string `json:"subtype,omitempty"`
		Description string `json:"description,omitempty"`
		Masking     bool   `json:"masking"`
	}
)

// olSink writes one COMPLETE RunEvent per defined dataset (view, dbt model, dynamic table,
// materialized view), one per line (JSON Lines): the job is the dataset's definition, its
// output dataset carries the schema, columnLineage and tributary (kind, definedBy, metadata)
// facets. Only the definition's edges are in the event; the edges statements (query history,
// OpenLineage runs) write are not, as this job did not write them.
type olSink struct {
	w         *bufio.Writer
	enc       *json.Encoder
	namespace string
	producer  string
	time      string
	stamp     time.Time
}

func newOpenLineageSink(w io.Writer, sum Summary, opts Options) (*olSink, error) {
	s := &olSink{w: bufio.NewWriterSize(w, 64<<10), namespace: cmpOr(opts.Namespace, DefaultNamespace),
		producer: cmpOr(opts.Producer, DefaultProducer), time: sum.ExportedAt.Format(time.RFC3339), stamp: sum.ExportedAt}
	s.enc = json.NewEncoder(s.w)
	s.enc.SetEscapeHTML(false)
	return s, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *olSink) dataset(d graph.ExportDataset, _ map[graph.ColumnID]int) error {
	if !d.Defined() {
		return nil
	}
	return s.enc.Encode(s.event(d))
}

func (s *olSink) event(d graph.ExportDataset) olRunEvent {
	name := d.ID.String()
	schema := &olSchemaFacet{Producer: s.producer, SchemaURL: olSchemaURL, Fields: []olSchemaField{}}
	for _, c := range d.Columns {
		schema.Fields = append(schema.Fields, olSchemaField{Name: c.Name, Type: c.DataType})
	}
	cl := &olColumnLineageFacet{Producer: s.producer, SchemaURL: olColumnLineageURL, Fields: map[string]olFieldSource{}}
	var inputs []string
	for _, e := range d.Edges {
		if e.Origin != "" && e.Origin != d.DefinedBy {
			continue // a statement's edge
		}
		src := e.To.Object().String()
		if !slices.Contains(inputs, src) {
			inputs = append(inputs, src)
		}
		fs := cl.Fields[e.From.Column]
		t := olTransformation{Type: string(e.Type), Subtype: string(e.Subtype), Description: olDescription(e), Masking: e.Masking}
		i := slices.IndexFunc(fs.InputFields, func(f olInputField) bool { return f.Name == src && f.Field == e.To.Column })
		if i < 0 {
			fs.InputFields = append(fs.InputFields, olInputField{Namespace: s.namespace, Name: src, Field: e.To.Column})
			i = len(fs.InputFields) - 1
		}
		fs.InputFields[i].Transformations = append(fs.InputFields[i].Transformations, t)
		cl.Fields[e.From.Column] = fs
	}
	for _, in := range d.Inputs {
		src := in.Column.Object().String()
		if !slices.Contains(inputs, src) {
			inputs = append(inputs, src)
		}
		cl.Dataset = append(cl.Dataset, olInputField{Namespace: s.namespace, Name: src, Field: in.Column.Column,
			Transformations: []olTransformation{{Type: string(graph.EdgeIndirect), Subtype: string(in.Subtype)}}})
	}
	slices.Sort(inputs)
	ev := olRunEvent{
		EventType: "COMPLETE", EventTime: s.time, Producer: s.producer, SchemaURL: olRunEventSchema,
		Run: &olRun{RunID: uuid.NewSHA1(uuid.NameSpaceURL, []byte(s.namespace+"/"+name+"@"+s.time)).String()},
		Job: &olJob{Namespace: s.namespace, Name: name},
		Outputs: []olDataset{{Namespace: s.namespace, Name: name,
			Facets: &olDatasetFacet{Schema: schema, ColumnLineage: cl, Tributary: &olTributaryFacet{
				Producer: s.producer, SchemaURL: olTributaryURL, Kind: d.Kind, DefinedBy: string(d.DefinedBy), Meta: d.Meta}}}},
	}
	if d.Definition != "" {
		ev.Job.Facets = &olJobFacet{SQL: &olSQLFacet{Producer: s.producer, SchemaURL: olSQLURL, Query: d.Definition}}
	}
	for _, in := range inputs {
		ev.Inputs = append(ev.Inputs, olDataset{Namespace: s.namespace, Name: in})
	}
	return ev
}

func (s *olSink) finish(Summary) error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("write openlineage: %w", err)
	}
	return nil
}

// olDatasets turns one OpenLineage value (a run event or a dataset) into the views it
// describes: every dataset carrying a columnLineage facet. Problems are reported per view.
func olDatasets(v olRunEvent) []olView {
	var out []olView
	var query string
	if v.Job != nil && v.Job.Facets != nil && v.Job.Facets.SQL != nil {
		query = v.Job.Facets.SQL.Query
	}
	add := func(where string, ds olDataset) {
		if ds.Facets == nil || ds.Facets.ColumnLineage == nil {
			return
		}
		out = append(out, olView{where: where, ds: ds, query: query})
	}
	for i, ds := range v.Outputs {
		add(fmt.Sprintf("outputs[%d]", i), ds)
	}
	if v.Name != "" && v.Facets != nil {
		add("", olDataset{Namespace: v.Namespace, Name: v.Name, Facets: v.Facets})
	}
	return out
}

type olView struct {
	where string
	ds    olDataset
	query string
}

// dataset converts an OpenLineage dataset with column lineage to a view.
func (v olView) dataset() (graph.ExportDataset, []issue) {
	var problems []issue
	bad := func(field, format string, args ...any) {
		problems = append(problems, issue{field: field, msg: fmt.Sprintf(format, args...)})
	}
	id, err := graph.ParseObjectID(v.ds.Name)
	if err != nil {
		bad("name", "dataset name %q: %v (want DATABASE.SCHEMA.NAME)", v.ds.Name, err)
	}
	d := graph.ExportDataset{ID: id, Kind: graph.KindView, Status: graph.StatusOK, Definition: v.query, Origin: olOrigin}
	if tf := v.ds.Facets.Tributary; tf != nil { // written by Tributary's export
		d.Kind, d.DefinedBy, d.Meta = tf.Kind, graph.Origin(tf.DefinedBy), tf.Meta
		if !d.Defined() || d.Kind == graph.KindExternal {
			bad("facets.tributary.kind", "tributary.kind %q with definedBy %q: not a defined dataset", tf.Kind, tf.DefinedBy)
		}
	}
	cl := v.ds.Facets.ColumnLineage
	names := map[string]bool{}
	if s := v.ds.Facets.Schema; s != nil {
		for i, f := range s.Fields {
			if f.Name == "" || names[f.Name] {
				bad(fmt.Sprintf("facets.schema.fields[%d].name", i), "schema.fields[%d]: empty or repeated name %q", i, f.Name)
				continue
			}
			names[f.Name] = true
			ord := i + 1
			d.Columns = append(d.Columns, graph.ExportColumn{Name: f.Name, Ordinal: &ord, DataType: f.Type})
		}
	}
	fields := make([]string, 0, len(cl.Fields))
	for f := range cl.Fields {
		fields = append(fields, f)
	}
	slices.Sort(fields)
	for _, f := range fields {
		if !names[f] {
			if v.ds.Facets.Schema != nil {
				bad("facets.columnLineage.fields", "columnLineage.fields[%q]: unknown column (not in the schema facet)", f)
				continue
			}
			names[f] = true
			d.Columns = append(d.Columns, graph.ExportColumn{Name: f})
		}
		for i, in := range cl.Fields[f].InputFields {
			src, err := olColumn(in)
			if err != nil {
				bad("facets.columnLineage.fields.inputFields", "columnLineage.fields[%q].inputFields[%d]: %v", f, i, err)
				continue
			}
			ts := in.Transformations
			if len(ts) == 0 {
				ts = []olTransformation{legacyTransformation(cl.Fields[f])}
			}
			for j, t := range ts {
				if !graph.EdgeType(t.Type).Valid() || !graph.Subtype(t.Subtype).Valid() {
					bad("facets.columnLineage.fields.inputFields.transformations", "columnLineage.fields[%q].inputFields[%d].transformations[%d]: type %q subtype %q", f, i, j, t.Type, t.Subtype)
					continue
				}
				expr, unverified := strings.CutSuffix(t.Description, olUnverified)
				d.Edges = append(d.Edges, graph.Edge{From: id.Column(f), To: src, Type: graph.EdgeType(t.Type),
					Subtype: graph.Subtype(t.Subtype), View: id, Expression: expr, Masking: t.Masking, Unverified: unverified})
			}
		}
	}
	for i, in := range cl.Dataset {
		src, err := olColumn(in)
		if err != nil {
			bad(fmt.Sprintf("facets.columnLineage.dataset[%d]", i), "columnLineage.dataset[%d]: %v", i, err)
			continue
		}
		for j, t := range in.Transformations {
			if !graph.Subtype(t.Subtype).Valid() {
				bad(fmt.Sprintf("facets.columnLineage.dataset[%d].transformations[%d].subtype", i, j), "columnLineage.dataset[%d].transformations[%d]: subtype %q", i, j, t.Subtype)
				continue
			}
			d.Inputs = append(d.Inputs, graph.Input{Column: src, Subtype: graph.Subtype(t.Subtype)})
		}
	}
	if len(problems) == 0 {
		if err := graph.ValidateImport(d); err != nil {
			bad("dataset", "%v", err)
		}
	}
	return d, problems
}

func olColumn(in olInputField) (graph.ColumnID, error) {
	o, err := graph.ParseObjectID(in.Name)
	if err != nil {
		return graph.ColumnID{}, fmt.Errorf("input dataset %q: %v", in.Name, err)
	}
	if in.Field == "" {
		return graph.ColumnID{}, fmt.Errorf("input dataset %q: empty field", in.Name)
	}
	return o.Column(in.Field), nil
}

// legacyTransformation maps the deprecated transformationType (IDENTITY, MASKED) to a
// transformation.
func legacyTransformation(f olFieldSource) olTransformation {
	switch f.TransformationType {
	case "IDENTITY":
		return olTransformation{Type: "DIRECT", Subtype: "IDENTITY", Description: f.TransformationDescription}
	case "MASKED":
		return olTransformation{Type: "DIRECT", Subtype: "TRANSFORMATION", Description: f.TransformationDescription, Masking: true}
	}
	return olTransformation{Type: "DIRECT", Subtype: "TRANSFORMATION", Description: f.TransformationDescription}
}

// Package export writes lineage out of the graph and reads it back in.
//
// Exports (Run) stream a scope of the graph (everything, databases, schemas, views, or the
// upstream/downstream closure of a column or view) page by page into one of four formats:
// xlsx (excelize's StreamWriter), csv (one file per sheet, zipped), json (Tributary's own
// versioned lineage document, see docs/exports.md) and openlineage (one RunEvent per view
// carrying a ColumnLineageDatasetFacet). Memory holds one page of datasets plus the writers'
// buffers, whatever the size of the export.
//
// Imports (Import) read a Tributary JSON document or OpenLineage events/datasets, validate
// every record first (a ValidationError lists each bad record with its position) and only
// then write, in batches of one transaction each. Archives of .sql files are handed to the
// ingestion pipeline (ingest.ImportSQLArchive unpacks them safely).
//
// S3Store keeps export files in S3 (multipart upload, presigned downloads); SecretsProvider
// fetches Snowflake credentials from AWS Secrets Manager and refreshes them on auth failure.
// NewTask/HandleTask run exports as asynq jobs.
package export

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/tributary-lineage/tributary/graph"
)

// Format is an export file format.
type Format string

// Formats.
const (
	FormatXLSX        Format = "xlsx"
	FormatCSV         Format = "csv"
	FormatJSON        Format = "json"
	FormatOpenLineage Format = "openlineage"
)

// ParseFormat checks a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatXLSX, FormatCSV, FormatJSON, FormatOpenLineage:
		return f, nil
	}
	return "", fmt.Errorf("%w: format %q, want xlsx, csv, json or openlineage", graph.ErrInvalid, s)
}

// Extension is the usual file name ending of the format.
func (f Format) Extension() string {
	switch f {
	case FormatXLSX:
		return ".xlsx"
	case FormatCSV:
		return ".csv.zip"
	case FormatOpenLineage:
		return ".openlineage.jsonl"
	}
	return ".json"
}

// ContentType is the media type of the format.
func (f Format) ContentType() string {
	switch f {
	case FormatXLSX:
		return "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	case FormatCSV:
		return "application/zip"
	case FormatOpenLineage:
		return "application/x-ndjson"
	}
	return "application/json"
}

// Reader is what an export reads; *graph.Store implements it.
type Reader interface {
	ExportDatasets(ctx context.Context, f graph.ExportFilter, pageSize int, fn func([]graph.ExportDataset) error) error
	ExportDatasetsByID(ctx context.Context, ids []graph.ObjectID) ([]graph.ExportDataset, error)
	Closure(ctx context.Context, roots []graph.ColumnID, upstream bool, depth int) ([]graph.ClosureColumn, error)
	ClosureRoots(ctx context.Context, id graph.ObjectID) ([]graph.ColumnID, error)
}

// Options tune an export. The zero value is fine.
type Options struct {
	Now       time.Time // the export's timestamp; zero means time.Now()
	PageSize  int       // datasets per read; 0 means graph.DefaultExportPage
	Namespace string    // OpenLineage dataset namespace; "" means DefaultNamespace
	Producer  string    // OpenLineage producer URI; "" means DefaultProducer
}

// Summary counts what an export wrote.
type Summary struct {
	Scope      Scope     `json:"scope"`
	Format     Format    `json:"format"`
	ExportedAt time.Time `json:"exportedAt"`
	Tables     int       `json:"tables"`
	Views      int       `json:"views"`
	Columns    int       `json:"columns"`
	Edges      int       `json:"edges"`
	Impacted   int       `json:"impacted,omitempty"` // closure columns (roots included)
}

// sink is one format's writer: it gets each dataset in id order, then the summary.
type sink interface {
	dataset(d graph.ExportDataset, dist map[graph.ColumnID]int) error
	finish(sum Summary) error
}

// Run exports scope from r to w in format and returns what it wrote.
func Run(ctx context.Context, r Reader, scope Scope, format Format, w io.Writer, opts Options) (Summary, error) {
	scope, err := scope.Normalize()
	if err != nil {
		return Summary{}, err
	}
	if _, err := ParseFormat(string(format)); err != nil {
		return Summary{}, err
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	sum := Summary{Scope: scope, Format: format, ExportedAt: opts.Now.UTC().Truncate(time.Second)}
	var s sink
	switch format {
	case FormatXLSX:
		s, err = newXLSXSink(w, sum)
	case FormatCSV:
		s, err = newCSVSink(w, sum)
	case FormatJSON:
		s, err = newJSONSink(w, sum)
	case FormatOpenLineage:
		s, err = newOpenLineageSink(w, sum, opts)
	}
	if err != nil {
		return Summary{}, fmt.Errorf("export %s: %w", format, err)
	}
	err = walk(ctx, r, scope, opts.PageSize, func(d graph.ExportDataset, dist map[graph.ColumnID]int) error {
		if d.Defined() { // views, dbt models, dynamic tables, materialized views
			sum.Views++
		} else {
			sum.Tables++
		}
		sum.Columns += len(d.Columns)
		sum.Edges += len(d.Edges)
		return s.dataset(d, dist)
	}, func(n int) { sum.Impacted = n })
	if err != nil {
		if c, ok := s.(io.Closer); ok {
			c.Close()
		}
		return Summary{}, fmt.Errorf("export %s %s: %w", scope, format, err)
	}
	if err := s.finish(sum); err != nil {
		return Summary{}, fmt.Errorf("export %s %s: %w", scope, format, err)
	}
	return sum, nil
}

// walk calls fn with every dataset of scope in id order. For a closure, datasets carry only
// the closure's columns and the edges between them, and dist gives each closure column's
// distance from the roots; closureSize is told the number of closure columns first.
func walk(ctx context.Context, r Reader, scope Scope, pageSize int, fn func(graph.ExportDataset, map[graph.ColumnID]int) error, closureSize func(int)) error {
	if pageSize <= 0 {
		pageSize = graph.DefaultExportPage
	}
	each := func(page []graph.ExportDataset) error {
		for _, d := range page {
			if err := fn(d, nil); err != nil {
				return err
			}
		}
		return nil
	}
	switch scope.Kind {
	case ScopeAll:
		return r.ExportDatasets(ctx, graph.ExportFilter{}, pageSize, each)
	case ScopeDatabase:
		return r.ExportDatasets(ctx, graph.ExportFilter{Databases: scope.Databases}, pageSize, each)
	case ScopeSchema:
		return r.ExportDatasets(ctx, graph.ExportFilter{Schemas: scope.Schemas}, pageSize, each)
	case ScopeViews:
		ids := make([]graph.ObjectID, 0, len(scope.Views))
		for _, v := range scope.Views {
			id, err := graph.ParseObjectID(v)
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return r.ExportDatasets(ctx, graph.ExportFilter{Datasets: ids}, pageSize, each)
	}
	// Closures.
	var roots []graph.ColumnID
	if c, err := graph.ParseColumnID(scope.Root); err == nil {
		roots = []graph.ColumnID{c}
	} else {
		o, err := graph.ParseObjectID(scope.Root)
		if err != nil {
			return fmt.Errorf("%w: closure root %q", graph.ErrInvalid, scope.Root)
		}
		if roots, err = r.ClosureRoots(ctx, o); err != nil {
			return err
		}
	}
	cols, err := r.Closure(ctx, roots, scope.Kind == ScopeUpstream, scope.depth())
	if err != nil {
		return err
	}
	closureSize(len(cols))
	dist := make(map[graph.ColumnID]int, len(cols))
	var datasets []graph.ObjectID
	seen := map[graph.ObjectID]bool{}
	for _, c := range cols {
		dist[c.ID] = c.Distance
		if o := c.ID.Object(); !seen[o] {
			seen[o] = true
			datasets = append(datasets, o)
		}
	}
	slices.SortFunc(datasets, func(a, b graph.ObjectID) int { return cmp.Compare(a.String(), b.String()) })
	for start := 0; start < len(datasets); start += pageSize {
		page, err := r.ExportDatasetsByID(ctx, datasets[start:min(start+pageSize, len(datasets))])
		if err != nil {
			return err
		}
		for _, d := range page {
			if err := fn(restrict(d, dist), dist); err != nil {
				return err
			}
		}
	}
	return nil
}

// restrict keeps the columns of d in the closure and the edges and inputs between them.
func restrict(d graph.ExportDataset, in map[graph.ColumnID]int) graph.ExportDataset {
	cols := d.Columns[:0:0]
	for _, c := range d.Columns {
		if _, ok := in[d.ID.Column(c.Name)]; ok {
			cols = append(cols, c)
		}
	}
	edges := d.Edges[:0:0]
	for _, e := range d.Edges {
		_, from := in[e.From]
		_, to := in[e.To]
		if from && to {
			edges = append(edges, e)
		}
	}
	inputs := d.Inputs[:0:0]
	for _, i := range d.Inputs {
		if _, ok := in[i.Column]; ok {
			inputs = append(inputs, i)
		}
	}
	d.Columns, d.Edges, d.Inputs = cols, edges, inputs
	return d
}

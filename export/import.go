package export

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
)

// Import formats.
const (
	ImportJSON        = "json"        // a Tributary lineage document
	ImportOpenLineage = "openlineage" // run events or datasets with columnLineage (JSON, array or JSON Lines)
)

// OriginTributary marks views imported from a Tributary document that carried no origin.
const OriginTributary = "tributary-json"

// Writer is what an import writes to: *graph.Writer (which invalidates the cache) in the
// service, *graph.Store where nothing is cached.
type Writer interface {
	ImportDatasets(ctx context.Context, batch []graph.ExportDataset) error
}

// ImportOptions tune an import.
type ImportOptions struct {
	Format string // ImportJSON, ImportOpenLineage, or "" to detect
	// RenameDatabases maps database names of the document to the names written (e.g. import
	// PROD's lineage as PROD_COPY). Unlisted databases keep their names.
	RenameDatabases map[string]string
	// Redact keeps the document's values out of a ValidationError: each problem names the
	// position and the field only (for documents the caller cannot read, e.g. S3 objects).
	Redact      bool
	BatchSize   int // datasets per transaction; 0 means 200
	MaxProblems int // problems listed in a ValidationError; 0 means 100 (all are counted)
}

// ImportResult says what an import wrote.
type ImportResult struct {
	Format  string `json:"format"`
	Tables  int    `json:"tables"`
	Views   int    `json:"views"`
	Columns int    `json:"columns"`
	Edges   int    `json:"edges"`
	Batches int    `json:"batches"`
}

// Problem is one bad record of an import: where it is and what is wrong.
type Problem struct {
	Position string `json:"position"`        // e.g. "datasets[12] (byte 4711)"
	Field    string `json:"field,omitempty"` // e.g. "lineage[3].source"
	Record   string `json:"record,omitempty"`
	Message  string `json:"message"`
}

// ValidationError lists the bad records of a rejected import; nothing was written. It wraps
// graph.ErrInvalid.
type ValidationError struct {
	Problems []Problem // the first MaxProblems
	Total    int       // all problems found
}

func (e *ValidationError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "invalid import: %d problem", e.Total)
	if e.Total != 1 {
		b.WriteString("s")
	}
	b.WriteString(", nothing written:")
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.Position)
		if p.Record != "" {
			b.WriteString(" " + p.Record)
		}
		b.WriteString(": " + p.Message)
	}
	if n := e.Total - len(e.Problems); n > 0 {
		fmt.Fprintf(&b, "\n  ... and %d more", n)
	}
	return b.String()
}

func (e *ValidationError) Unwrap() error { return graph.ErrInvalid }

// item is one decoded record.
type item struct {
	pos      string
	d        graph.ExportDataset
	problems []issue
}

// issue is one problem of a record: the field (no value of the document in it) and the
// full message (which may quote values).
type issue struct{ field, msg string }

// decoder yields records until io.EOF; a syntax error ends the stream.
type decoder interface {
	next() (item, error)
}

// Import reads a document (opened by open, which is called once per pass: the document is
// read three times) and writes it to w: first every record is decoded and checked, then
// references between records are checked (an edge to a column of a table or view in the
// document must name one of its columns), and only when all is well the records are
// written, BatchSize per transaction. A *ValidationError lists what is wrong.
func Import(ctx context.Context, w Writer, open func() (io.ReadCloser, error), opts ImportOptions) (ImportResult, error) {
	if opts.BatchSize <= 0 {
		opts.BatchSize = 200
	}
	if opts.MaxProblems <= 0 {
		opts.MaxProblems = 100
	}
	if opts.Format == "" {
		f, err := detectFormat(open)
		if err != nil {
			return ImportResult{}, err
		}
		opts.Format = f
	}
	if opts.Format != ImportJSON && opts.Format != ImportOpenLineage {
		return ImportResult{}, fmt.Errorf("%w: import format %q, want %s or %s", graph.ErrInvalid, opts.Format, ImportJSON, ImportOpenLineage)
	}
	verr := &ValidationError{}
	report := func(pos, rec string, is issue) {
		verr.Total++
		if len(verr.Problems) >= opts.MaxProblems {
			return
		}
		p := Problem{Position: pos, Field: is.field, Record: rec, Message: is.msg}
		if opts.Redact {
			p.Record, p.Message = "", "invalid "+is.field
		}
		verr.Problems = append(verr.Problems, p)
	}

	// Pass 1: records on their own; the column names of every dataset.
	columns := map[graph.ObjectID]map[string]bool{}
	last := map[graph.ObjectID]string{} // OpenLineage: a later event for the same view wins
	err := eachItem(open, opts, func(it item) error {
		for _, p := range it.problems {
			rec := ""
			if it.d.ID.Validate() == nil {
				rec = it.d.ID.String()
			}
			report(it.pos, rec, p)
		}
		if len(it.problems) > 0 {
			return nil
		}
		if _, dup := columns[it.d.ID]; dup && opts.Format == ImportJSON {
			report(it.pos, it.d.ID.String(), issue{"id", "listed twice"})
			return nil
		}
		names := make(map[string]bool, len(it.d.Columns))
		for _, c := range it.d.Columns {
			names[c.Name] = true
		}
		columns[it.d.ID] = names
		last[it.d.ID] = it.pos
		return nil
	})
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			report(se.pos, "", issue{se.field, se.msg})
			return ImportResult{}, verr
		}
		return ImportResult{}, err
	}
	if verr.Total > 0 {
		return ImportResult{}, verr
	}

	// Pass 2: references to datasets of the document.
	err = eachItem(open, opts, func(it item) error {
		if last[it.d.ID] != it.pos {
			return nil
		}
		for i, e := range it.d.Edges {
			if names, ok := columns[e.To.Object()]; ok && !names[e.To.Column] {
				report(it.pos, it.d.ID.String(), issue{fmt.Sprintf("lineage[%d].source", i), fmt.Sprintf("lineage[%d]: unknown column %s: %s has no such column in this document", i, e.To, e.To.Object())})
			}
		}
		for i, in := range it.d.Inputs {
			if names, ok := columns[in.Column.Object()]; ok && !names[in.Column.Column] {
				report(it.pos, it.d.ID.String(), issue{fmt.Sprintf("inputs[%d].column", i), fmt.Sprintf("inputs[%d]: unknown column %s", i, in.Column)})
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	if verr.Total > 0 {
		return ImportResult{}, verr
	}

	// Pass 3: write. Tables first, so views' sources find them; then the defined datasets
	// (views, dbt models, dynamic tables, materialized views).
	res := ImportResult{Format: opts.Format}
	for _, defined := range []bool{false, true} {
		var batch []graph.ExportDataset
		flush := func() error {
			if len(batch) == 0 {
				return nil
			}
			if err := w.ImportDatasets(ctx, batch); err != nil {
				return err
			}
			res.Batches++
			batch = batch[:0]
			return nil
		}
		err = eachItem(open, opts, func(it item) error {
			if it.d.Defined() != defined || last[it.d.ID] != it.pos {
				return nil
			}
			if !defined {
				res.Tables++
			} else {
				res.Views++
				if it.d.Origin == "" {
					it.d.Origin = OriginTributary // marked as imported; an OpenLineage view has its own
				}
			}
			res.Columns += len(it.d.Columns)
			res.Edges += len(it.d.Edges)
			batch = append(batch, it.d)
			if len(batch) == opts.BatchSize {
				return flush()
			}
			return nil
		})
		if err == nil {
			err = flush()
		}
		if err != nil {
			return res, fmt.Errorf("import (%d batches written): %w", res.Batches, err)
		}
	}
	return res, nil
}

// eachItem decodes the document once and calls fn with each record, renamed.
func eachItem(open func() (io.ReadCloser, error), opts ImportOptions, fn func(item) error) error {
	rc, err := open()
	if err != nil {
		return fmt.Errorf("open import: %w", err)
	}
	defer rc.Close()
	var dec decoder
	if opts.Format == ImportJSON {
		dec = newDocumentDecoder(rc)
	} else {
		dec = newOLDecoder(rc)
	}
	for {
		it, err := dec.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if len(opts.RenameDatabases) > 0 {
			it.d = rename(it.d, opts.RenameDatabases)
		}
		if err := fn(it); err != nil {
			return err
		}
	}
}

func detectFormat(open func() (io.ReadCloser, error)) (string, error) {
	rc, err := open()
	if err != nil {
		return "", fmt.Errorf("open import: %w", err)
	}
	defer rc.Close()
	head := make([]byte, 4096)
	n, _ := io.ReadFull(rc, head)
	head = bytes.TrimSpace(head[:n])
	switch {
	case len(head) == 0:
		return "", &ValidationError{Total: 1, Problems: []Problem{{Position: "byte 0", Message: "empty document"}}}
	case bytes.Contains(head, []byte(`"`+DocumentFormat+`"`)):
		return ImportJSON, nil
	case head[0] == '{' || head[0] == '[':
		return ImportOpenLineage, nil
	}
	return "", &ValidationError{Total: 1, Problems: []Problem{{Position: "byte 0", Message: "not JSON: want a Tributary lineage document or OpenLineage events"}}}
}

func rename(d graph.ExportDataset, m map[string]string) graph.ExportDataset {
	obj := func(o graph.ObjectID) graph.ObjectID {
		if n, ok := m[o.Database]; ok {
			o.Database = n
		}
		return o
	}
	col := func(c graph.ColumnID) graph.ColumnID {
		if n, ok := m[c.Database]; ok {
			c.Database = n
		}
		return c
	}
	d.ID = obj(d.ID)
	for i := range d.Edges {
		d.Edges[i].From, d.Edges[i].To, d.Edges[i].View = col(d.Edges[i].From), col(d.Edges[i].To), obj(d.Edges[i].View)
	}
	for i := range d.Inputs {
		d.Inputs[i].Column = col(d.Inputs[i].Column)
	}
	for i := range d.StatementInputs {
		d.StatementInputs[i].Column = col(d.StatementInputs[i].Column)
	}
	for i := range d.ColumnDeps {
		d.ColumnDeps[i] = obj(d.ColumnDeps[i])
	}
	return d
}

// syntaxError is malformed JSON at a position.
type syntaxError struct{ pos, field, msg string }

func (e *syntaxError) Error() string { return e.pos + ": " + e.msg }

func jsonProblem(dec *json.Decoder, err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &syntaxError{pos: fmt.Sprintf("byte %d", se.Offset), field: "JSON", msg: "malformed JSON: " + se.Error()}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return &syntaxError{pos: fmt.Sprintf("byte %d", dec.InputOffset()), field: "JSON", msg: "malformed JSON: unexpected end of document"}
	}
	return &syntaxError{pos: fmt.Sprintf("byte %d", dec.InputOffset()), field: "JSON", msg: "malformed JSON: " + err.Error()}
}

// documentDecoder streams the datasets of a Tributary document.
type documentDecoder struct {
	dec     *json.Decoder
	state   int // 0 before the top level, 1 in the top-level object, 2 in datasets, 3 done
	index   int
	version int
	format  string
}

func newDocumentDecoder(r io.Reader) *documentDecoder {
	return &documentDecoder{dec: json.NewDecoder(bufio.NewReaderSize(r, 64<<10))}
}

func (d *documentDecoder) next() (item, error) {
	if d.state == 0 {
		t, err := d.dec.Token()
		if err != nil {
			return item{}, jsonProblem(d.dec, err)
		}
		if t != json.Delim('{') {
			return item{}, &syntaxError{pos: "byte 0", field: "document", msg: "a Tributary lineage document is a JSON object"}
		}
		d.state = 1
	}
	for {
		if d.state == 2 {
			if d.dec.More() {
				pos := fmt.Sprintf("datasets[%d] (byte %d)", d.index, d.dec.InputOffset())
				d.index++
				var rec DatasetRecord
				raw := json.RawMessage{}
				if err := d.dec.Decode(&raw); err != nil {
					return item{}, jsonProblem(d.dec, err)
				}
				strict := json.NewDecoder(bytes.NewReader(raw))
				strict.DisallowUnknownFields()
				if err := strict.Decode(&rec); err != nil {
					return item{pos: pos, problems: []issue{{"record", "bad record: " + err.Error()}}}, nil
				}
				ds, problems := rec.Dataset()
				return item{pos: pos, d: ds, problems: problems}, nil
			}
			if _, err := d.dec.Token(); err != nil { // ]
				return item{}, jsonProblem(d.dec, err)
			}
			d.state = 1
		}
		if d.state == 3 {
			return item{}, io.EOF
		}
		if !d.dec.More() {
			if _, err := d.dec.Token(); err != nil { // }
				return item{}, jsonProblem(d.dec, err)
			}
			if d.format != DocumentFormat {
				return item{}, &syntaxError{pos: "format", field: "format", msg: fmt.Sprintf("format %q, want %q", d.format, DocumentFormat)}
			}
			d.state = 3
			return item{}, io.EOF
		}
		t, err := d.dec.Token()
		if err != nil {
			return item{}, jsonProblem(d.dec, err)
		}
		key, _ := t.(string)
		pos := fmt.Sprintf("byte %d", d.dec.InputOffset())
		switch key {
		case "format":
			if err := d.dec.Decode(&d.format); err != nil || d.format != DocumentFormat {
				return item{}, &syntaxError{pos: pos, field: "format", msg: fmt.Sprintf("format %q, want %q", d.format, DocumentFormat)}
			}
		case "version":
			if err := d.dec.Decode(&d.version); err != nil || d.version < 1 || d.version > DocumentVersion {
				return item{}, &syntaxError{pos: pos, field: "version", msg: fmt.Sprintf("document version %d: this Tributary reads version 1..%d", d.version, DocumentVersion)}
			}
		case "datasets":
			if d.format == "" || d.version == 0 {
				return item{}, &syntaxError{pos: pos, field: "datasets", msg: `"format" and "version" must come before "datasets"`}
			}
			t, err := d.dec.Token()
			if err != nil {
				return item{}, jsonProblem(d.dec, err)
			}
			if t != json.Delim('[') {
				return item{}, &syntaxError{pos: pos, field: "datasets", msg: `"datasets" must be an array`}
			}
			d.state = 2
		case "exportedAt", "scope", "summary":
			var skip json.RawMessage
			if err := d.dec.Decode(&skip); err != nil {
				return item{}, jsonProblem(d.dec, err)
			}
		default:
			return item{}, &syntaxError{pos: pos, field: "document", msg: fmt.Sprintf("unknown field %q", key)}
		}
	}
}

// olDecoder streams views out of OpenLineage JSON: one value, an array of values, or a
// sequence of values (JSON Lines).
type olDecoder struct {
	dec     *json.Decoder
	started bool
	array   bool
	index   int
	pending []item
}

func newOLDecoder(r io.Reader) *olDecoder {
	br := bufio.NewReaderSize(r, 64<<10)
	d := &olDecoder{dec: json.NewDecoder(br)}
	for {
		b, err := br.Peek(1)
		if err != nil {
			break
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\n' || b[0] == '\r' {
			br.ReadByte()
			continue
		}
		d.array = b[0] == '['
		break
	}
	return d
}

func (d *olDecoder) next() (item, error) {
	for len(d.pending) == 0 {
		if !d.started {
			d.started = true
			if d.array {
				if _, err := d.dec.Token(); err != nil {
					return item{}, jsonProblem(d.dec, err)
				}
			}
		}
		if !d.dec.More() {
			if d.array {
				if _, err := d.dec.Token(); err != nil {
					return item{}, jsonProblem(d.dec, err)
				}
			}
			return item{}, io.EOF
		}
		pos := fmt.Sprintf("value %d (byte %d)", d.index, d.dec.InputOffset())
		if d.array {
			pos = fmt.Sprintf("[%d] (byte %d)", d.index, d.dec.InputOffset())
		}
		d.index++
		raw := json.RawMessage{}
		if err := d.dec.Decode(&raw); err != nil {
			return item{}, jsonProblem(d.dec, err)
		}
		var ev olRunEvent
		if err := json.Unmarshal(raw, &ev); err != nil {
			d.pending = append(d.pending, item{pos: pos, problems: []issue{{"event", "not an OpenLineage run event or dataset: " + err.Error()}}})
			continue
		}
		views := olDatasets(ev)
		if len(views) == 0 && ev.Run == nil && ev.Name == "" {
			d.pending = append(d.pending, item{pos: pos, problems: []issue{{"event", "not an OpenLineage run event or dataset"}}})
		}
		for _, v := range views {
			ds, problems := v.dataset()
			p := pos
			if v.where != "" {
				p += " " + v.where
			}
			d.pending = append(d.pending, item{pos: p, d: ds, problems: problems})
		}
	}
	it := d.pending[0]
	d.pending = d.pending[1:]
	return it, nil
}

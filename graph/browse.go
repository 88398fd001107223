package graph

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"time"

	"github.com/tributary-lineage/tributary/cypher"
)

// MaxListLimit bounds one page of ListDatasets; MaxListOffset how deep it pages (offset + limit).
const (
	MaxListLimit  = 500
	MaxListOffset = 10000
)

// DatasetFilter selects the tables or views ListDatasets lists. Kind is KindView or KindTable;
// Database and Schema are resolved identifiers ("" = any); Status (views only) is "",
// StatusOK, StatusFailed or StatusHidden; Query ("" = any) keeps the objects a search for it
// matches (Search's words, without ranking); Offset 0..MaxListOffset-Limit, Limit
// 1..MaxListLimit.
type DatasetFilter struct {
	Kind             string
	Database, Schema string
	Status           string
	Query            string
	Offset, Limit    int
}

// DatasetSummary is one item of ListDatasets.
type DatasetSummary struct {
	ID          ObjectID
	Kind        string
	Status      string // views
	Message     string // views: why analysis failed, warnings
	Error       *PositionError
	Placeholder bool // tables known only because a view reads them
	Columns     int
	UpdatedAt   time.Time
}

// PositionError is a failed view's error split into where and what: File (when the view came
// from a file), Line and Col (1-based), Message.
type PositionError struct {
	File      string
	Line, Col int
	Message   string
}

// positionMessage matches the messages ingestion stores for a failed view: "file:line:col: msg"
// or "line:col: msg".
var positionMessage = regexp.MustCompile(`^(?:(.+?):)?(\d+):(\d+): (.*)$`)

// parsePositionError reads a failed view's message; nil when it carries no position.
func parsePositionError(msg string) *PositionError {
	m := positionMessage.FindStringSubmatch(msg)
	if m == nil {
		return nil
	}
	line, err1 := strconv.Atoi(m[2])
	col, err2 := strconv.Atoi(m[3])
	if err1 != nil || err2 != nil {
		return nil
	}
	return &PositionError{File: m[1], Line: line, Col: col, Message: m[4]}
}

// ListDatasets returns one page of the tables or views f selects, by id.
func (s *Store) ListDatasets(ctx context.Context, f DatasetFilter) ([]DatasetSummary, error) {
	if f.Kind != KindView && f.Kind != KindTable {
		return nil, invalidf("list kind %q, want %q or %q", f.Kind, KindView, KindTable)
	}
	switch f.Status {
	case "":
	case StatusOK, StatusFailed, StatusHidden:
		if f.Kind != KindView {
			return nil, invalidf("status filters views, not tables")
		}
	default:
		return nil, invalidf("status %q, want %q, %q or %q", f.Status, StatusOK, StatusFailed, StatusHidden)
	}
	if f.Limit < 1 || f.Limit > MaxListLimit {
		return nil, invalidf("list limit %d out of range 1..%d", f.Limit, MaxListLimit)
	}
	if f.Offset < 0 || f.Offset+f.Limit > MaxListOffset {
		return nil, invalidf("list offset %d out of range 0..%d", f.Offset, MaxListOffset-f.Limit)
	}
	params := map[string]any{"kind": f.Kind, "database": nullable(f.Database), "schema": nullable(f.Schema),
		"status": nullable(f.Status), "skip": int64(f.Offset), "limit": int64(f.Limit)}
	stmt := cypher.APIListDatasets
	if f.Query != "" {
		words, err := parseSearchQuery(f.Query)
		if err != nil {
			return nil, err
		}
		params["query"] = searchLucene(words, nil, nil)
		stmt = cypher.APIListDatasetsMatching
	}
	res, err := s.read(ctx, stmt, params)
	if err != nil {
		return nil, fmt.Errorf("list %ss: %w", f.Kind, err)
	}
	out := make([]DatasetSummary, 0, len(res.Records))
	for _, rec := range res.Records {
		m := rec.AsMap()
		id, err := parseObjectValue(m["id"])
		if err != nil {
			return nil, fmt.Errorf("list %ss: %w", f.Kind, err)
		}
		d := DatasetSummary{ID: id, Kind: f.Kind, Status: str(m, "status"), Message: str(m, "message"),
			Placeholder: flag(m, "placeholder"), Columns: int(num(m, "columns")), UpdatedAt: timeOf(m, "updatedAt")}
		if d.Status == StatusFailed {
			d.Error = parsePositionError(d.Message)
		}
		out = append(out, d)
	}
	return out, nil
}

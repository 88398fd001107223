package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tributary-lineage/tributary/ingest/querylog"
	"github.com/tributary-lineage/tributary/ingest/snowflake"
)

// Source kinds of query history (ParseSourceSpec).
const (
	// SourceQueryLog is a file exported from QUERY_HISTORY: querylog:PATH (JSON Lines or CSV).
	SourceQueryLog = "querylog"
	// SourceSnowflakeQueries is SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY of the configured account.
	SourceSnowflakeQueries = "snowflake-queries"
)

// StatementSource is a source of statements rather than of definitions: query history. A
// refresh reads the statements that ran since the source's watermark and writes the lineage
// of each into the table it writes (Runner.RefreshStatements), next to the lineage of other
// statements writing the same table.
type StatementSource interface {
	Source
	// Read adds the history's records that started after l.Since to l.
	Read(ctx context.Context, l *querylog.Log) error
}

// errStatementList is List's answer for statement sources: they are read, not listed.
var errStatementList = errors.New("a query-history source has no listing: it is refreshed by Runner.RefreshStatements")

// QueryLogSource reads a file exported from QUERY_HISTORY.
type QueryLogSource struct {
	path string
}

// NewQueryLogSource returns the source of the export at path (made absolute): JSON Lines when
// the name ends in .jsonl, .ndjson or .json, CSV when it ends in .csv, otherwise JSON Lines
// when the first character is "{". The file is read by each refresh.
func NewQueryLogSource(path string) (*QueryLogSource, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("%w: querylog:%s: %w", ErrInvalidSource, path, err)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, fmt.Errorf("%w: querylog:%s: %w", ErrInvalidSource, abs, err)
	}
	if fi.IsDir() {
		return nil, fmt.Errorf("%w: querylog:%s is a directory, want a JSON Lines or CSV file", ErrInvalidSource, abs)
	}
	return &QueryLogSource{path: abs}, nil
}

// Name implements Source: "querylog:" and the file's absolute path.
func (s *QueryLogSource) Name() string { return SourceQueryLog + ":" + s.path }

// List implements Source: query history has no listing.
func (s *QueryLogSource) List(context.Context) (*Listing, error) { return nil, errStatementList }

// Read implements StatementSource. A malformed file fails the refresh as an invalid source,
// naming the line or record.
func (s *QueryLogSource) Read(ctx context.Context, l *querylog.Log) error {
	data, err := os.ReadFile(s.path)
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Name(), err)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	parse := querylog.ParseJSONLines
	switch strings.ToLower(filepath.Ext(s.path)) {
	case ".jsonl", ".ndjson", ".json":
	case ".csv":
		parse = querylog.ParseCSV
	default:
		if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) == 0 || t[0] != '{' {
			parse = querylog.ParseCSV
		}
	}
	if err := parse(data, l); err != nil {
		return fmt.Errorf("%w: %s: %w", ErrInvalidSource, s.Name(), err)
	}
	return nil
}

// SnowflakeQuerySource reads SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY.
type SnowflakeQuerySource struct {
	src  *snowflake.Source
	name string
	// PageSize is the number of rows per query (snowflake.DefaultHistoryPage when 0).
	PageSize int
}

// NewSnowflakeQuerySource names the query history of src "snowflake-queries:"+account.
func NewSnowflakeQuerySource(src *snowflake.Source, account string) *SnowflakeQuerySource {
	return &SnowflakeQuerySource{src: src, name: SourceSnowflakeQueries + ":" + account}
}

// Name implements Source.
func (s *SnowflakeQuerySource) Name() string { return s.name }

// List implements Source: query history has no listing.
func (s *SnowflakeQuerySource) List(context.Context) (*Listing, error) { return nil, errStatementList }

// Read implements StatementSource, paging through the view (snowflake.Source.QueryHistory).
func (s *SnowflakeQuerySource) Read(ctx context.Context, l *querylog.Log) error {
	if _, err := s.src.QueryHistory(ctx, l.Since, s.PageSize, func(r querylog.Record) { l.Add(r) }); err != nil {
		return fmt.Errorf("read %s: %w", s.name, err)
	}
	return nil
}

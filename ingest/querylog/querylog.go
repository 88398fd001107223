// Package querylog reads Snowflake query history, as exported from
// SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY (JSON Lines or CSV with the view's
// column names) or as read from the view itself, and keeps the statements
// that write tables with column lineage: successful CREATE TABLE AS SELECT,
// INSERT, MERGE, CREATE DYNAMIC TABLE and COPY INTO. Identical statements
// (the same text after Normalize, with the same session database and
// schema) are kept once, identified by Hash. Every record left out is
// counted by reason. The package is pure: it parses bytes.
package querylog

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Record is one row of QUERY_HISTORY. Field names follow the view's columns.
type Record struct {
	QueryID         string
	QueryText       string
	QueryType       string
	DatabaseName    string
	SchemaName      string
	ExecutionStatus string
	StartTime       time.Time
	EndTime         time.Time
	RoleName        string
	UserName        string
	WarehouseName   string
}

// Reasons a record is left out, the keys of Log.Dropped.
const (
	DropFailed    = "failed"             // EXECUTION_STATUS is not SUCCESS
	DropSelect    = "select"             // a plain query: it writes nothing
	DropNoLineage = "no column lineage"  // DDL, UPDATE, DELETE, SHOW, ... or COPY out of a table
	DropTruncated = "truncated text"     // QUERY_TEXT at Snowflake's 100K-character limit
	DropEmpty     = "empty text"         // no QUERY_TEXT (the role cannot see it)
	DropDuplicate = "duplicate query id" // the same QUERY_ID read again
)

// MaxQueryText is the length at which QUERY_HISTORY truncates QUERY_TEXT.
const MaxQueryText = 100_000

// Statement is one distinct statement of the history.
type Statement struct {
	Hash       string // Hash(Normalized, DatabaseName, SchemaName)
	Normalized string
	// Text, QueryID and QueryType are those of the latest run seen.
	Text         string
	QueryID      string
	QueryType    string
	DatabaseName string // the session's defaults when it ran
	SchemaName   string
	Runs         int
	FirstSeen    time.Time
	LastSeen     time.Time
}

// Log is what a history yields: the distinct statements in order of first
// appearance, what was dropped by reason, and the watermark.
type Log struct {
	Statements []Statement
	Records    int            // records read
	Dropped    map[string]int // reason -> count
	// Watermark is the latest START_TIME read, dropped records included:
	// the next read asks for START_TIME > Watermark.
	Watermark time.Time
	// Since, when set, leaves out the records that started at or before it (an incremental
	// read: they were read before); Before counts them.
	Since  time.Time
	Before int

	byHash   map[string]int
	queryIDs map[string]bool
}

// NewLog returns an empty Log to Add records to (the zero Log works too).
func NewLog() *Log {
	return &Log{Dropped: map[string]int{}, byHash: map[string]int{}, queryIDs: map[string]bool{}}
}

// keptTypes are the QUERY_TYPE values whose statements can carry column
// lineage into a table.
var keptTypes = map[string]bool{
	"CREATE_TABLE_AS_SELECT": true,
	"INSERT":                 true,
	"MULTI_TABLE_INSERT":     true,
	"MERGE":                  true,
	"COPY":                   true,
	// A CREATE DYNAMIC TABLE is recorded under one of these, depending on the
	// account's release; the text decides (createDynamicRe).
	"CREATE_TABLE":         true,
	"CREATE_DYNAMIC_TABLE": true,
	"CREATE":               true,
}

var (
	createDynamicRe = regexp.MustCompile(`(?is)^\s*CREATE\s+(OR\s+REPLACE\s+)?(TRANSIENT\s+)?DYNAMIC\s+(ICEBERG\s+)?TABLE\b`)
	copyIntoTableRe = regexp.MustCompile(`(?is)^\s*COPY\s+INTO\s+[^@'\s]`)
)

// Add takes one record: it updates the watermark and either keeps its
// statement or counts why it is dropped. It reports whether the record was
// kept (a new statement or another run of a known one).
func (l *Log) Add(r Record) bool {
	if l.byHash == nil {
		l.Dropped, l.byHash, l.queryIDs = map[string]int{}, map[string]int{}, map[string]bool{}
	}
	l.Records++
	if !l.Since.IsZero() && !r.StartTime.After(l.Since) {
		l.Before++
		return false
	}
	if r.StartTime.After(l.Watermark) {
		l.Watermark = r.StartTime
	}
	if reason := dropReason(r); reason != "" {
		l.Dropped[reason]++
		return false
	}
	if r.QueryID != "" {
		if l.queryIDs[r.QueryID] {
			l.Dropped[DropDuplicate]++
			return false
		}
		l.queryIDs[r.QueryID] = true
	}
	norm := Normalize(r.QueryText)
	h := Hash(norm, r.DatabaseName, r.SchemaName)
	if i, ok := l.byHash[h]; ok {
		st := &l.Statements[i]
		st.Runs++
		if !r.StartTime.Before(st.LastSeen) {
			st.LastSeen, st.Text, st.QueryID, st.QueryType = r.StartTime, r.QueryText, r.QueryID, r.QueryType
		}
		if r.StartTime.Before(st.FirstSeen) {
			st.FirstSeen = r.StartTime
		}
		return true
	}
	l.byHash[h] = len(l.Statements)
	l.Statements = append(l.Statements, Statement{
		Hash: h, Normalized: norm, Text: r.QueryText, QueryID: r.QueryID, QueryType: r.QueryType,
		DatabaseName: r.DatabaseName, SchemaName: r.SchemaName,
		Runs: 1, FirstSeen: r.StartTime, LastSeen: r.StartTime,
	})
	return true
}

func dropReason(r Record) string {
	if !strings.EqualFold(r.ExecutionStatus, "SUCCESS") {
		return DropFailed
	}
	qt := strings.ToUpper(strings.TrimSpace(r.QueryType))
	if qt == "SELECT" {
		return DropSelect
	}
	if strings.TrimSpace(r.QueryText) == "" {
		return DropEmpty
	}
	if !keptTypes[qt] {
		return DropNoLineage
	}
	switch qt {
	case "CREATE_TABLE", "CREATE", "CREATE_DYNAMIC_TABLE":
		if !createDynamicRe.MatchString(stripLeadingComments(r.QueryText)) {
			return DropNoLineage
		}
	case "COPY":
		if !copyIntoTableRe.MatchString(stripLeadingComments(r.QueryText)) {
			return DropNoLineage // COPY INTO @stage unloads: no table is written
		}
	}
	if len(r.QueryText) >= MaxQueryText {
		return DropTruncated
	}
	return ""
}

// stripLeadingComments drops the comments a tool puts before a statement
// (dbt's /* {"app": "dbt", ...} */, query tags).
func stripLeadingComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		switch {
		case strings.HasPrefix(s, "--"):
			i := strings.IndexByte(s, '\n')
			if i < 0 {
				return ""
			}
			s = s[i+1:]
		case strings.HasPrefix(s, "/*"):
			i := strings.Index(s, "*/")
			if i < 0 {
				return ""
			}
			s = s[i+2:]
		default:
			return s
		}
	}
}

// DroppedReasons returns the reasons with their counts, sorted by reason,
// for reporting.
func (l *Log) DroppedReasons() []string {
	out := make([]string, 0, len(l.Dropped))
	for reason, n := range l.Dropped {
		out = append(out, fmt.Sprintf("%s: %d", reason, n))
	}
	slices.Sort(out)
	return out
}

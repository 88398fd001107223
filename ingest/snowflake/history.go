package snowflake

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"time"

	"github.com/snowflakedb/gosnowflake"

	"github.com/tributary-lineage/tributary/ingest/querylog"
)

// DefaultHistoryPage is the number of QUERY_HISTORY rows QueryHistory asks for per query.
const DefaultHistoryPage = 10_000

// historyQuery reads one page of SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY from a START_TIME on,
// in a total order (START_TIME, QUERY_ID) so pages neither skip nor repeat rows.
const historyQuery = `SELECT QUERY_ID, QUERY_TEXT, QUERY_TYPE, DATABASE_NAME, SCHEMA_NAME, EXECUTION_STATUS, START_TIME, END_TIME, ROLE_NAME, USER_NAME, WAREHOUSE_NAME
FROM SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY
WHERE START_TIME >= ?
ORDER BY START_TIME, QUERY_ID
LIMIT `

// QueryHistory reads the rows of SNOWFLAKE.ACCOUNT_USAGE.QUERY_HISTORY that started after
// since, oldest first, hands each to fn and returns the number of queries (pages) it made. It
// pages with LIMIT pageSize (DefaultHistoryPage when 0): each page starts at the last
// START_TIME of the one before (START_TIME >= t) and leaves out the rows of that instant it
// has read (by QUERY_ID, the second ordering column); a full page of one instant doubles the
// page size, so rows sharing a START_TIME are never cut off. The role needs IMPORTED
// PRIVILEGES on the SNOWFLAKE database (or the SNOWFLAKE.GOVERNANCE_VIEWER database role);
// without them Snowflake answers 002003, "Schema 'SNOWFLAKE.ACCOUNT_USAGE' does not exist or
// not authorized".
func (s *Source) QueryHistory(ctx context.Context, since time.Time, pageSize int, fn func(querylog.Record)) (pages int, err error) {
	if pageSize <= 0 {
		pageSize = DefaultHistoryPage
	}
	since = since.UTC()
	from, limit := since, pageSize
	readAt := map[string]bool{} // QUERY_IDs read that started at from
	for {
		pages++
		p, err := s.historyPage(ctx, from, limit, func(r querylog.Record) {
			if r.StartTime.After(since) && !(r.StartTime.Equal(from) && readAt[r.QueryID]) {
				fn(r)
			}
		})
		if err != nil {
			return pages, fmt.Errorf("read query history from %s: %w", from.Format(time.RFC3339Nano), err)
		}
		if p.rows < limit {
			return pages, nil
		}
		if p.last.Equal(from) {
			limit *= 2 // a full page of one instant: ask for more of it
		} else {
			from, limit, readAt = p.last, pageSize, map[string]bool{}
		}
		for _, id := range p.lastIDs {
			readAt[id] = true
		}
	}
}

// historyPageResult is what one page held: its rows, the START_TIME of its last row and the
// QUERY_IDs of the rows that started then.
type historyPageResult struct {
	rows    int
	last    time.Time
	lastIDs []string
}

func (s *Source) historyPage(ctx context.Context, from time.Time, limit int, fn func(querylog.Record)) (historyPageResult, error) {
	var p historyPageResult
	rows, err := s.db.QueryContext(ctx, historyQuery+strconv.Itoa(limit), gosnowflake.DataTypeTimestampLtz, from)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var (
			id, text, typ, db, schema, status, role, user, wh sql.NullString
			start, end                                        sql.NullTime
		)
		if err := rows.Scan(&id, &text, &typ, &db, &schema, &status, &start, &end, &role, &user, &wh); err != nil {
			return p, fmt.Errorf("scan query history: %w", err)
		}
		p.rows++
		r := querylog.Record{QueryID: id.String, QueryText: text.String, QueryType: typ.String,
			DatabaseName: db.String, SchemaName: schema.String, ExecutionStatus: status.String,
			StartTime: start.Time.UTC(), EndTime: end.Time.UTC(), RoleName: role.String, UserName: user.String, WarehouseName: wh.String}
		if !r.StartTime.Equal(p.last) {
			p.last, p.lastIDs = r.StartTime, p.lastIDs[:0]
		}
		p.lastIDs = append(p.lastIDs, r.QueryID)
		fn(r)
	}
	return p, rows.Err()
}

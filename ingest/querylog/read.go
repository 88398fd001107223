package querylog

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Column names of QUERY_HISTORY that a record needs. Others (ROLE_NAME,
// USER_NAME, WAREHOUSE_NAME, END_TIME, ...) are read when present.
var requiredColumns = []string{"QUERY_ID", "QUERY_TEXT", "QUERY_TYPE", "EXECUTION_STATUS", "START_TIME"}

// ParseJSONLines adds every record of a JSON Lines export (one object per
// line, keys QUERY_HISTORY's column names in any case) to l. Blank lines are
// skipped. An error names the line.
func ParseJSONLines(data []byte, l *Log) error {
	line := 0
	for len(data) > 0 {
		line++
		var raw []byte
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			raw, data = data[:i], data[i+1:]
		} else {
			raw, data = data, nil
		}
		raw = bytes.TrimSpace(raw)
		if len(raw) == 0 {
			continue
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return fmt.Errorf("query history line %d: %w", line, err)
		}
		if dec.More() {
			return fmt.Errorf("query history line %d: more than one JSON value", line)
		}
		fields := make(map[string]string, len(obj))
		for k, v := range obj {
			s, err := jsonString(v)
			if err != nil {
				return fmt.Errorf("query history line %d: %s: %w", line, k, err)
			}
			fields[strings.ToUpper(k)] = s
		}
		r, err := record(fields)
		if err != nil {
			return fmt.Errorf("query history line %d: %w", line, err)
		}
		l.Add(r)
	}
	return nil
}

func jsonString(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return "", fmt.Errorf("want a string, number or null, got %T", v)
	}
}

// ParseCSV adds every record of a CSV export with a header row of
// QUERY_HISTORY's column names (any case) to l. An error names the record
// (1 = the first row after the header) and its line.
func ParseCSV(data []byte, l *Log) error {
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff"))))
	r.ReuseRecord = true
	header, err := r.Read()
	if err != nil {
		return fmt.Errorf("query history header: %w", err)
	}
	cols := make([]string, len(header))
	seen := map[string]bool{}
	for i, h := range header {
		cols[i] = strings.ToUpper(strings.TrimSpace(h))
		seen[cols[i]] = true
	}
	for _, c := range requiredColumns {
		if !seen[c] {
			return fmt.Errorf("query history header: no %s column", c)
		}
	}
	for n := 1; ; n++ {
		row, err := r.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("query history record %d: %w", n, err)
		}
		line, _ := r.FieldPos(0)
		fields := make(map[string]string, len(cols))
		for i, v := range row {
			fields[cols[i]] = v
		}
		rec, err := record(fields)
		if err != nil {
			return fmt.Errorf("query history record %d (line %d): %w", n, line, err)
		}
		l.Add(rec)
	}
}

func record(f map[string]string) (Record, error) {
	for _, c := range requiredColumns {
		if _, ok := f[c]; !ok {
			return Record{}, fmt.Errorf("no %s", c)
		}
	}
	start, err := ParseTime(f["START_TIME"])
	if err != nil {
		return Record{}, fmt.Errorf("START_TIME: %w", err)
	}
	var end time.Time
	if s := f["END_TIME"]; s != "" {
		if end, err = ParseTime(s); err != nil {
			return Record{}, fmt.Errorf("END_TIME: %w", err)
		}
	}
	return Record{
		QueryID:         f["QUERY_ID"],
		QueryText:       f["QUERY_TEXT"],
		QueryType:       f["QUERY_TYPE"],
		DatabaseName:    f["DATABASE_NAME"],
		SchemaName:      f["SCHEMA_NAME"],
		ExecutionStatus: f["EXECUTION_STATUS"],
		StartTime:       start,
		EndTime:         end,
		RoleName:        f["ROLE_NAME"],
		UserName:        f["USER_NAME"],
		WarehouseName:   f["WAREHOUSE_NAME"],
	}, nil
}

// timeLayouts are the forms a TIMESTAMP_LTZ takes in exports: RFC 3339
// (JSON from most clients), Snowflake's default TIMESTAMP_OUTPUT_FORMAT
// (2024-01-02 03:04:05.123 -0800) and the same without an offset (UTC).
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02 15:04:05.999999999 -0700",
	"2006-01-02 15:04:05.999999999 -07:00",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999",
}

// ParseTime reads a START_TIME/END_TIME value: one of timeLayouts, or epoch
// seconds with an optional fraction (Snowflake's JSON result format).
// Values without an offset are UTC.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty")
	}
	for _, layout := range timeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (RFC 3339, YYYY-MM-DD HH:MM:SS[.f] [±HHMM] or epoch seconds)", s)
}

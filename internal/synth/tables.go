package synth

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// DBTManifest renders the warehouse as a dbt manifest.json (schema v12):
// one model per view (its SELECT as compiled_code; layer 1 materialised as
// views, every fifth model of the other layers incremental, the rest
// tables), one source per base table, every column documented with its
// type. It is the scale input of the dbt reader, not a real dbt project.
func (w Warehouse) DBTManifest() ([]byte, error) {
	type column struct {
		Name     string `json:"name"`
		DataType string `json:"data_type"`
	}
	type node struct {
		UniqueID         string              `json:"unique_id"`
		ResourceType     string              `json:"resource_type"`
		Name             string              `json:"name"`
		RelationName     string              `json:"relation_name"`
		OriginalFilePath string              `json:"original_file_path"`
		CompiledCode     string              `json:"compiled_code,omitempty"`
		Columns          map[string]column   `json:"columns"`
		Config           map[string]any      `json:"config"`
		DependsOn        map[string][]string `json:"depends_on"`
		Description      string              `json:"description"`
		Tags             []string            `json:"tags"`
		Meta             map[string]any      `json:"meta"`
	}
	id := map[string]string{} // relation -> unique_id
	sources := map[string]node{}
	for _, t := range w.Tables {
		short := strings.ToLower(t.Name[strings.LastIndexByte(t.Name, '.')+1:])
		uid := "source.synth.raw." + short
		id[t.Name] = uid
		sources[uid] = node{
			UniqueID: uid, ResourceType: "source", Name: short, RelationName: t.Name,
			OriginalFilePath: "models/sources.yml", Columns: columnsOf(t.Columns, func(n, ty string) column { return column{n, ty} }),
			Config: map[string]any{}, DependsOn: map[string][]string{"nodes": {}}, Tags: []string{}, Meta: map[string]any{},
		}
	}
	nodes := map[string]node{}
	for i, v := range w.Views {
		short := strings.ToLower(v.Name[strings.LastIndexByte(v.Name, '.')+1:])
		uid := "model.synth." + short
		id[v.Name] = uid
		mat := "table"
		switch {
		case v.Layer == 1:
			mat = "view"
		case i%5 == 0:
			mat = "incremental"
		}
		var deps []string
		for _, s := range v.Sources {
			if d, ok := id[s]; ok {
				deps = append(deps, d)
			}
		}
		nodes[uid] = node{
			UniqueID: uid, ResourceType: "model", Name: short, RelationName: v.Name,
			OriginalFilePath: "models/" + v.Path, CompiledCode: v.Body,
			Columns:     columnsOf(v.Columns, func(n, ty string) column { return column{n, ty} }),
			Config:      map[string]any{"materialized": mat},
			DependsOn:   map[string][]string{"nodes": deps},
			Description: fmt.Sprintf("Layer %d %s model.", v.Layer, v.Shape),
			Tags:        []string{fmt.Sprintf("layer_%d", v.Layer)},
			Meta:        map[string]any{"owner": "synth"},
		}
	}
	manifest := map[string]any{
		"metadata": map[string]any{
			"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json",
			"dbt_version":        "synth",
			"project_name":       "synth",
			"adapter_type":       "snowflake",
		},
		"nodes":   nodes,
		"sources": sources,
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(manifest); err != nil {
		return nil, fmt.Errorf("synth: encode manifest: %w", err)
	}
	return b.Bytes(), nil
}

func columnsOf[C any](cols []Column, mk func(name, typ string) C) map[string]C {
	out := make(map[string]C, len(cols))
	for _, c := range cols {
		out[strings.ToLower(c.Name)] = mk(c.Name, c.Type)
	}
	return out
}

// HistoryOptions shape a generated query history.
type HistoryOptions struct {
	Rows       int       // records written
	Statements int       // distinct statements among them (at most Rows)
	Start      time.Time // START_TIME of the first record; one second apart
}

// QueryHistory renders opts.Rows records of SNOWFLAKE.ACCOUNT_USAGE.
// QUERY_HISTORY as JSON Lines, cycling over opts.Statements distinct
// statements that write tables of an ETL schema from the warehouse's view
// SELECTs: every third a CREATE TABLE AS SELECT, the others INSERT ...
// SELECT. Runs of one statement differ only in a string literal (the run
// number), so they normalise to the same statement.
func (w Warehouse) QueryHistory(opts HistoryOptions) ([]byte, error) {
	if opts.Rows < 0 || opts.Statements <= 0 || opts.Statements > max(opts.Rows, 1) {
		return nil, fmt.Errorf("synth: query history of %d rows with %d statements", opts.Rows, opts.Statements)
	}
	if len(w.Views) == 0 {
		return nil, fmt.Errorf("synth: query history needs views")
	}
	type record struct {
		QueryID         string `json:"QUERY_ID"`
		QueryText       string `json:"QUERY_TEXT"`
		QueryType       string `json:"QUERY_TYPE"`
		DatabaseName    string `json:"DATABASE_NAME"`
		SchemaName      string `json:"SCHEMA_NAME"`
		ExecutionStatus string `json:"EXECUTION_STATUS"`
		StartTime       string `json:"START_TIME"`
		EndTime         string `json:"END_TIME"`
		RoleName        string `json:"ROLE_NAME"`
		UserName        string `json:"USER_NAME"`
		WarehouseName   string `json:"WAREHOUSE_NAME"`
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	for i := 0; i < opts.Rows; i++ {
		j := i % opts.Statements
		target := fmt.Sprintf("%s.ETL.LOAD_%06d", w.Options.Database, j)
		sel := fmt.Sprintf("SELECT * FROM (\n%s\n) AS src WHERE 'run %d' IS NOT NULL", w.Views[j%len(w.Views)].Body, i/opts.Statements)
		text, typ := "INSERT INTO "+target+"\n"+sel, "INSERT"
		if j%3 == 0 {
			text, typ = "CREATE OR REPLACE TABLE "+target+" AS\n"+sel, "CREATE_TABLE_AS_SELECT"
		}
		start := opts.Start.Add(time.Duration(i) * time.Second).UTC()
		if err := enc.Encode(record{
			QueryID: fmt.Sprintf("01synth-%012x", i), QueryText: text, QueryType: typ,
			DatabaseName: w.Options.Database, SchemaName: "ETL", ExecutionStatus: "SUCCESS",
			StartTime: start.Format(time.RFC3339Nano), EndTime: start.Add(500 * time.Millisecond).Format(time.RFC3339Nano),
			RoleName: "ETL", UserName: "TASKS", WarehouseName: "ETL_WH",
		}); err != nil {
			return nil, fmt.Errorf("synth: encode query history: %w", err)
		}
	}
	return b.Bytes(), nil
}

// Package dbt reads what a dbt project says about the warehouse: the models of
// a manifest.json (their compiled SQL, materialisation, target relation and
// documentation), its sources and seeds as tables, and the columns that
// catalog.json and seed CSV files add. Parsing works on bytes; ReadProject is
// the only function that opens files.
package dbt

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/tributary-lineage/tributary/graph"
)

// Supported manifest schema versions (dbt-core 1.6 writes v10, 1.7 v11,
// 1.8 and later v12).
const (
	MinSchemaVersion = 10
	MaxSchemaVersion = 12
)

// Materialisations a model can have in a Manifest. Ephemeral models are
// inlined by dbt into their readers and never appear as a Model.
const (
	MaterializedView         = "view"
	MaterializedTable        = "table"
	MaterializedIncremental  = "incremental"
	MaterializedDynamicTable = "dynamic_table"
	MaterializedMatView      = "materialized_view"
	materializedEphemeral    = "ephemeral"
)

// Column origins: where a Table's or Model's column list came from.
const (
	ColumnsFromManifest = "manifest"
	ColumnsFromCatalog  = "catalog"
	ColumnsFromCSV      = "seed csv"
)

// Manifest is what Tributary takes from a dbt manifest.json.
type Manifest struct {
	SchemaVersion int    // 10, 11, 12
	DBTVersion    string // dbt-core version that wrote it, e.g. 1.8.9
	ProjectName   string
	AdapterType   string
	Models        []Model // sorted by UniqueID
	Sources       []Table // sorted by UniqueID
	Seeds         []Table // sorted by UniqueID
	// Skipped lists the nodes that are no dataset of their own or that
	// cannot be analysed, each with the reason: ephemeral models (inlined in
	// their readers), models without compiled code, snapshots, unknown
	// materialisations. Tests, analyses and operations are not listed.
	Skipped []Skipped
}

// Skipped is a manifest node the reader did not turn into a Model or Table.
type Skipped struct {
	UniqueID string
	Reason   string
}

// Column is a documented or catalogued column. Name is resolved as
// Snowflake resolves it (upper-cased unless the column is quoted).
type Column struct {
	Name        string
	Description string
	DataType    string
}

// Model is a dbt model that becomes a dataset: a view, a table, an
// incremental model, a dynamic table or a materialized view.
type Model struct {
	UniqueID         string
	Name             string
	Target           graph.ObjectID // from relation_name
	Materialization  string         // one of the Materialized* constants
	CompiledCode     string
	Description      string
	Tags             []string
	Owner            string // meta.owner (node meta, then config meta)
	OriginalFilePath string
	DependsOn        []string // unique_ids of the nodes it reads (ephemeral ones included)
	Columns          []Column
	ColumnsFrom      string // ColumnsFrom* or "" when no columns are known
	// TargetLag and Warehouse are a dynamic table's target_lag and
	// snowflake_warehouse configs.
	TargetLag string
	Warehouse string
}

// Table is a source or a seed: a table dbt reads.
type Table struct {
	UniqueID         string
	Name             string
	Target           graph.ObjectID
	Description      string
	Tags             []string
	Owner            string
	OriginalFilePath string
	Columns          []Column
	ColumnsFrom      string
}

// schemaVersionRe reads the version from metadata.dbt_schema_version,
// e.g. https://schemas.getdbt.com/dbt/manifest/v12.json.
var schemaVersionRe = regexp.MustCompile(`/manifest/v(\d+)\.json$`)

type rawManifest struct {
	Metadata struct {
		SchemaVersion string `json:"dbt_schema_version"`
		DBTVersion    string `json:"dbt_version"`
		ProjectName   string `json:"project_name"`
		AdapterType   string `json:"adapter_type"`
	} `json:"metadata"`
	Nodes   map[string]rawNode `json:"nodes"`
	Sources map[string]rawNode `json:"sources"`
}

type rawNode struct {
	UniqueID         string         `json:"unique_id"`
	ResourceType     string         `json:"resource_type"`
	Name             string         `json:"name"`
	RelationName     *string        `json:"relation_name"`
	Description      string         `json:"description"`
	Tags             []string       `json:"tags"`
	Meta             map[string]any `json:"meta"`
	OriginalFilePath string         `json:"original_file_path"`
	CompiledCode     *string        `json:"compiled_code"`
	Columns          rawColumns     `json:"columns"`
	DependsOn        struct {
		Nodes []string `json:"nodes"`
	} `json:"depends_on"`
	Config struct {
		Materialized       string         `json:"materialized"`
		Meta               map[string]any `json:"meta"`
		TargetLag          string         `json:"target_lag"`
		SnowflakeWarehouse string         `json:"snowflake_warehouse"`
	} `json:"config"`
}

type rawColumn struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	DataType    string `json:"data_type"`
	Quote       *bool  `json:"quote"`
}

// rawColumns keeps the columns object in document order (the order of the
// YAML that documents them).
type rawColumns []rawColumn

func (c *rawColumns) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*c = nil
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("columns: want an object")
	}
	for dec.More() {
		if _, err := dec.Token(); err != nil { // the key; the value has the name
			return fmt.Errorf("columns: %w", err)
		}
		var col rawColumn
		if err := dec.Decode(&col); err != nil {
			return fmt.Errorf("columns: %w", err)
		}
		*c = append(*c, col)
	}
	return nil
}

// ParseManifest reads a manifest.json. It refuses schema versions outside
// v10–v12, naming the version found.
func ParseManifest(data []byte) (*Manifest, error) {
	var raw rawManifest
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse dbt manifest: %w", err)
	}
	v, err := schemaVersion(raw.Metadata.SchemaVersion)
	if err != nil {
		return nil, err
	}
	m := &Manifest{
		SchemaVersion: v,
		DBTVersion:    raw.Metadata.DBTVersion,
		ProjectName:   raw.Metadata.ProjectName,
		AdapterType:   raw.Metadata.AdapterType,
	}
	for _, id := range sortedKeys(raw.Nodes) {
		n := raw.Nodes[id]
		switch n.ResourceType {
		case "model":
			model, skip, err := readModel(id, n)
			if err != nil {
				return nil, err
			}
			if skip != "" {
				m.Skipped = append(m.Skipped, Skipped{UniqueID: id, Reason: skip})
				continue
			}
			m.Models = append(m.Models, model)
		case "seed":
			t, err := readTable(id, n)
			if err != nil {
				return nil, err
			}
			m.Seeds = append(m.Seeds, t)
		case "snapshot":
			m.Skipped = append(m.Skipped, Skipped{UniqueID: id, Reason: "snapshots are not analysed"})
		}
	}
	for _, id := range sortedKeys(raw.Sources) {
		t, err := readTable(id, raw.Sources[id])
		if err != nil {
			return nil, err
		}
		m.Sources = append(m.Sources, t)
	}
	return m, nil
}

func schemaVersion(s string) (int, error) {
	match := schemaVersionRe.FindStringSubmatch(s)
	if match == nil {
		return 0, fmt.Errorf("parse dbt manifest: metadata.dbt_schema_version %q is not a manifest schema URL", s)
	}
	v, err := strconv.Atoi(match[1])
	if err != nil {
		return 0, fmt.Errorf("parse dbt manifest: metadata.dbt_schema_version %q: %w", s, err)
	}
	if v < MinSchemaVersion || v > MaxSchemaVersion {
		return 0, fmt.Errorf("parse dbt manifest: schema version v%d is not supported (v%d–v%d: dbt-core 1.6 and later)",
			v, MinSchemaVersion, MaxSchemaVersion)
	}
	return v, nil
}

func readModel(id string, n rawNode) (Model, string, error) {
	mat := n.Config.Materialized
	switch mat {
	case materializedEphemeral:
		return Model{}, "ephemeral: inlined by dbt into the models that read it", nil
	case MaterializedView, MaterializedTable, MaterializedIncremental, MaterializedDynamicTable, MaterializedMatView:
	default:
		return Model{}, fmt.Sprintf("materialization %q is not analysed", mat), nil
	}
	if n.CompiledCode == nil {
		return Model{}, "no compiled code (the manifest comes from dbt parse; run dbt compile)", nil
	}
	target, err := relation(id, n.RelationName)
	if err != nil {
		return Model{}, "", err
	}
	cols, from := columns(n.Columns)
	return Model{
		UniqueID:         id,
		Name:             n.Name,
		Target:           target,
		Materialization:  mat,
		CompiledCode:     *n.CompiledCode,
		Description:      n.Description,
		Tags:             n.Tags,
		Owner:            owner(n),
		OriginalFilePath: n.OriginalFilePath,
		DependsOn:        n.DependsOn.Nodes,
		Columns:          cols,
		ColumnsFrom:      from,
		TargetLag:        n.Config.TargetLag,
		Warehouse:        n.Config.SnowflakeWarehouse,
	}, "", nil
}

func readTable(id string, n rawNode) (Table, error) {
	target, err := relation(id, n.RelationName)
	if err != nil {
		return Table{}, err
	}
	cols, from := columns(n.Columns)
	return Table{
		UniqueID:         id,
		Name:             n.Name,
		Target:           target,
		Description:      n.Description,
		Tags:             n.Tags,
		Owner:            owner(n),
		OriginalFilePath: n.OriginalFilePath,
		Columns:          cols,
		ColumnsFrom:      from,
	}, nil
}

// relation resolves relation_name as Snowflake reads it: unquoted parts
// upper-cased, quoted parts exact.
func relation(id string, name *string) (graph.ObjectID, error) {
	if name == nil || *name == "" {
		return graph.ObjectID{}, fmt.Errorf("parse dbt manifest: %s has no relation_name", id)
	}
	o, err := graph.ParseObjectID(*name)
	if err != nil {
		return graph.ObjectID{}, fmt.Errorf("parse dbt manifest: %s: %w", id, err)
	}
	return o, nil
}

func owner(n rawNode) string {
	for _, meta := range []map[string]any{n.Meta, n.Config.Meta} {
		if s, ok := meta["owner"].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

func columns(raw rawColumns) ([]Column, string) {
	if len(raw) == 0 {
		return nil, ""
	}
	out := make([]Column, len(raw))
	for i, c := range raw {
		out[i] = Column{Name: columnName(c.Name, c.Quote != nil && *c.Quote), Description: c.Description, DataType: c.DataType}
	}
	return out, ColumnsFromManifest
}

// columnName resolves a column name as Snowflake does: a quoted column keeps
// its case, an unquoted one is upper-cased.
func columnName(name string, quoted bool) string {
	if quoted {
		return name
	}
	return strings.ToUpper(name)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

package dbt

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/tributary-lineage/tributary/engine/lineage"
	"github.com/tributary-lineage/tributary/graph"
)

// Catalog is what dbt docs generate wrote to catalog.json: the columns of
// every relation as the warehouse reported them (names as stored), by
// unique_id.
type Catalog struct {
	Columns map[string][]Column
}

type rawCatalog struct {
	Metadata struct {
		SchemaVersion string `json:"dbt_schema_version"`
	} `json:"metadata"`
	Nodes   map[string]rawCatalogTable `json:"nodes"`
	Sources map[string]rawCatalogTable `json:"sources"`
}

type rawCatalogTable struct {
	Columns map[string]struct {
		Type  string `json:"type"`
		Index int    `json:"index"`
		Name  string `json:"name"`
	} `json:"columns"`
}

// ParseCatalog reads a catalog.json (schema v1).
func ParseCatalog(data []byte) (*Catalog, error) {
	var raw rawCatalog
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse dbt catalog: %w", err)
	}
	if !strings.HasSuffix(raw.Metadata.SchemaVersion, "/catalog/v1.json") {
		return nil, fmt.Errorf("parse dbt catalog: schema %q is not supported (catalog v1)", raw.Metadata.SchemaVersion)
	}
	c := &Catalog{Columns: make(map[string][]Column)}
	for _, tables := range []map[string]rawCatalogTable{raw.Nodes, raw.Sources} {
		for id, t := range tables {
			type indexed struct {
				i   int
				col Column
			}
			var cols []indexed
			for _, rc := range t.Columns {
				cols = append(cols, indexed{rc.Index, Column{Name: rc.Name, DataType: rc.Type}})
			}
			slices.SortFunc(cols, func(a, b indexed) int { return a.i - b.i })
			out := make([]Column, len(cols))
			for i, c := range cols {
				out[i] = c.col
			}
			c.Columns[id] = out
		}
	}
	return c, nil
}

// ApplyCatalog replaces the column lists of the models, sources and seeds
// the catalog knows by the catalog's (the warehouse's order and types),
// keeping the manifest's descriptions and declared data types. Snowflake
// reports names as stored, so they are kept exactly; other adapters (the
// DuckDB the fixtures are built with) report unquoted names as written,
// which are resolved the way Snowflake resolves them, upper-cased.
func (m *Manifest) ApplyCatalog(c *Catalog) {
	resolve := func(cols []Column) []Column {
		out := slices.Clone(cols)
		if m.AdapterType != "snowflake" {
			for i := range out {
				out[i].Name = columnName(out[i].Name, false)
			}
		}
		return out
	}
	for i := range m.Models {
		md := &m.Models[i]
		if cols, ok := c.Columns[md.UniqueID]; ok {
			md.Columns, md.ColumnsFrom = merge(resolve(cols), md.Columns), ColumnsFromCatalog
		}
	}
	for _, list := range [][]Table{m.Sources, m.Seeds} {
		for i := range list {
			t := &list[i]
			if cols, ok := c.Columns[t.UniqueID]; ok {
				t.Columns, t.ColumnsFrom = merge(resolve(cols), t.Columns), ColumnsFromCatalog
			}
		}
	}
}

// merge takes the column list from authoritative (filled in place and
// returned) and the descriptions and declared types from documented.
func merge(authoritative, documented []Column) []Column {
	out := authoritative
	for i := range out {
		for _, d := range documented {
			if d.Name != out[i].Name {
				continue
			}
			out[i].Description = d.Description
			if d.DataType != "" {
				out[i].DataType = d.DataType
			}
		}
	}
	return out
}

// SeedHeader returns the column names of a seed CSV file: its header row,
// resolved as unquoted identifiers are.
func SeedHeader(data []byte) ([]string, error) {
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("read seed header: %w", err)
	}
	out := make([]string, len(header))
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))
		if h == "" {
			return nil, fmt.Errorf("read seed header: column %d has no name", i+1)
		}
		out[i] = columnName(h, false)
	}
	return out, nil
}

// ApplySeedHeader sets the columns of the seed with this unique_id from its
// CSV header, unless the catalog gave them already.
func (m *Manifest) ApplySeedHeader(uniqueID string, header []string) {
	for i := range m.Seeds {
		t := &m.Seeds[i]
		if t.UniqueID != uniqueID || t.ColumnsFrom == ColumnsFromCatalog {
			continue
		}
		cols := make([]Column, len(header))
		for j, h := range header {
			cols[j] = Column{Name: h}
		}
		t.Columns, t.ColumnsFrom = merge(cols, t.Columns), ColumnsFromCSV
	}
}

// ReadProject reads the manifest at manifestPath, the catalog.json beside it
// when there is one, and, when projectDir is not empty, the header of every
// seed's CSV file under it.
func ReadProject(manifestPath, projectDir string) (*Manifest, error) {
	data, err := os.ReadFile(manifestPath)
	if err != nil {
		return nil, fmt.Errorf("read dbt manifest: %w", err)
	}
	m, err := ParseManifest(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", manifestPath, err)
	}
	catPath := filepath.Join(filepath.Dir(manifestPath), "catalog.json")
	switch data, err := os.ReadFile(catPath); {
	case err == nil:
		c, err := ParseCatalog(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", catPath, err)
		}
		m.ApplyCatalog(c)
	case !errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("read dbt catalog: %w", err)
	}
	if projectDir == "" {
		return m, nil
	}
	for _, s := range m.Seeds {
		p := filepath.Join(projectDir, filepath.FromSlash(s.OriginalFilePath))
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read seed %s: %w", s.UniqueID, err)
		}
		header, err := SeedHeader(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", p, err)
		}
		m.ApplySeedHeader(s.UniqueID, header)
	}
	return m, nil
}

// LineageCatalog is the catalog the models' SQL is analysed with: the
// sources, the seeds and the models whose columns are known.
func (m *Manifest) LineageCatalog() *lineage.MapCatalog {
	c := &lineage.MapCatalog{}
	add := func(o graph.ObjectID, cols []Column) {
		if len(cols) == 0 {
			return
		}
		names := make([]string, len(cols))
		for i, col := range cols {
			names[i] = col.Name
		}
		c.Add(lineage.Table{Database: o.Database, Schema: o.Schema, Name: o.Name, Columns: names})
	}
	for _, list := range [][]Table{m.Sources, m.Seeds} {
		for _, t := range list {
			add(t.Target, t.Columns)
		}
	}
	for _, md := range m.Models {
		add(md.Target, md.Columns)
	}
	return c
}

// Statement is the DDL that materialises the model, as the lineage engine
// analyses it: CREATE OR REPLACE VIEW / TABLE / DYNAMIC TABLE /
// MATERIALIZED VIEW <relation> AS <compiled code>. An incremental model is
// analysed as the table its compiled code builds.
func (md Model) Statement() string {
	var kind string
	switch md.Materialization {
	case MaterializedView:
		kind = "VIEW"
	case MaterializedMatView:
		kind = "MATERIALIZED VIEW"
	case MaterializedDynamicTable:
		kind = "DYNAMIC TABLE"
	default:
		kind = "TABLE"
	}
	var opts string
	if md.Materialization == MaterializedDynamicTable {
		if md.TargetLag != "" {
			opts += " TARGET_LAG = '" + strings.ReplaceAll(md.TargetLag, "'", "''") + "'"
		}
		if md.Warehouse != "" {
			opts += " WAREHOUSE = " + md.Warehouse
		}
	}
	return "CREATE OR REPLACE " + kind + " " + md.Target.String() + opts + " AS\n" + md.CompiledCode
}

// Package openlineage reads OpenLineage events (spec 2-0-x): it decodes and validates them
// against the spec's JSON schemas (embedded, spec/), maps dataset namespaces and names to
// the graph's ids (naming.md: Snowflake datasets meet the objects Tributary knows; others
// become external datasets) and turns an event into what to store: its job and run, the
// datasets it names with their columns, and the typed column lineage of its outputs (from
// the column-lineage facet, or from the engine's analysis of the SQL job facet). It does no
// I/O: the API receives, the graph writes.
package openlineage

import (
	"time"
)

// Run event types (RunEvent.eventType).
const (
	EventStart    = "START"
	EventRunning  = "RUNNING"
	EventComplete = "COMPLETE"
	EventAbort    = "ABORT"
	EventFail     = "FAIL"
	EventOther    = "OTHER"
)

// Event is one decoded, valid event: a RunEvent, DatasetEvent or JobEvent (Kind). Only the
// parts Tributary stores are read; the rest was validated and is not kept.
type Event struct {
	Kind      string    `json:"-"`
	EventType string    `json:"eventType"`
	EventTime time.Time `json:"eventTime"`
	Producer  string    `json:"producer"`
	Run       *Run      `json:"run"`
	Job       *Job      `json:"job"`
	Inputs    []Dataset `json:"inputs"`
	Outputs   []Dataset `json:"outputs"`
	Dataset   *Dataset  `json:"dataset"` // DatasetEvent
}

// Run is a RunEvent's run.
type Run struct {
	RunID  string `json:"runId"`
	Facets struct {
		ErrorMessage *struct {
			Message string `json:"message"`
		} `json:"errorMessage"`
	} `json:"facets"`
}

// Job is the job of a RunEvent or JobEvent.
type Job struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Facets    struct {
		SQL *SQLFacet `json:"sql"`
	} `json:"facets"`
}

// SQLFacet is the SQLJobFacet: the SQL the job ran.
type SQLFacet struct {
	Query   string `json:"query"`
	Dialect string `json:"dialect"`
	Deleted bool   `json:"_deleted"`
}

// Dataset is an input or output dataset, or a DatasetEvent's dataset.
type Dataset struct {
	Namespace string        `json:"namespace"`
	Name      string        `json:"name"`
	Facets    DatasetFacets `json:"facets"`
}

// DatasetFacets are the dataset facets Tributary reads.
type DatasetFacets struct {
	Schema        *SchemaFacet        `json:"schema"`
	ColumnLineage *ColumnLineageFacet `json:"columnLineage"`
}

// SchemaFacet is the SchemaDatasetFacet: the dataset's columns.
type SchemaFacet struct {
	Fields  []SchemaField `json:"fields"`
	Deleted bool          `json:"_deleted"`
}

// SchemaField is one column of a SchemaFacet.
type SchemaField struct {
	Name            string        `json:"name"`
	Type            string        `json:"type"`
	Description     string        `json:"description"`
	OrdinalPosition *int          `json:"ordinal_position"`
	Fields          []SchemaField `json:"fields"`
}

// ColumnLineageFacet is the ColumnLineageDatasetFacet of an output.
type ColumnLineageFacet struct {
	Fields  map[string]FieldLineage `json:"fields"`
	Dataset []InputField            `json:"dataset"`
	Deleted bool                    `json:"_deleted"`
}

// FieldLineage is the lineage of one output column.
type FieldLineage struct {
	InputFields []InputField `json:"inputFields"`
	// Deprecated in the spec; read when an input field has no transformations.
	TransformationDescription string `json:"transformationDescription"`
	TransformationType        string `json:"transformationType"`
}

// InputField is one input column (and how it was used).
type InputField struct {
	Namespace       string           `json:"namespace"`
	Name            string           `json:"name"`
	Field           string           `json:"field"`
	Transformations []Transformation `json:"transformations"`
}

// Transformation is one typed use of an input column.
type Transformation struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	Description string `json:"description"`
	Masking     bool   `json:"masking"`
}
